"""Image watermarks: sizing a mark against the base image, and a cache of decoded, resized marks.

The app fetches each mark's original (through the sources and their cache) and hands
render() its bytes with a validator. Decoding and resizing a logo costs more than pasting
it, and every thumbnail of a site carries the same logo at the same size, so the resized
mark is kept, keyed by (path, validator, size): a new logo has a new validator and misses.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

from cachetools import LRUCache
from PIL import Image, ImageOps

from transforms.context import MarkData
from transforms.errors import ImageError, ParamError
from transforms.placement import Position, place
from transforms.spec import Limits, Overlay
from transforms.steps.load import DECODE_ERRORS, check_decoded, open_checked

# Per worker process (`limits.mark_cache_bytes`, app.settings, sets it at start-up).
# RGBA: a 300 x 90 logo is about 100 KB, so the default holds hundreds.
MARK_CACHE_BYTES = 32 * 1024 * 1024
_SIZE_ENTRY_BYTES = 64  # what remembering a mark's natural size is counted as


class MarkCache:
    """A thread-safe LRU bounded by bytes: renders run in a pool of worker threads."""

    def __init__(self, max_bytes: int) -> None:
        self._lock = threading.Lock()
        self._entries = self._new(max_bytes)
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _new(max_bytes: int) -> LRUCache[Hashable, tuple[object, int]]:
        return LRUCache(max_bytes, getsizeof=lambda entry: entry[1])

    @property
    def max_bytes(self) -> int:
        return int(self._entries.maxsize)

    @property
    def size(self) -> int:
        """Bytes held."""
        return int(self._entries.currsize)

    def resize(self, max_bytes: int) -> None:
        """Bound the cache by `max_bytes` from now on (emptied when the bound changes)."""
        with self._lock:
            if max_bytes != self._entries.maxsize:
                self._entries = self._new(max_bytes)

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: object, cost: int) -> None:
        with self._lock:
            self._entries.pop(key, None)
            if cost > self._entries.maxsize:
                return  # one huge mark would evict every logo
            self._entries[key] = (value, cost)


MARKS = MarkCache(MARK_CACHE_BYTES)


def shown(overlay: Overlay, base: tuple[int, int]) -> bool:
    """`mark-if-min-width` / `-height`: a mark is drawn only on a base at least that large
    (in output pixels, as imgix measures the rendered image). A layer of no size
    (`mark-scale=0`, `txt-size=0`, both in imgix's ranges) is not drawn at all."""
    if overlay.scale == 0 or (overlay.kind == "text" and overlay.size == 0):
        return False
    if overlay.min_w is not None and base[0] < overlay.min_w:
        return False
    return overlay.min_h is None or base[1] >= overlay.min_h


def mark_layer(
    overlay: Overlay, mark: MarkData, base: tuple[int, int], dpr: float, limits: Limits
) -> tuple[Image.Image, Position]:
    """The mark as an RGBA layer (faded by its alpha, tiled if asked) and where it goes.

    The layer may be the cached image itself, shared by concurrent renders: read it,
    never draw on it (fading and tiling work on copies).
    """
    natural_key = (overlay.path, mark.validator, "natural")
    natural = MARKS.get(natural_key)
    decoded = None
    if natural is None:
        decoded = _decode(mark.data, limits)
        natural = decoded.size
        MARKS.put(natural_key, natural, _SIZE_ENTRY_BYTES)
    assert isinstance(natural, tuple)
    size, box = mark_geometry(overlay, natural, base, dpr)
    key = (overlay.path, mark.validator, size, box, overlay.rot)
    img = MARKS.get(key)
    if img is None:
        img = _fitted(_resized(decoded or _decode(mark.data, limits), size), box)
        if overlay.rot:
            img = img.rotate(-overlay.rot, Image.Resampling.BICUBIC, expand=True)
        MARKS.put(key, img, img.width * img.height * 4)
    assert isinstance(img, Image.Image)
    if overlay.alpha < 100:
        img = faded(img, overlay.alpha)
    if overlay.tile:
        return _tiled(img, base), (0, 0)
    return img, place(img.size, base, overlay, dpr)


def natural_size(path: str, mark: MarkData, limits: Limits) -> tuple[int, int]:
    """The mark's own size, upright (kept in the cache under the key mark_layer reads)."""
    key = (path, mark.validator, "natural")
    natural = MARKS.get(key)
    if not isinstance(natural, tuple):
        natural = _decode(mark.data, limits).size
        MARKS.put(key, natural, _SIZE_ENTRY_BYTES)
    return natural


def mark_size(
    overlay: Overlay, natural: tuple[int, int], base: tuple[int, int], dpr: float
) -> tuple[int, int]:
    """The mark's size in output pixels, its shape kept, never larger than the base.

    `w`/`h` are pixels (times dpr) or fractions of the base; with both, the mark fits
    inside them. Else `scale` is a percent of the base's width. Else the mark's own
    size counts as CSS pixels, so a dpr=2 output gets twice the pixels, same size on screen.
    """
    return mark_geometry(overlay, natural, base, dpr)[1]


def mark_geometry(
    overlay: Overlay, natural: tuple[int, int], base: tuple[int, int], dpr: float
) -> tuple[tuple[int, int], tuple[int, int]]:
    """(the resized mark's size, the layer's size), both in output pixels.

    `fit` (imgix's `mark-fit`) applies when both `w` and `h` are given: `clip` (the
    default) fits inside them, `max` too but never past the mark's own size (times dpr),
    `scale` stretches to exactly w x h, `crop` covers w x h and cuts the middle out,
    `fill` fits inside and pads to w x h with transparency. The layer is never larger
    than the base (its shape kept).
    """
    nw, nh = natural
    if overlay.w is not None and overlay.h is not None and overlay.fit in ("crop", "fill", "scale"):
        bw, bh = _pixels(overlay.w, base[0], dpr), _pixels(overlay.h, base[1], dpr)
        shrink = min(1.0, base[0] / bw, base[1] / bh)
        box = (max(1, round(bw * shrink)), max(1, round(bh * shrink)))
        if overlay.fit == "scale":
            return box, box
        pick = max if overlay.fit == "crop" else min
        scale = pick(box[0] / nw, box[1] / nh)
        return (max(1, round(nw * scale)), max(1, round(nh * scale))), box
    if overlay.w is not None or overlay.h is not None:
        scales = []
        if overlay.w is not None:
            scales.append(_pixels(overlay.w, base[0], dpr) / nw)
        if overlay.h is not None:
            scales.append(_pixels(overlay.h, base[1], dpr) / nh)
        scale = min(scales)
        if overlay.fit == "max":
            scale = min(scale, dpr)
    elif overlay.scale is not None:
        scale = base[0] * overlay.scale / 100 / nw
    else:
        scale = dpr
    scale = min(scale, base[0] / nw, base[1] / nh)
    size = (max(1, round(nw * scale)), max(1, round(nh * scale)))
    return size, size


def _fitted(img: Image.Image, box: tuple[int, int]) -> Image.Image:
    """The resized mark cut (crop) or padded (fill) to the box, centred."""
    if img.size == box:
        return img
    left, top = (img.width - box[0]) // 2, (img.height - box[1]) // 2
    if img.width >= box[0] and img.height >= box[1]:
        return img.crop((left, top, left + box[0], top + box[1]))
    layer = Image.new("RGBA", box, (0, 0, 0, 0))
    layer.paste(img, (-left, -top))
    return layer


def _pixels(value: float, base: int, dpr: float) -> float:
    return value * base if value < 1 else value * dpr


def _decode(data: bytes, limits: Limits) -> Image.Image:
    """The mark upright, as RGBA. A mark that is not an image is a bad `mark` parameter."""
    try:
        # The same checks as any original: pixels, frames, the file's structure.
        img = open_checked(data, limits)
        check_decoded(img, limits)
        img.load()
        img = ImageOps.exif_transpose(img)
        return img.convert("RGBA")
    except ImageError as err:
        raise ParamError("mark", f"the watermark: {err}") from None
    except DECODE_ERRORS:  # UnidentifiedImageError is an OSError
        raise ParamError("mark", "the watermark is not a decodable image") from None


def _resized(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    if img.size == size:
        return img
    # Premultiplied, or the colour of transparent pixels would darken the logo's edges.
    return (
        img.convert("RGBa")
        .resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        .convert("RGBA")
    )


def faded(img: Image.Image, alpha: int) -> Image.Image:
    """A copy of an RGBA image, its alpha times `alpha` percent."""
    faded = img.copy()
    faded.putalpha(img.getchannel("A").point(lambda v: v * alpha // 100))
    return faded


def _tiled(tile: Image.Image, base: tuple[int, int]) -> Image.Image:
    """The tile repeated edge to edge from the top-left corner over the whole base.

    One row of tiles, then that row repeated down: a number of pastes that grows with
    the sides, not the area, so a small mark on a large image stays cheap.
    """
    tw, th = tile.size
    row = Image.new("RGBA", (base[0], th))
    for x in range(0, base[0], tw):
        row.paste(tile, (x, 0))
    layer = Image.new("RGBA", base)
    for y in range(0, base[1], th):
        layer.paste(row, (0, y))
    return layer
