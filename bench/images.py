"""Deterministic, photo-like source images, drawn here (no downloads).

A photo compresses the way it does because it mixes smooth areas, edges and
fine grain; a plain gradient would make JPEG decoding and encoding unrealistically
cheap. So each picture is a few octaves of seeded random colour fields, scaled up
smoothly, with some hard-edged shapes and a tile of seeded grain on top. Same seed,
same pixels, same bytes (for a given Pillow/libjpeg build).
"""

from __future__ import annotations

import io
import os
import random
import shutil
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

# name -> (description, generator arguments); the workloads refer to these names.
SOURCES = {
    "photo.jpg": "2400x1600 JPEG q90",
    "large.jpg": "6000x4000 JPEG q90",
    "alpha.png": "1200x800 PNG with alpha",
    "logo.png": "200x60 PNG logo with alpha",
    "frame.png": "a 9-patch for thumbor's frame(): a 5 px black border, for workload (g)",
    "anim.gif": "animated GIF, 20 frames of 500x500 (a pan across a photo), for workload (m)",
}
VERSION = "2"  # bump when the drawing changes, so cached files are redrawn
VARIANTS = 2048  # distinct names per source, so no two concurrent requests are the same


def _octave(rnd: random.Random, size: tuple[int, int], cells: tuple[int, int]) -> Image.Image:
    small = Image.frombytes("RGB", cells, rnd.randbytes(cells[0] * cells[1] * 3))
    return small.resize(size, Image.Resampling.BICUBIC)


def photo(width: int, height: int, seed: int) -> Image.Image:
    rnd = random.Random(seed)
    size = (width, height)
    # Large soft areas, then finer detail blended in at decreasing weight.
    img = _octave(rnd, size, (6, 4))
    for cells, weight in (((24, 16), 0.35), ((96, 64), 0.2), ((384, 256), 0.12)):
        img = Image.blend(img, _octave(rnd, size, cells), weight)
    draw = ImageDraw.Draw(img)
    unit = max(width, height) / 100
    for _ in range(40):
        x, y = rnd.uniform(0, width), rnd.uniform(0, height)
        r = rnd.uniform(2, 12) * unit
        colour = tuple(rnd.randrange(256) for _ in range(3))
        if rnd.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.line((x, y, x + rnd.uniform(-4, 4) * r, y + rnd.uniform(-4, 4) * r),
                      fill=colour, width=max(1, int(unit / 2)))
    # Sensor-like grain: a seeded tile, repeated, added around mid-grey.
    tile = Image.frombytes("L", (509, 509), rnd.randbytes(509 * 509))
    tile = tile.point(lambda v: 128 + (v - 128) // 10)
    grain = Image.new("L", size)
    for ty in range(0, height, 509):
        for tx in range(0, width, 509):
            grain.paste(tile, (tx, ty))
    grain_rgb = Image.merge("RGB", (grain, grain, grain))
    return ImageChops.add(img, grain_rgb, scale=1.0, offset=-128)


def _with_alpha(img: Image.Image, seed: int) -> Image.Image:
    rnd = random.Random(seed)
    w, h = img.size
    mask = Image.radial_gradient("L").resize((w, h)).point(lambda v: 255 - v)
    draw = ImageDraw.Draw(mask)
    for _ in range(6):
        x, y, r = rnd.uniform(0, w), rnd.uniform(0, h), rnd.uniform(0.03, 0.1) * w
        draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    out = img.convert("RGBA")
    out.putalpha(mask)
    return out


def logo(width: int = 200, height: int = 60) -> Image.Image:
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=height // 4,
                           fill=(20, 20, 20, 150), outline=(255, 255, 255, 230), width=3)
    try:
        font = ImageFont.load_default(size=height * 0.55)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        font = ImageFont.load_default()
    draw.text((width / 2, height / 2), "SIGNET", fill=(255, 255, 255, 240), font=font,
              anchor="mm")
    return img


def nine_patch_frame(border: int = 5) -> Image.Image:
    """An Android 9-patch thumbor's frame() stretches around a picture: a `border`-wide
    black ring, its one-pixel centre stretched (top and left guides) and holding the
    picture (bottom and right guides), so the picture gains `border` on every side."""
    inner = 2 * border + 1
    img = Image.new("RGBA", (inner + 2, inner + 2), (0, 0, 0, 0))
    img.paste((0, 0, 0, 255), (1, 1, inner + 1, inner + 1))
    centre = border + 1
    img.putpixel((centre, centre), (0, 0, 0, 0))
    for guide in ((centre, 0), (0, centre), (centre, inner + 1), (inner + 1, centre)):
        img.putpixel(guide, (0, 0, 0, 255))
    return img


def animated_gif(frames: int = 20, side: int = 500) -> bytes:
    """A pan across a photo: `frames` windows of `side` x `side`, 80 ms each, as one GIF
    (a palette per frame)."""
    wide = photo(side + 10 * frames, side, seed=4)
    shots = [
        wide.crop((10 * i, 0, 10 * i + side, side)).quantize(256, method=Image.Quantize.FASTOCTREE)
        for i in range(frames)
    ]
    buf = io.BytesIO()
    shots[0].save(buf, "GIF", save_all=True, append_images=shots[1:], duration=80, loop=0)
    return buf.getvalue()


def write_sources(folder: Path) -> dict[str, Path]:
    """Draw every source into `folder` (skipped when this version is already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / f".version-{VERSION}"
    paths = {name: folder / name for name in SOURCES}
    if stamp.exists() and all(p.exists() for p in paths.values()):
        return paths
    photo(2400, 1600, seed=1).save(paths["photo.jpg"], "JPEG", quality=90)
    photo(6000, 4000, seed=2).save(paths["large.jpg"], "JPEG", quality=90)
    _with_alpha(photo(1200, 800, seed=3), seed=3).save(paths["alpha.png"], "PNG")
    logo().save(paths["logo.png"], "PNG")
    nine_patch_frame().save(paths["frame.png"], "PNG")
    paths["anim.gif"].write_bytes(animated_gif())
    stamp.touch()
    return paths


def variants(folder: Path, name: str, count: int = VARIANTS) -> list[str]:
    """`count` names for the same file (hard links under v/), relative to `folder`.

    A cold run must ask for different images: a server that coalesces identical
    concurrent requests (Signet does) would otherwise render once for many answers.
    Hard links keep one copy of the bytes in the page cache.
    """
    out_dir = folder / "v"
    out_dir.mkdir(exist_ok=True)
    stem, dot, ext = name.rpartition(".")
    names = []
    for i in range(count):
        rel = f"v/{stem}-{i:04d}.{ext}"
        target = folder / rel
        if not target.exists():
            try:
                os.link(folder / name, target)
            except OSError:
                shutil.copyfile(folder / name, target)
        names.append(rel)
    return names
