"""Runtime.fetch_mark: a folder mark's bytes are reused while the folder's recent look at
it stands (stat_cache_seconds), so a cached hit of a watermarked URL reads no logo; a
changed logo is read again once that look is gone (issue 16)."""

from __future__ import annotations

import anyio

from app.runtime import Runtime
from app.settings import load_settings
from tests import imagegen


def _runtime(root, seconds: float) -> Runtime:
    return Runtime.build(load_settings(None, sources=[
        {"name": "m", "type": "folder", "root": str(root), "stat_cache_seconds": seconds},
    ]))


def test_a_mark_is_read_once_while_its_look_stands(tmp_path):
    first, second = imagegen.png_alpha(40, 20), imagegen.png_alpha(41, 20)
    (tmp_path / "logo.png").write_bytes(first)
    runtime = _runtime(tmp_path, 60)
    src = runtime.sources["m"]

    async def main() -> None:
        one = await runtime.fetch_mark(src, "logo.png")
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
