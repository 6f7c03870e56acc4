"""(k): crop=faces on a 2400x1600 photo, Signet against thumbor's smart crop (its OpenCV
face detector), in the same run.

Two phases, each over the same ORIGINALS distinct originals (the same pixels, a different
JPEG comment each, so every file has its own content digest and nothing is shared):
- first: each original asked once at 300x300, crop=faces: the detector runs;
- second: each asked again at 200x240: Signet finds the faces of that original in its
  cache (transforms.faces, keyed by the content digest) and must not detect again; thumbor
  without storage has nowhere to keep them, and detects again.
Requests go CORES at a time from threads (each thread its own original), and each answer
is checked (status, JPEG, size). Signet runs with its result cache off; thumbor with no
storage and no result storage, `DETECTORS = [face_detector]`, one process per core behind
no proxy: each thread talks to one instance.

`python -m bench.faces --dry` checks the code path in-process (Signet's pipeline, no server):
one original, both sizes, and that the second size did not add a detection. The photo is
NASA's astronaut (public domain) from scikit-image's data folder, a dev dependency: without
it the workload is skipped, saying so.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image

from bench import images, peers, servers

WORK = Path(__file__).resolve().parent / ".work"
CORES = os.cpu_count() or 1
ORIGINALS = 24
FIRST, SECOND = (300, 300), (200, 240)
SIGNET_QUERY = "w={w}&h={h}&fit=crop&crop=faces&fm=jpg&q=80"
THUMBOR_PATH = "/unsafe/{w}x{h}/smart/filters:quality(80)/{name}"
THUMBOR_DETECTORS = "DETECTORS = ['thumbor.detectors.face_detector']\n"


def face_photo() -> Image.Image:
    """2400 x 1600: bench's drawn photo with the astronaut, 900 px, right of centre."""
    from skimage import data as skdata  # a dev dependency: ImportError skips the workload

    canvas = images.photo(2400, 1600, seed=7)
    person = Image.fromarray(skdata.astronaut()).resize((900, 900), Image.Resampling.LANCZOS)
    canvas.paste(person, (1400, 350))
    return canvas


def write_originals(folder: Path, count: int = ORIGINALS) -> list[str]:
    """`count` JPEGs of the same pixels, each with its own comment: distinct contents."""
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    face_photo().save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    names = []
    for i in range(count):
        comment = f"signet bench faces {i}".encode()
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        name = f"faces-{i:03d}.jpg"
        (folder / name).write_bytes(data[:2] + segment + data[2:])  # after SOI
        names.append(name)
    return names


def _phase(urls: list[str], size: tuple[int, int], concurrency: int) -> dict:
    """GET each URL once, `concurrency` at a time: req/s, latencies, problems."""
    times: list[float] = []
    problems: list[str] = []

    def one(url: str) -> None:
        began = time.perf_counter()
        resp = httpx.get(url, timeout=120)
        times.append(time.perf_counter() - began)
        if resp.status_code != 200:
            problems.append(f"{resp.status_code} {resp.text[:100]}")
            return
        img = Image.open(io.BytesIO(resp.content))
        if (img.format, img.size) != ("JPEG", size):
            problems.append(f"answer is {img.format} {img.size}, expected JPEG {size}")

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, urls))
    wall = time.perf_counter() - began
    ordered = sorted(times)
    return {
        "requests": len(urls),
        "rps": round(len(urls) / wall, 2),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "problems": problems[:5],
    }


def measure(base_urls: list[str], names: list[str], who: str, concurrency: int) -> dict:
    """Both phases against one server (thumbor: one base URL per instance, round robin)."""
    def urls(size: tuple[int, int]) -> list[str]:
        w, h = size
        out = []
        for i, name in enumerate(names):
            base = base_urls[i % len(base_urls)]
            if who == "signet":
                out.append(f"{base}/faces/{name}?{SIGNET_QUERY.format(w=w, h=h)}")
            else:
                out.append(base + THUMBOR_PATH.format(w=w, h=h, name=name))
        return out

    return {
        "first": _phase(urls(FIRST), FIRST, concurrency),
        "second": _phase(urls(SECOND), SECOND, concurrency),
    }


def run(
    workers: int, log_dir: Path, skip_thumbor: bool = False, originals: int = ORIGINALS
) -> dict:
    """Start a Signet (and thumbor x workers) of its own, measure, stop them."""
    folder = WORK / "faces"
    try:
        names = write_originals(folder, originals)
    except ImportError:
        return {"skipped": "needs scikit-image (the astronaut photo): make .venv/.dev"}
    config = servers.open_folder_config(WORK / "signet-faces.toml", "faces", folder)
    started: list[servers.Server] = []
    try:
        signet = servers.signet(config, servers.free_port(), workers, log_dir, "signet-faces")
        started.append(signet.start())
        thumbor_ports: list[int] = []
        if not skip_thumbor:
            thumbor_ports = [servers.free_port() for _ in range(workers)]
            thumbor = peers.thumbor_group("thumbor-faces", folder, thumbor_ports, log_dir, WORK,
                                          warm=False, extra=THUMBOR_DETECTORS)
            started.append(thumbor.start())
        signet.wait_ready()
        result = {"signet": measure([signet.base_url], names, "signet", workers)}
        if not skip_thumbor:
            started[-1].wait_ready(thumbor_ports)
            bases = [f"http://127.0.0.1:{p}" for p in thumbor_ports]
            result["thumbor"] = measure(bases, names, "thumbor", workers)
        return result
    finally:
        for server in reversed(started):
            server.stop()


def summary(result: dict) -> str:
    if "skipped" in result:
        return f"(k) crop=faces skipped: {result['skipped']}"
    parts = []
    for who, phases in result.items():
        first, second = phases["first"], phases["second"]
        parts.append(
            f"{who} first {first['rps']}/s (p50 {first['p50_ms']} ms), "
            f"second size {second['rps']}/s (p50 {second['p50_ms']} ms)"
            + (f" [{'; '.join(first['problems'] + second['problems'])}]"
               if first["problems"] or second["problems"] else "")
        )
    return "(k) crop=faces on 2400x1600: " + "; ".join(parts)


def dry(folder: Path = WORK / "faces-dry") -> str:
    """Signet's side in-process: both sizes of one original; the second must not detect."""
    from transforms import faces
    from transforms.dialects.imgix import parse_params
    from transforms.pipeline import render
    from transforms.query import split_query
    from transforms.spec import Limits

    name = write_originals(folder, 1)[0]
    data = (folder / name).read_bytes()
    limits = Limits()
    key_of = faces.digest(data)
    for size in (FIRST, SECOND):
        query = SIGNET_QUERY.format(w=size[0], h=size[1])
        spec = parse_params(split_query(query.encode()), limits)
        out = render(data, spec, "jpg", limits)
        assert (out.width, out.height) == size, (out.width, out.height)
    detections = len([key for key in faces.FACES if key[0] == key_of])
    assert detections == 1, f"{detections} detections for one original"
    found = faces.FACES[next(key for key in faces.FACES if key[0] == key_of)]
    assert found, "the astronaut's face was not found"
    return f"dry: both sizes rendered, one detection, {len(found)} face(s) found"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.faces", description=__doc__)
    p.add_argument("--dry", action="store_true", help="Signet's pipeline in-process only")
    p.add_argument("--workers", type=int, default=CORES)
    p.add_argument("--skip-thumbor", action="store_true")
    p.add_argument("--originals", type=int, default=ORIGINALS, help="distinct originals")
    args = p.parse_args(argv)
    if args.dry:
        print(dry())
        return
    log_dir = WORK / "logs-faces"
    log_dir.mkdir(parents=True, exist_ok=True)
    print(summary(run(args.workers, log_dir, args.skip_thumbor, args.originals)))


if __name__ == "__main__":
    main()
