"""Frame: background, border, padding, fill, mask, trim, transparency grid.

Sizes are CSS pixels (the pipeline multiplies them by dpr, as it does marks). A side's
own value (`border_top`, `pad_left`) overrides the all-sides one when not None.
"""

from __future__ import annotations

from dataclasses import dataclass

RGBA = tuple[int, int, int, int]
Corners = tuple[int, int, int, int]  # top-left, top-right, bottom-right, bottom-left


@dataclass(frozen=True)
class Frame:
    """Background, border, padding, fill, mask and trim."""

    bg: RGBA | None = None
    # Border: `border=size,colour`; sides override the size.
    border: tuple[int, RGBA] | None = None
    border_top: int | None = None
    border_bottom: int | None = None
    border_left: int | None = None
    border_right: int | None = None
    border_radius: Corners | None = None  # the outer corners
    border_radius_inner: Corners | None = None  # the picture's corners inside the border
    border_stroke_size: int = 0
    border_stroke_color: RGBA = (255, 255, 255, 0)  # imgix: transparent white (0FFF)
    # Padding in `bg`, inside the border.
    pad: int = 0
    pad_top: int | None = None
    pad_bottom: int | None = None
    pad_left: int | None = None
    pad_right: int | None = None
    # Fill: what the fit=fill/fillmax canvas shows around the picture.
    fill: str | None = None  # solid | blur | gradient | dominant (ImageKit bg-dominant)
    fill_color: RGBA | None = None
    fill_gradient_type: str = "linear"  # linear | radial
    fill_gradient_linear: tuple[RGBA, RGBA] | None = None
    fill_gradient_linear_direction: tuple[str, ...] = ("top", "bottom")  # from, to
    fill_gradient_radial: tuple[RGBA, RGBA] | None = None  # centre, edge
    fill_gradient_radial_radius: tuple[float, float] = (0.25, 0.5)  # fraction < 1, else px
    fill_gradient_radial_x: float = 0.5
    fill_gradient_radial_y: float = 0.5
    fill_gradient_cs: str = "srgb"  # linear | srgb | oklab | hsl | lch
    # Mask: a shape or an image (a path as `mark` takes one).
    mask: str | None = None  # "ellipse", "corners" or an image path
    mask_bg: RGBA | None = None
    corner_radius: Corners | None = None
    # Trim, on the original before anything else.
    trim: str | None = None  # auto | color | alpha | colorunlessalpha
    trim_color: RGBA | None = None  # default: the top-left pixel's colour
    trim_md: float = 11.0
    trim_sd: float = 10.0
    trim_tol: float = 0.0
    trim_pad: int = 0  # -200..200
    trim_alpha: float = 0.0  # 0..255: pixels at most this opaque count as empty
    # Transparency shown as a checkerboard.
    transparency: str | None = None  # "grid"
    grid_colors: tuple[RGBA, RGBA] = ((208, 215, 221, 255), (255, 255, 255, 255))
    grid_size: int = 4


MASK_SHAPES = ("ellipse", "corners")


def mask_image(frame: Frame) -> str | None:
    """The path of an image mask, or None for no mask or a shape."""
    if frame.mask is None or frame.mask in MASK_SHAPES:
        return None
    return frame.mask
