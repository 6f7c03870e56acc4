"""Random paths and query strings through the real server (hypothesis).

Properties: nothing answers 500, and no image (2xx) or 304 leaves a secure source
without a valid signature. Then damaged originals of every decodable format (byte flips
and cuts of real files), and upstreams answering whatever hypothesis makes of statuses,
headers (encodings, dates, lengths), bodies and redirects: never a 500 either (502 and 504
are the source's fault, and say so). Requests go out byte for byte over a plain socket, so the
server sees exactly what hypothesis made, invalid UTF-8 and broken escapes included.
"""

from __future__ import annotations

import gzip
import itertools
import socket
import string
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.signing import sign_url
from tests import imagegen
from tests.upstream import Canned

KEY = "fuzz-media-key"
TOKEN = "fuzz-imgix-token"
SAFE = string.ascii_letters + string.digits + "-._~!$'()*+,;=:@/"
PARAMS = ["w", "h", "dpr", "fit", "crop", "fm", "q", "auto", "rect", "rot", "flip", "bg",
          "blur", "sharp", "orient", "fp-x", "fp-y", "mark", "mark-w", "txt", "txt-size",
          "expires", "s", "ixlib", "tr", "ik-s", "ik-t", "preset"]
TRICKY = ["%", "%2", "%zz", "%ff", "%00", "%2f", "%5c", "%2e%2e", "..", ".", "%C3%A9", "%e2%82",
          "//", "#", "&", "=", "+", "%20", "\\", "tr:w-10", "é", "\x7f"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> str:
    root: Path = tmp_path_factory.mktemp("fuzz")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(64, 48))
    (root / "alpha.png").write_bytes(imagegen.png_alpha(40, 30))
    (root / "sub").mkdir()
    (root / "sub" / "photo.jpg").write_bytes(imagegen.jpeg(48, 64))
    with signet_with(
        env={"SIGNET_TEST_FUZZ_KEY": KEY, "SIGNET_TEST_FUZZ_TOKEN": TOKEN},
        # small outputs keep signed examples cheap to render
        limits={"max_output_pixels": 250_000, "transform_workers": 2},
        default_source="media",
        sources=[
            {"name": "media", "type": "folder", "root": str(root), "secure": True,
             "keys": ["env:SIGNET_TEST_FUZZ_KEY"]},
            {"name": "ix", "type": "folder", "root": str(root), "secure": True,
             "scheme": "imgix", "domains": ["ix.test"], "keys": ["env:SIGNET_TEST_FUZZ_TOKEN"]},
        ],
    ) as served:
        yield served.base


def send(base: str, target: bytes, host: bytes = b"127.0.0.1") -> tuple[int, bytes]:
    """One GET with `target` sent as is; the status and the raw answer."""
    addr, port = base.removeprefix("http://").split(":")
    with socket.create_connection((addr, int(port)), timeout=20) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + host
                     + b"\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0]
    return int(status_line.split(b" ")[1]), answer


text = st.text(alphabet=SAFE, max_size=12)
raw_bytes = st.binary(min_size=1, max_size=3).map(
    lambda b: bytes(c for c in b if c not in b" \r\n") or b"x"
)
chunk = st.one_of(text, st.sampled_from(TRICKY), raw_bytes.map(lambda b: b.decode("latin-1")))
paths = st.one_of(
    st.sampled_from(["/photo.jpg", "/media/photo.jpg", "/sub/photo.jpg", "/alpha.png", "/"]),
    st.lists(chunk, max_size=6).map(lambda parts: "/" + "".join(parts)),
    st.tuples(st.sampled_from(["/media/", "/ix/", "/tr:w-10/", "/media/tr:w-10/"]),
              st.lists(chunk, max_size=4).map("".join)).map("".join),
)
values = st.one_of(
    st.integers(-10, 100_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.lists(chunk, max_size=3).map("".join),
    st.sampled_from(["0.5", "1e9", "nan", "inf", "-0", "w-100,h-100", "top,left", "crop",
                     "webp", "format,compress", "0,0,10,10", "FFF", "9999999999"]),
)
pairs = st.tuples(st.one_of(st.sampled_from(PARAMS), text), values, st.booleans()).map(
    lambda t: t[0] + ("=" + t[1] if t[2] else "")
)
queries = st.lists(pairs, max_size=8).map("&".join)
plausible = st.lists(
    st.one_of(
        st.integers(1, 600).map(lambda v: f"w={v}"),
        st.integers(1, 600).map(lambda v: f"h={v}"),
        st.sampled_from(["1", "1.5", "2", "3"]).map(lambda v: f"dpr={v}"),
        st.sampled_from(["clip", "max", "crop", "fill", "scale", "min"]).map(lambda v: f"fit={v}"),
        st.sampled_from(["jpg", "pjpg", "png", "webp", "gif"]).map(lambda v: f"fm={v}"),
        st.integers(0, 100).map(lambda v: f"q={v}"),
        st.integers(0, 359).map(lambda v: f"rot={v}"),
        st.sampled_from(["h", "v", "hv"]).map(lambda v: f"flip={v}"),
        st.integers(0, 40).map(lambda v: f"blur={v}"),
        st.sampled_from(["top,left", "bottom", "entropy", "focalpoint"]).map(lambda v: f"crop={v}"),
        st.sampled_from(["format", "compress", "format,compress"]).map(lambda v: f"auto={v}"),
        st.sampled_from(["FFF", "80FF0000", "00ff00"]).map(lambda v: f"bg={v}"),
    ),
    max_size=5,
    unique_by=lambda p: p.split("=")[0],
).map("&".join)
hosts = st.sampled_from([b"127.0.0.1", b"ix.test", b"IX.TEST:80", b"", b"x" * 300, b"\xff.test"])


def target_of(path: str, query: str) -> bytes:
    raw = path.encode("latin-1", "replace") if path.isascii() else path.encode("utf-8")
    return raw + (b"?" + query.encode("utf-8") if query else b"")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=paths, query=queries, host=hosts)
def test_unsigned_urls_never_get_an_image_or_a_500(server, path, query, host):
    status, answer = send(server, target_of(path, query), host)
    event(f"status {status}")  # --hypothesis-show-statistics shows what the examples reached
    assert status < 500, answer[:300]
    assert not (200 <= status < 300 or status == 304), answer[:300]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(["/photo.jpg", "/sub/photo.jpg", "/alpha.png", "/missing.jpg"]),
    query=st.one_of(plausible, queries),
    imgix=st.booleans(),
)
def test_signed_urls_never_get_a_500(server, path, query, imgix):
    url = path + ("?" + query if query else "")
    if not url.isascii() or any(c in url for c in " #\x7f"):
        url = path  # the signer takes a URL as it will be sent
    if imgix:
        signed, host = sign_url(url, TOKEN, scheme="imgix"), b"ix.test"
    else:
        signed, host = sign_url("/media" + url, KEY), b"127.0.0.1"
    status, answer = send(server, signed.encode(), host)
    event(f"status {status}")
    assert status < 500, answer[:300]
    if status == 200:
        assert b"\r\ncontent-type: image/" in answer.lower()


def size_group_queries() -> st.SearchStrategy[str]:
    """Queries drawn from the size, crop and rotation group and imgix's aliases, with
    valid values and edge ones (the parser refuses what is out of range with a 400)."""
    number = st.one_of(
        st.integers(0, 9000).map(str),
        st.floats(0, 400, allow_nan=False).map(lambda v: f"{v:.3f}"),
        st.sampled_from(["0", "0.0001", "1", "8192", "8193", "100.5", "-1", "1e3", "nan"]),
    )
    ratio = st.tuples(number, number).map(":".join) | st.sampled_from(["16:9", "1:0", ":", "x"])
    rect_part = number | st.sampled_from(["left", "center", "right", "top", "middle", "bottom",
                                          "full", ""])
    rect = st.lists(rect_part, min_size=3, max_size=5).map(",".join)
    pair = st.one_of(
        st.tuples(st.sampled_from(["w", "h", "width", "height", "min-w", "max-w", "min-h",
                                   "max-h", "min-width", "max-height", "dpr", "fp-x", "fp-y",
                                   "fp-z", "rot"]), number),
        st.tuples(st.just("ar"), ratio),
        st.tuples(st.sampled_from(["rect"]), rect),
        st.tuples(st.sampled_from(["fit", "f"]), st.sampled_from(
            ["clip", "crop", "fill", "fillmax", "clamp", "max", "min", "scale", "facearea"])),
        st.tuples(st.just("crop"),
                  st.sampled_from(["focalpoint", "entropy", "faces,top", "edges"])),
        st.tuples(st.sampled_from(["rot-type", "rott"]), st.sampled_from(["pivot", "straighten",
                                                                         "x"])),
        st.tuples(st.sampled_from(["orient", "or"]), st.sampled_from(["0", "1", "6", "90", "9"])),
        st.tuples(st.just("fp-debug"), st.sampled_from(["true", "false", "1", "yes"])),
        st.tuples(st.just("bg"), st.sampled_from(["80ff0000", "red", "imgixorange", "fff"])),
        st.tuples(st.sampled_from(["v", "cachebust", "bg-remove", "fm", "lp-blur"]),
                  st.sampled_from(["2", "true", "mp4", "50"])),
    )
    return st.lists(pair, max_size=7, unique_by=lambda p: p[0]).map(
        lambda ps: "&".join(f"{k}={v}" for k, v in ps)
    )


# --- damaged originals and hostile upstreams -------------------------------------------

PICTURE = imagegen.photo(48, 32)
REAL_FILES = {
    "jpg": imagegen.encode(PICTURE, "JPEG"),
    "png": imagegen.encode(PICTURE.convert("RGBA"), "PNG"),
    "apng": imagegen.encode(PICTURE, "PNG", save_all=True, append_images=[PICTURE.rotate(90)]),
    "gif": imagegen.animated_gif(48, 32, 3),
    "webp": imagegen.encode(PICTURE, "WEBP", save_all=True, append_images=[PICTURE.rotate(90)]),
    "avif": imagegen.encode(PICTURE, "AVIF"),
    "tiff": imagegen.encode(PICTURE, "TIFF", save_all=True, append_images=[PICTURE.rotate(90)]),
    "bmp": imagegen.encode(PICTURE, "BMP"),
}
EXTENSION = {"apng": "png"}
_counter = itertools.count()


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory, upstream, signet_with):
    root: Path = tmp_path_factory.mktemp("fuzz-damaged")
    with signet_with(
        env={"SIGNET_TEST_FUZZ_KEY": KEY},
        limits={"max_output_pixels": 250_000, "transform_workers": 2,
                "max_source_bytes": 1_000_000, "source_timeout": 2},
        sources=[
            {"name": "d", "type": "folder", "root": str(root)},
            {"name": "w", "type": "web_folder", "base_url": upstream.base + "/"},
            {"name": "p", "type": "web_proxy", "keys": ["env:SIGNET_TEST_FUZZ_KEY"],
             "allowed_networks": ["127.0.0.0/8"]},
        ],
    ) as served:
        yield served.base, root, upstream


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(["/photo.jpg", "/alpha.png", "/sub/photo.jpg"]),
    query=size_group_queries(),
    fit_crop=st.booleans(),
)
def test_signed_size_group_urls_never_get_a_500(server, path, query, fit_crop):
    if fit_crop and "fit=" not in query and "f=" not in query:
        query = "fit=crop&" + query if query else "fit=crop"
    url = path + ("?" + query if query else "")
    signed = sign_url(url, TOKEN, scheme="imgix")
    status, answer = send(server, signed.encode(), b"ix.test")
    event(f"status {status}")
    assert status < 500, answer[:300]
    if status == 200:
        assert b"\r\ncontent-type: image/" in answer.lower()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from(sorted(REAL_FILES)),
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                   min_size=1, max_size=8),
    cut=st.one_of(st.none(), st.floats(0.05, 1)),
    query=plausible,
)
def test_damaged_files_of_every_format_never_get_a_500(hostile_server, fmt, flips, cut, query):
    base, root, _ = hostile_server
    data = bytearray(REAL_FILES[fmt])
    for where, value in flips:
        data[int(where * len(data))] = value
    if cut is not None:
        data = data[: max(1, int(cut * len(data)))]
    name = f"dmg{next(_counter)}.{EXTENSION.get(fmt, fmt)}"
    (root / name).write_bytes(bytes(data))
    status, answer = send(base, f"/d/{name}?{query}".encode())
    event(f"{fmt} {status}")
    assert status < 500, answer[:300]


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _deflate(data: bytes) -> bytes:
    return zlib.compress(data)


BODIES = {
    "jpeg": REAL_FILES["jpg"],
    "png": REAL_FILES["png"],
    "gzip-jpeg": _gzip(REAL_FILES["jpg"]),
    "deflate-png": _deflate(REAL_FILES["png"]),
    "gzip-gzip-jpeg": _gzip(_gzip(REAL_FILES["jpg"])),
    "bomb": _gzip(_gzip(bytes(8 << 20))),
    "garbage": bytes(range(256)) * 4,
    "empty": b"",
    "half-jpeg": REAL_FILES["jpg"][: len(REAL_FILES["jpg"]) // 2],
}
header_text = st.text(alphabet=string.ascii_letters + string.digits + " ,;:=-_/\"'.", max_size=40)
upstream_headers = st.lists(
    st.one_of(
        st.tuples(st.just("Content-Encoding"),
                  st.sampled_from(["gzip", "deflate", "gzip, gzip", "x-gzip", "identity", "br",
                                   "gzip, deflate, gzip", "zstd", ""]) | header_text),
        st.tuples(st.just("Content-Type"),
                  st.sampled_from(["image/jpeg", "image/png", "text/html", "", "image/*;x=1"])),
        st.tuples(st.just("Last-Modified"),
                  st.sampled_from(["Wed, 01 Jan 2025 00:00:00 GMT", "yesterday", "",
                                   "Sat, 01 Jan 10000 00:00:00 GMT",
                                   "Mon, 01 Jan 99999999999 00:00:00 GMT",
                                   "Fri, 31 Dec 9999 23:59:59 -2359"]) | header_text),
        st.tuples(st.just("ETag"), header_text),
        st.tuples(st.just("Content-Length"), st.sampled_from(["0", "1", "99999999999", "-1", "x"])),
        st.tuples(st.just("Transfer-Encoding"), st.sampled_from(["chunked", "gzip", "identity"])),
    ),
    max_size=5,
)
locations = st.sampled_from(
    ["/image.jpg", "image.jpg", "http://xn--/x.jpg", "http://xn--zz.example/", "//", "",
     "http://[::1/", "http://127.0.0.1:1/", "/loop", "https://example.invalid/a",
     "/%zz", "javascript:alert(1)", "/" + "a" * 3000]
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=st.sampled_from([200, 200, 200, 203, 206, 301, 302, 303, 304, 307, 404, 410, 500]),
    headers=upstream_headers,
    location=locations,
    body=st.sampled_from(sorted(BODIES)),
    length=st.booleans(),
    via_proxy=st.booleans(),
    query=plausible,
)
def test_upstream_behaviour_never_gets_a_500(
    hostile_server, status, headers, location, body, length, via_proxy, query
):
    base, _, upstream = hostile_server
    path = f"/up{next(_counter)}.jpg"
    if 300 <= status < 400:
        headers = [*headers, ("Location", location)]
    upstream.canned[path] = Canned(status, tuple(headers), BODIES[body], length=length)
    if via_proxy:
        target = sign_url(f"/p/{upstream.base}{path}" + (f"?{query}" if query else ""), KEY)
    else:
        target = f"/w{path}" + (f"?{query}" if query else "")
    answer_status, answer = send(base, target.encode())
    event(f"upstream {status} -> {answer_status}")
    assert answer_status < 500 or answer_status in (502, 504), answer[:300]
    if answer_status >= 500:
        assert b"internal error" not in answer
