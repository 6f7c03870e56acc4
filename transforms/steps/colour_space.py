"""`cs`: the output's colour space, converted from the original's ICC profile."""

from __future__ import annotations

from PIL import ImageCms

from transforms.context import Context
from transforms.errors import ImageError, ParamError
from transforms.icc import convert, profile_bytes
from transforms.modes import icc_matches

UNTAGGED = frozenset({"gif", "jp2"})


def convert_colour_space(ctx: Context) -> None:
    """Convert to `cs`'s space and set the profile the encoder writes.

    Without `cs` (imgix's `origin`) the pixels and the original's profile stay as they are.
    `srgb`, `tinysrgb` and `strip` convert to sRGB (an original without a profile already
    is sRGB, as browsers assume); `tinysrgb` labels it with the tiny profile, whose tone
    curve is close to sRGB's, and `strip` writes no profile at all. Runs after the
    resize, so it converts the output's pixels rather than the original's. A grey original
    becomes RGB, its grey profile read as sRGB's tone curve. GIF and JPEG 2000 (as Pillow
    writes it) carry no profile, so there the pixels are always converted to sRGB.
    """
    asked = target = ctx.spec.output.cs
    if ctx.fmt in UNTAGGED:
        # No profile fits in the file: the pixels must be sRGB, as the viewer will assume.
        if asked == "adobergb1998":
            raise ParamError("cs", f"{ctx.fmt} output cannot carry a colour profile")
        if asked is None and icc_matches(ctx.icc_profile, ctx.image.mode):
            target = "strip"
    if target is None:
        return
    img = ctx.image
    if img.mode in ("L", "LA"):
        img = img.convert("RGBA" if img.mode == "LA" else "RGB")
    source = ctx.icc_profile if icc_matches(ctx.icc_profile, img.mode) else None
    space = "srgb" if target in ("strip", "tinysrgb") else target
    if source is not None or space != "srgb":
        try:
            img = convert(img, source, space)
        except (ImageCms.PyCMSError, OSError, ValueError):
            if asked is None:
                return  # not asked for: a profile LittleCMS cannot read costs only its colours
            raise ImageError("the original's ICC profile cannot be used to convert it") from None
    ctx.img = img
    ctx.icc_profile = None if target == "strip" else profile_bytes(target)
