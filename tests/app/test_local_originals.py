"""Runtime.fetch_seen: a folder file's bytes, read for a render or as a mark, are reused
(Runtime.local_originals) while the validator the request was named by stands, so a photo
asked for in several sizes is read once and each render is of the bytes its ETag names;
a file is kept from its second read (a file read once each time keeps no memory), not at
LOCAL_KEPT_BYTES or more, and at most LOCAL_ORIGINALS_BYTES of them (issue 16)."""

from __future__ import annotations

import io
import time

import anyio
import httpx
from PIL import Image

from app.runtime import LOCAL_KEPT_BYTES, LOCAL_ORIGINALS_BYTES, Runtime
from app.settings import load_settings
from tests import imagegen


def _runtime(root, seconds: float, **limits) -> Runtime:
    return Runtime.build(load_settings(
        None,
        sources=[{"name": "m", "type": "folder", "root": str(root), "stat_cache_seconds": seconds}],
        limits=limits,
    ))


def test_a_mark_is_read_once_while_its_look_stands(tmp_path):
    first, second = imagegen.png_alpha(40, 20), imagegen.png_alpha(41, 20)
    (tmp_path / "logo.png").write_bytes(first)
    runtime = _runtime(tmp_path, 60)
    src = runtime.sources["m"]

    async def main() -> None:
        await runtime.fetch_mark(src, "logo.png")  # the first read is noted
        one = await runtime.fetch_mark(src, "logo.png")  # the second is kept
        (tmp_path / "logo.png").write_bytes(second)  # by hand: seen within the look's time
        again = await runtime.fetch_mark(src, "logo.png")
        assert again is one and again.data == first  # not read: the kept bytes
        src.source.forget("logo.png")  # the look is gone (its time passed, or the library)
        changed = await runtime.fetch_mark(src, "logo.png")
        assert changed.data == second and changed.validator != one.validator
        await runtime.close()

    anyio.run(main)


def test_without_a_kept_look_a_mark_is_read_each_time(tmp_path):
    (tmp_path / "logo.png").write_bytes(imagegen.png_alpha(40, 20))
    runtime = _runtime(tmp_path, 0)
    src = runtime.sources["m"]

    async def main() -> None:
        one = await runtime.fetch_mark(src, "logo.png")
        (tmp_path / "logo.png").write_bytes(imagegen.png_alpha(42, 20))
        again = await runtime.fetch_mark(src, "logo.png")
        assert again.validator != one.validator
        await runtime.close()

    anyio.run(main)


def test_an_original_is_reused_only_under_its_own_validator(tmp_path):
    (tmp_path / "a.jpg").write_bytes(imagegen.jpeg(120, 80))
    runtime = _runtime(tmp_path, 0)  # no kept look: the validator alone decides
    src = runtime.sources["m"]

    async def main() -> None:
        once = await runtime.fetch_seen(src, "a.jpg", None)  # nothing to match: read, noted
        one = await runtime.fetch_seen(src, "a.jpg", once.validator)  # read again: kept
        assert one is not once and one.data == once.data
        assert await runtime.fetch_seen(src, "a.jpg", one.validator) is one
        assert await runtime.fetch_seen(src, "a.jpg", "b2-another") is not one
        await runtime.close()

    anyio.run(main)


def test_a_large_file_and_a_turned_off_cache_keep_nothing(tmp_path):
    big = b"\xff\xd8\xff" + bytes(LOCAL_KEPT_BYTES)  # only read here, never decoded
    (tmp_path / "big.jpg").write_bytes(big)
    (tmp_path / "a.jpg").write_bytes(imagegen.jpeg(120, 80))
    runtime = _runtime(tmp_path, 60)
    off = _runtime(tmp_path, 60, originals_cache_bytes=0)

    async def main() -> None:
        src = runtime.sources["m"]
        for _ in range(3):
            got = await runtime.fetch_seen(src, "big.jpg", None)
            again = await runtime.fetch_seen(src, "big.jpg", got.validator)
            assert again is not got and again.data == big
        assert runtime.local_originals.size == 0
        src = off.sources["m"]
        for _ in range(3):
            small = await off.fetch_seen(src, "a.jpg", None)
            assert await off.fetch_seen(src, "a.jpg", small.validator) is not small
        await runtime.close()
        await off.close()

    anyio.run(main)


def test_a_file_read_once_is_not_kept_and_the_kept_ones_are_bounded(tmp_path):
    size = 2 << 20
    count = LOCAL_ORIGINALS_BYTES // size + 4
    for i in range(count):
        (tmp_path / f"f{i}.jpg").write_bytes(b"\xff\xd8\xff" + bytes([i]) * size)
    runtime = _runtime(tmp_path, 60)
    src = runtime.sources["m"]

    async def main() -> None:
        for i in range(count):  # each read once: noted, nothing kept
            await runtime.fetch_seen(src, f"f{i}.jpg", None)
        assert runtime.local_originals.size == 0
        for i in range(count):  # each read again: kept, within the bound
            await runtime.fetch_seen(src, f"f{i}.jpg", None)
        assert 0 < runtime.local_originals.size <= LOCAL_ORIGINALS_BYTES
        assert runtime.originals.size == 0  # the remote originals' budget is not used
        await runtime.close()

    anyio.run(main)


def test_a_file_read_again_only_after_a_while_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr("app.runtime.LOCAL_REREAD_SECONDS", 0.1)
    (tmp_path / "a.jpg").write_bytes(imagegen.jpeg(120, 80))
    runtime = _runtime(tmp_path, 60)
    src = runtime.sources["m"]

    async def main() -> None:
        for _ in range(3):  # as the bench's cold runs read each of 2048 names
            await runtime.fetch_seen(src, "a.jpg", None)
            await anyio.sleep(0.2)
        assert runtime.local_originals.size == 0
        await runtime.fetch_seen(src, "a.jpg", None)  # then twice within the time: kept
        await runtime.fetch_seen(src, "a.jpg", None)
        assert runtime.local_originals.size > 0
        await runtime.close()

    anyio.run(main)


def test_a_new_file_read_to_name_it_is_not_read_again_for_its_render(tmp_path):
    (tmp_path / "a.jpg").write_bytes(imagegen.jpeg(120, 80))
    runtime = _runtime(tmp_path, 60)
    src = runtime.sources["m"]

    async def main() -> None:
        original = await runtime.fetch(src, "a.jpg")  # as look_up reads a new file
        assert runtime.keep(src, "a.jpg", original) is None  # the request holds nothing
        assert await runtime.fetch_seen(src, "a.jpg", original.validator) is original
        await runtime.close()

    anyio.run(main)


def _colour(body: bytes) -> tuple[int, int, int]:
    img = Image.open(io.BytesIO(body)).convert("RGB")
    return img.getpixel((img.width // 2, img.height // 2))


def test_each_size_is_rendered_from_the_bytes_its_etag_names(tmp_path, signet_with):
    red = imagegen.encode(imagegen.solid(200, 100, (220, 20, 20)), "PNG")
    blue = imagegen.encode(imagegen.solid(200, 100, (20, 20, 220)), "PNG")
    (tmp_path / "p.png").write_bytes(red)
    with signet_with(
        sources=[{"name": "m", "type": "folder", "root": str(tmp_path), "stat_cache_seconds": 1}],
    ) as served:
        first = httpx.get(f"{served.base}/m/p.png?w=100&fm=png")
        (tmp_path / "p.png").write_bytes(blue)  # by hand, within the look's time
        second = httpx.get(f"{served.base}/m/p.png?w=50&fm=png")
        again = httpx.get(f"{served.base}/m/p.png?w=100&fm=png")
        time.sleep(1.2)  # past stat_cache_seconds: the next look names the blue
        later = httpx.get(f"{served.base}/m/p.png?w=50&fm=png")
    assert {r.status_code for r in (first, second, again, later)} == {200}
    assert _colour(first.content)[0] > 200
    # Within the look's time the validator is still the red's (the first URL's ETag is
    # unchanged), and so are the pixels of the other size: the kept red bytes, not the
    # blue now on disk under the red's name.
    assert again.headers["etag"] == first.headers["etag"]
    assert _colour(second.content)[0] > 200 and _colour(second.content)[2] < 60
    assert _colour(later.content)[2] > 200
    assert later.headers["etag"] != second.headers["etag"]
