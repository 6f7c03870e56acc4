"""Chained ImageKit steps and named transformations, parsed: stages, output options, bounds."""

from __future__ import annotations

import pytest

from tests import imagegen
from tests.imagegen import open_bytes
from transforms.dialects.imagekit import MAX_LAYERS, parse_imagekit
from transforms.dialects.presets import Presets
from transforms.errors import ParamError
from transforms.marks import MarkData
from transforms.parser import Parser
from transforms.pipeline import render
from transforms.spec import MAX_STAGES, Chain, Limits, Output, TransformSpec

LIMITS = Limits()
IGNORE = frozenset({"ik-s", "ik-t", "ixlib"})
PRESETS = {"thumb": "w=300&h=300&fit=crop&fm=png", "small": "w=100", "logo": "mark=/logo.png"}


def chain(tr: str | None, *pairs: tuple[str, str], presets: Presets | None = None) -> Chain:
    query = [("tr", tr)] if tr is not None else []
    return parse_imagekit(None, [*query, *pairs], LIMITS, IGNORE, presets or Presets())


def named(**options: bool) -> Presets:
    return Presets.from_queries(PRESETS, **options)


def refused(tr: str | None, *pairs: tuple[str, str], presets: Presets | None = None) -> str:
    with pytest.raises(ParamError) as caught:
        chain(tr, *pairs, presets=presets)
    return caught.value.param


# --- stages -------------------------------------------------------------------------------


def test_a_resize_after_a_rotation_is_a_stage_of_its_own():
    first, second = chain("w-400,h-300:rt-90:w-200").stages
    size = (first.size.w, first.size.h, first.size.fit, first.rotation.rot)
    assert size == (400, 300, "crop", 90)
    size = (second.size.w, second.size.h, second.size.fit, second.rotation.rot)
    assert size == (200, None, "crop", 0)


@pytest.mark.parametrize(
    ("tr", "stages"),
    [
        ("w-100:rt-90", 1),  # the pipeline rotates after resizing anyway
        ("w-100:l-image,i-a.png,l-end", 1),  # and draws layers last
        ("rt-90:l-image,i-a.png,l-end", 1),
        ("l-image,i-a.png,l-end:l-image,i-b.png,l-end", 1),  # drawn in order
        ("w-100:f-png", 1),  # output options are the answer's, not a stage
        ("w-100::,:", 1),  # empty steps are nothing
        ("w-1:w-2", 2),
        ("w-100:h-50", 2),  # h of the 100-wide result, not of the original
        ("rt-90:rt-90", 2),
        ("rt-90:w-10", 2),
        ("l-image,i-a.png,l-end:rt-90", 2),  # the layer turns with the picture
        ("l-image,i-a.png,l-end:h-10", 2),
        ("oi-a.png:dpr-2", 1),  # dpr alone multiplies nothing: the step does nothing
        ("f-png:w-100", 1),  # nor does a step of output options only
        ("w-100,dpr-2:l-image,i-a.png,l-end", 2),  # the later layer is not scaled by dpr
        ("bg-FF0000:rt-45", 2),  # the corners of the rotation are not the earlier bg
        ("w-10,h-10,cm-pad_resize:rt-90", 1),  # a quarter turn has no corners
        ("bl-10:w-100", 2),
        ("w-100:bl-10", 2),
        ("w-100,h-100,cm-pad_resize:bl-10", 2),  # the padding is blurred too
    ],
)
def test_steps_share_a_stage_only_when_one_pass_gives_the_same_pixels(tr, stages):
    assert len(chain(tr).stages) == stages


def test_joined_steps_make_the_spec_of_one_step():
    assert chain("w-100,h-50,fo-top:rt-90") == chain("w-100,h-50,fo-top,rt-90")
    (spec,) = chain("w-300:l-image,i-a.png,l-end:l-image,i-b.png,lfo-top,l-end").stages
    assert [o.path for o in spec.overlays] == ["a.png", "b.png"]


def test_output_options_go_to_the_last_stage_and_later_ones_win():
    first, last = chain("w-100,f-png,q-40:h-50").stages
    assert first.output == Output()
    assert (last.output.fm, last.output.q) == ("png", 40)
    assert chain("f-png:w-10:f-webp").final.output.fm == "webp"
    auto_then_png = chain("f-auto:w-10:f-png").final.output
    assert (auto_then_png.fm, auto_then_png.auto) == ("png", frozenset())
    assert chain("q-50:w-10:q-60").final.output.q == 60


def test_imgix_parameters_join_the_last_step():
    first, last = chain("w-100:bl-5", ("w", "50"), ("fm", "png")).stages
    assert (first.size.w, last.size.w, last.stylize.blur, last.output.fm) == (100, 50, 100, "png")
    # The last step, not the last stage: w=50 joins rt-90, and runs after w-100.
    first, last = chain("w-100:rt-90", ("w", "50")).stages
    assert (first.size.w, first.rotation.rot, last.size.w, last.rotation.rot) == (100, 0, 50, 90)
    # imgix's own fit is kept when it sits beside the step that sizes
    assert chain("rt-90:w-300,h-200", ("fit", "clip")).final.size.fit == "clip"


@pytest.mark.parametrize(
    ("tr", "pairs", "param"),
    [
        ("w-100,rt-90", [("w", "50")], "w"),
        ("f-png:w-10", [("fm", "webp")], "fm"),  # the chain's format, and another
        ("w-1,w-2", [], "w"),
        ("w-1,rt-90,rt-180", [], "rt"),
    ],
)
def test_a_field_set_twice_in_one_stage_names_it(tr, pairs, param):
    assert refused(tr, *pairs) == param


def test_orig_true_in_any_step_serves_the_original():
    assert chain("w-100:rt-90:orig-true") == Chain.of(TransformSpec(original=True))


def test_the_number_of_steps_and_layers_is_bounded():
    assert len(chain(":".join(f"w-{n}" for n in range(1, MAX_STAGES + 1))).stages) == MAX_STAGES
    assert refused(":".join(f"w-{n}" for n in range(1, MAX_STAGES + 2))) == "tr"
    layers = ",".join(["l-image,i-a.png,l-end"] * (MAX_LAYERS + 1))
    assert refused(layers) == "l"


# --- canonical strings: the cache key covers every stage ----------------------------------


def test_canonical_strings():
    one = chain("w-100,h-50")
    assert one.canonical() == one.final.canonical()  # ETags of one-stage URLs are unchanged
    assert chain("w-100:rt-90").canonical() == chain("w-100,rt-90").canonical()
    chains = ("w-400:w-200", "w-400:w-300", "w-200:w-400", "w-400:h-200", "w-400:w-200:rt-90")
    assert len({chain(tr).canonical() for tr in chains}) == len(chains)
    assert chain("w-400:w-200").canonical().startswith("stages=")
    with pytest.raises(ValueError):
        Chain(())


# --- named transformations -----------------------------------------------------------------


def test_a_named_transformation_is_the_preset():
    (spec,) = chain("n-thumb", presets=named()).stages
    assert spec == chain(None, ("preset", "thumb"), presets=named()).final
    assert (spec.size.w, spec.size.h, spec.size.fit, spec.output.fm) == (300, 300, "crop", "png")


def test_named_transformations_in_chains():
    presets = named()
    (joined,) = chain("n-thumb:rt-90", presets=presets).stages
    assert (joined.size.w, joined.rotation.rot, joined.output.fm) == (300, 90, "png")
    first, second = chain("n-thumb:w-100", presets=presets).stages
    assert (first.size.w, first.output, second.size.w, second.output.fm) == (
        300, Output(), 100, "png"
    )
    first, second = chain("rt-90:n-small", presets=presets).stages
    assert (first.rotation.rot, second.size.w, second.size.fit) == (90, 100, "clip")
    first, second = chain("n-small:n-thumb", presets=presets).stages
    assert (first.size.w, second.size.w) == (100, 300)
    # The parameters beside a chain that ends in one apply to it, as to ?preset=NAME.
    assert chain("n-thumb", ("w", "200"), presets=presets).final.size.w == 200
    assert chain("w-10:n-small", ("w", "50"), presets=presets).final.size.w == 50


@pytest.mark.parametrize(
    ("tr", "pairs", "param"),
    [
        ("n-nosuch", [], "n"),
        ("w-10:n-nosuch", [], "n"),
        ("n-thumb,w-10", [], "n"),
        ("w-10,n-thumb", [], "n"),
        ("n-", [], "n"),
        ("n-thumb", [("preset", "small")], "preset"),
        (None, [("preset", "nosuch")], "preset"),
    ],
)
def test_bad_named_transformations(tr, pairs, param):
    assert refused(tr, *pairs, presets=named()) == param


def test_named_transformations_on_a_source_without_presets():
    assert refused("n-thumb") == "n"


@pytest.mark.parametrize(
    ("tr", "pairs", "param"),
    [
        ("w-10", [], "w"),
        ("n-thumb:rt-90", [], "rt"),
        ("rt-90:n-thumb", [], "rt"),
        ("orig-true", [], "orig"),
        ("n-thumb", [("w", "10")], "w"),
        (None, [], "preset"),
        ("", [("v", "2")], "preset"),
    ],
)
def test_a_strict_source_takes_named_transformations_only(tr, pairs, param):
    assert refused(tr, *pairs, presets=named(strict=True)) == param


def test_a_strict_source_serves_named_transformations():
    strict = named(strict=True)
    assert chain("n-thumb", presets=strict).final.size.w == 300
    assert len(chain("n-small:n-thumb", presets=strict).stages) == 2
    assert chain("n-small", ("v", "2"), presets=strict).final.size.w == 100  # a cache-buster


@pytest.mark.parametrize(
    ("tr", "pairs", "param"),
    [
        ("n-thumb:rt-90", [], "rt"),  # after it: changes what it made
        ("w-10:n-thumb", [], "w"),  # before it: changes what it is made from
        ("n-small:n-thumb", [], "n"),
        ("n-thumb", [("w", "10")], "w"),  # a field it sets
        ("n-logo", [("mark-alpha", "0")], "mark-alpha"),  # an option of its layer
        ("w-10", [("preset", "thumb")], "w"),
    ],
)
def test_presets_that_a_url_may_not_change(tr, pairs, param):
    assert refused(tr, *pairs, presets=named(override=False)) == param


def test_what_a_fixed_preset_leaves_alone_can_still_be_set():
    spec = chain("n-thumb", ("blur", "10"), presets=named(override=False)).final
    assert (spec.size.w, spec.stylize.blur) == (300, 10)


# --- the other query parameters ------------------------------------------------------------


def test_unknown_parameters_are_ignored_and_imgix_ones_read():
    plain = chain("w-10")
    assert chain("w-10", ("v", "2"), ("updatedAt", "1700000000"), ("ik-sdk-version", "x")) == plain
    assert chain("w-10", ("ixlib", "python-4.0.0")) == plain
    assert chain("w-10", ("flip", "h")).final.rotation.flip == "h"


@pytest.mark.parametrize("key", ["s", "expires"])
def test_the_other_schemes_signature_and_expiry_are_refused(key):
    assert refused("w-10", (key, "1")) == key


def test_the_parser_reads_both_dialects():
    imgix = Parser("imgix", named(), frozenset({"s", "expires", "ixlib"}))
    spec = imgix.parse(None, [("preset", "small"), ("h", "20"), ("s", "x")], LIMITS).final
    assert (spec.size.w, spec.size.h) == (100, 20)
    imagekit = Parser("imagekit", named(), IGNORE)
    assert len(imagekit.parse("w-10:rt-90:w-5", [], LIMITS).stages) == 2
    with pytest.raises(ValueError):
        Parser("thumbor", named(), frozenset())


# --- rendering a chain ---------------------------------------------------------------------

PHOTO = imagegen.jpeg(640, 480)
LOGO = imagegen.encode(imagegen.solid(30, 20, (255, 0, 0)), "PNG")
MARKS = {"logo.png": MarkData(LOGO, "logo-v1")}


def one_at_a_time(data: bytes, steps: list[str]) -> bytes:
    """Each step rendered on its own, its PNG output the original of the next."""
    for step in steps:
        spec = chain(step + ",f-png")
        data = render(data, spec, "png", LIMITS, MARKS).data
    return data


def max_difference(a: bytes, b: bytes) -> int:
    one, two = open_bytes(a).convert("RGBA"), open_bytes(b).convert("RGBA")
    assert one.size == two.size
    return max(abs(x - y) for x, y in zip(one.tobytes(), two.tobytes(), strict=True))


@pytest.mark.parametrize(
    "steps",
    [
        ["w-400,h-300", "rt-90", "w-200"],
        ["w-300", "l-image,i-logo.png,lfo-top_left,l-end", "rt-30"],
        ["w-200,h-200,cm-pad_resize,bg-00FF00", "bl-5", "rt-90", "w-100,h-50"],
        ["w-200,h-100,cm-pad_resize,bg-0000FF", "rt-90", "rt-30"],
        ["rt-45", "w-150,h-150,fo-top_left"],
        ["w-100,dpr-2", "l-image,i-logo.png,l-end", "e-sharpen-2"],
    ],
)
def test_a_chain_renders_like_its_steps_one_at_a_time(steps):
    chained = render(PHOTO, chain(":".join(steps) + ",f-png"), "png", LIMITS, MARKS)
    assert max_difference(chained.data, one_at_a_time(PHOTO, steps)) <= 2


def test_a_chain_encodes_once_in_the_final_format():
    out = render(PHOTO, chain("w-300:rt-45:w-100,f-jpg"), "jpg", LIMITS)
    img = open_bytes(out.data)
    assert (img.format, img.size[0]) == ("JPEG", 100)
    # The rotation's corners stayed transparent until the end, then went white for JPEG.
    assert min(img.convert("RGB").getpixel((1, 1))) > 240


def test_each_stage_is_held_to_the_output_limit():
    small = Limits(max_output_pixels=100_000)
    assert render(PHOTO, chain("w-200:w-300"), "png", small).width == 300
    # An over-limit stage is scaled down to fit (as imgix clamps), then the next one runs.
    assert render(PHOTO, chain("w-1000:w-100"), "png", small).width == 100
    clamped = render(PHOTO, chain("w-1000"), "png", small)
    assert clamped.width * clamped.height <= 100_000
