"""Random mixes of the effect parameters on small images: a 400, or an image; never a crash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests import imagegen
from transforms.dialects.imgix import parse_params
from transforms.errors import ParamError
from transforms.pipeline import render
from transforms.spec import Limits

LIMITS = Limits(max_output_pixels=200_000)
NUMBERS = ["0", "1", "-1", "5", "50", "-50", "100", "-100", "255", "0.5", "2.5", "1000", "x", ""]
COLOURS = ["f00", "80ff0000", "000", "fff", "0fff", "zz", "f00,00f", "000080,fa8072"]
VALUES: dict[str, list[str]] = {
    **{k: NUMBERS for k in ("bri", "con", "exp", "gam", "high", "shad", "hue", "sat", "vib",
                            "usm", "usmrad", "nr", "nrs", "sharp", "sepia", "duotone-alpha",
                            "htn", "px", "border-top", "border-left", "border-stroke-size",
                            "pad", "pad-bottom", "pad-right", "trim-md", "trim-sd", "trim-tol",
                            "trim-pad", "trim-alpha", "grid-size", "fill-gradient-radial-x")},
    "invert": ["true", "false", "1", "yes"],
    "monochrome": COLOURS, "duotone": COLOURS, "mask-bg": COLOURS, "fill-color": COLOURS,
    "fill-gradient-linear": COLOURS, "fill-gradient-radial": COLOURS, "grid-colors": COLOURS,
    "border": ["5,f00", "0,000", "100,80ff0000", "5", "x,f00"],
    "border-radius": ["0", "10", "1000", "1,2,3,4", "1,2"],
    "border-radius-inner": ["0", "10", "1000", "0,50,0,50"],
    "corner-radius": ["0", "10", "9999", "5,0,5,0"],
    "fill": ["solid", "blur", "gradient", "gen"],
    "fill-gradient-type": ["linear", "radial", "conic"],
    "fill-gradient-linear-direction": ["top,bottom", "left", "top,left", "up"],
    "fill-gradient-radial-radius": ["0.25,0.5", "0.5,0.25", "0,0", "2", "9000"],
    "fill-gradient-cs": ["srgb", "linear", "oklab", "hsl", "lch", "cmyk"],
    "mask": ["ellipse", "corners", "/nothing.png"],
    "trim": ["auto", "color", "alpha", "colorunlessalpha"],
    "trim-color": COLOURS,
    "transparency": ["grid", "none"],
    "w": ["1", "7", "40", "300", "0.5"], "h": ["1", "9", "40", "300"],
    "fit": ["clip", "crop", "fill", "max", "scale", "min"],
    "auto": ["enhance", "true", "format,enhance"], "dpr": ["1", "2", "5"], "rot": ["0", "45", "90"],
    "bg": COLOURS,
    "blend": COLOURS + ["/nothing.png"], "blend-color": COLOURS,
    "blend-mode": ["normal", "overlay", "burn", "dodge", "hue", "luminosity", "softlight", "mix"],
    "blend-alpha": NUMBERS, "blend-w": NUMBERS, "blend-h": NUMBERS, "blend-x": NUMBERS,
    "blend-fit": ["clamp", "clip", "crop", "max", "scale"], "blend-size": ["inherit"],
}
IMAGES = {
    "rgb": imagegen.jpeg(60, 40),
    "alpha": imagegen.png_alpha(40, 30),
    "grey": imagegen.encode(Image.new("L", (30, 50), 90), "PNG"),
    "tiny": imagegen.encode(Image.new("RGB", (1, 1), (9, 9, 9)), "PNG"),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pairs=st.dictionaries(st.sampled_from(sorted(VALUES)), st.none(), min_size=1, max_size=6)
    .flatmap(lambda keys: st.tuples(*(st.tuples(st.just(k), st.sampled_from(VALUES[k]))
                                      for k in keys))),
    image=st.sampled_from(sorted(IMAGES)),
    fmt=st.sampled_from(["png", "jpg", "webp"]),
)
def test_effects_never_crash(pairs, image: str, fmt: str) -> None:
    try:
        spec = parse_params(list(pairs), LIMITS)
        out = render(IMAGES[image], spec, fmt, LIMITS, marks={})
    except ParamError:
        return
    assert out.width >= 1 and out.height >= 1


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_every_effect_at_once(image: str) -> None:
    query = (
        "w=40&h=40&fit=fill&fill=gradient&fill-gradient-linear=f00,00f&bri=10&con=-10&exp=5"
        "&gam=10&shad=20&high=-20&hue=30&sat=10&vib=10&invert=true&usm=20&nr=10&sharp=5"
        "&monochrome=40ff0000&sepia=10&duotone=000,fff&htn=10&px=2&mask=corners&border=2,000"
        "&border-radius=5&pad=2&trim=auto&transparency=grid"
    )
    spec = parse_params([tuple(p.split("=", 1)) for p in query.split("&")], LIMITS)  # type: ignore[misc]
    out = render(IMAGES[image], spec, "png", LIMITS)
    assert (out.width, out.height) == (40, 40)
