"""Looking at output pixels: where a colour is, and how much of it."""

from __future__ import annotations

from PIL import Image

GREY = (128, 128, 128)


def mask_of(img: Image.Image, colour: tuple[int, int, int], tolerance: int) -> Image.Image:
    """255 where a pixel is within `tolerance` of `colour` on every channel, else 0."""
    mask = Image.new("L", img.size, 255)
    for channel, c in zip(img.split(), colour, strict=True):
        near = channel.point(lambda v, c=c: 255 if abs(v - c) <= tolerance else 0)
        mask = Image.composite(near, Image.new("L", img.size, 0), mask)
    return mask


def box_of(img: Image.Image, colour: tuple[int, int, int], tolerance: int = 40):
    """The bounding box of the pixels near `colour`, or None."""
    return mask_of(img, colour, tolerance).getbbox()


def count_of(img: Image.Image, colour: tuple[int, int, int], box=None, tolerance: int = 40) -> int:
    mask = mask_of(img, colour, tolerance)
    return (mask.crop(box) if box else mask).histogram()[255]
