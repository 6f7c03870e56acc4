"""An overlay's part of the canonical string (the result cache's key, the ETag): only the
fields it sets, by name, so a field added to Overlay later changes no existing URL's key."""

from __future__ import annotations

from transforms.dialects.imagekit import parse_imagekit
from transforms.spec import Limits, Overlay, TransformSpec

LIMITS = Limits()


def canonical(tr: str) -> str:
    return parse_imagekit(None, [("tr", tr)], LIMITS).canonical()


def test_an_overlay_is_named_by_the_fields_it_sets():
    # Pinned: this string is the ETag's; a change to it renames every watermarked answer.
    assert canonical("l-image,i-logo.png,w-100,lx-N10,ly-N10,l-end") == (
        "overlays={kind='image';path='logo.png';w=100;align=('middle','center');pad=0;"
        "x=10;y=10;x_end=True;y_end=True}")
    assert "displace" not in canonical("l-image,i-logo.png,l-end")
    assert "displace=(10,0)" in canonical("l-image,i-logo.png,lm-displace,x-10,l-end")


def test_free_text_cannot_pass_for_another_field():
    sly = canonical("l-text,i-A%27%3Bsize%3D20,l-end")  # the text "A';size=20"
    plain = canonical("l-text,i-A,fs-20,l-end")
    assert sly != plain
    assert "text=\"A';size=20\"" in sly


def test_equal_overlays_equal_strings_and_layers_by_their_stages():
    a = TransformSpec(overlays=(Overlay(kind="image", path="a.png", w=50),))
    b = TransformSpec(overlays=(Overlay(kind="image", path="a.png", w=50.0),))
    assert a.canonical() == b.canonical()
    chained = canonical("l-image,i-a.png,w-200:rt-90,l-end")
    assert "layer=" in chained and "rot=90" in chained
    assert chained != canonical("l-image,i-a.png,w-200:rt-180,l-end")
