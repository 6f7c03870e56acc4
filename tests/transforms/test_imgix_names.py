"""The parser's name tables against imgix's own parameters.json (vendored, 11.35.0)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import ImageColor

from transforms.dialects.imgix import TABLES, parse_params
from transforms.dialects.imgix_names import (
    ALIASES,
    GENERATIVE,
    IMGIX_NAMES,
    NEEDS_DETECTOR,
    VIDEO,
)
from transforms.errors import ParamError
from transforms.query import split_query
from transforms.spec import Limits
from transforms.values import UNPUBLISHED_KEYWORDS, Invalid, parse_colour

VENDORED = json.loads(
    (Path(__file__).parent.parent / "vendor" / "imgix-url-params-11.35.0.json").read_text()
)
PARAMS: dict[str, dict] = VENDORED["parameters"]
LIMITS = Limits()


def parse(query: str, strict: bool = False):
    return parse_params(split_query(query.encode()), LIMITS, strict=strict)


def refusal_of(query: str) -> ParamError:
    with pytest.raises(ParamError) as info:
        parse(query)
    return info.value


def test_the_names_are_imgixs() -> None:
    assert set(PARAMS) == IMGIX_NAMES


def test_the_alias_table_is_imgixs() -> None:
    # imgix lists one name as its own alias; it needs no entry
    assert ALIASES == {k: v for k, v in VENDORED["aliases"].items() if k != v}


def test_every_table_key_is_an_imgix_name_or_its_base64_twin() -> None:
    for table in TABLES:
        for key in table:
            assert key in IMGIX_NAMES or key.removesuffix("64") in IMGIX_NAMES, key


def test_video_and_ai_lists_follow_the_categories() -> None:
    video_categories = ("video-rendering", "video rendering")
    video = {k for k, v in PARAMS.items() if v["category"] in video_categories}
    ai = {
        k
        for k, v in PARAMS.items()
        if v["category"] in ("background", "object-manipulation", "super-resolution")
        or k.startswith("fill-gen")
    }
    assert {e for e in VIDEO if "=" not in e} == video
    assert {e for e in GENERATIVE if "=" not in e} == ai
    assert {k for k, v in PARAMS.items() if v["category"] == "license-plate-detection"} == set(
        NEEDS_DETECTOR
    )
    for entry in (*VIDEO, *GENERATIVE):
        name, _, word = entry.partition("=")
        assert name in PARAMS, entry
        if word:  # a value entry names one of the parameter's documented values
            values = [str(v) for e in PARAMS[name]["expects"] for v in e.get("possible_values", [])]
            assert word in values, entry


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_every_alias_resolves_to_its_parameter(alias: str) -> None:
    """The same value through the alias and through the name: the same spec, or the same
    refusal (for a parameter not built yet, or refused on purpose)."""
    name = ALIASES[alias]
    value = _a_value(name)
    # a mark, text, blend or trim option needs what it modifies beside it
    layers = {"mark": "mark=/logo.png&", "txt": "txt=Hi&", "blend": "blend=/logo.png&",
              "trim": "trim=auto&"}
    layer = layers.get(name.partition("-")[0], "")
    layer = "" if name in layers else layer
    try:
        expected = parse(f"{layer}{name}={value}")
    except ParamError as err:
        assert str(refusal_of(f"{layer}{alias}={value}")) == str(err).replace(name, alias, 1)
        return
    assert parse(f"{layer}{alias}={value}") == expected


def _a_value(name: str) -> str:
    samples = {"fit": "crop", "orient": "6", "mark": "/logo.png", "txt": "Hi", "h": "100",
               "w": "100", "mark-align": "top,left", "txt-align": "top", "txt-font": "serif",
               "txt-color": "f00", "mark-w": "50", "mark-h": "50"}
    return samples.get(name, "1")


@pytest.mark.parametrize(
    "query, key", [("w=1&width=2", "width"), ("height=2&h=1", "h"), ("f=crop&fit=clip", "fit"),
                   ("mark=/a.png&m=/b.png", "m"), ("or=1&orient=2", "orient")]
)
def test_a_parameter_given_by_name_and_by_alias_is_given_more_than_once(query, key) -> None:
    err = refusal_of(query)
    assert err.param == key
    assert "given more than once" in str(err)


def test_aliases_work_together() -> None:
    assert parse("f=crop&width=300&height=200&or=6&rott=pivot&rot=30") == parse(
        "fit=crop&w=300&h=200&orient=6&rot-type=pivot&rot=30"
    )
    assert parse("m=/logo.png&markalign=top,left&tf=serif&t=Hi") == parse(
        "mark=/logo.png&mark-align=top,left&txt-font=serif&txt=Hi"
    )


# --- unknown, not built, refused on purpose ------------------------------------------


def test_unknown_names_are_ignored_and_out_of_the_spec() -> None:
    assert parse("w=100&v=2&utm_source=x").canonical() == "w=100"


def test_strict_refuses_unknown_names() -> None:
    with pytest.raises(ParamError, match="v: unknown parameter"):
        parse("w=100&v=2", strict=True)


@pytest.mark.parametrize("query", ["bg-remove=true", "background-remove=true", "bg-replace=sky",
                                   "fill=gen", "fill-gen-prompt=sea", "upscale=true",
                                   "object-removal-rect=0,0,10,10"])
def test_generative_ai_is_refused_saying_so(query: str) -> None:
    assert "generative AI" in str(refusal_of(query))


@pytest.mark.parametrize("query", ["fm=mp4", "fm=webm", "video-codec=h264", "video-bitrate=1m"])
def test_video_is_refused_saying_so(query: str) -> None:
    assert "video" in str(refusal_of(query))


def test_lp_blur_needs_a_detector() -> None:
    err = refusal_of("license-plate-blur=50")
    assert err.param == "license-plate-blur"
    assert "object detector" in str(err)


def test_crop_faces_keeps_its_fallback() -> None:
    assert parse("fit=crop&w=10&h=10&crop=faces,top").size.crop == ("faces", "top")


def test_auto_and_ch_have_no_base64_variant_and_are_refused_not_ignored() -> None:
    # imgix: every value but auto's and ch's may be Base64-encoded (key + "64").
    for query in ("auto64=Zm9ybWF0", "ch64=V2lkdGg"):
        assert "no Base64 variant" in str(refusal_of(query)), query


@pytest.mark.parametrize("query", ["tr=w-100", "ik-s=abc", "ik-t=123"])
def test_the_other_dialects_keys_are_refused(query: str) -> None:
    assert "imagekit" in str(refusal_of(query))


# --- colour keywords -----------------------------------------------------------------


@pytest.mark.parametrize("keyword", VENDORED["colorKeywordValues"])
def test_every_colour_keyword(keyword: str) -> None:
    if keyword in UNPUBLISHED_KEYWORDS:
        with pytest.raises(Invalid, match="hex"):
            parse_colour(keyword, LIMITS)
        return
    assert parse_colour(keyword, LIMITS) == (*ImageColor.getrgb(keyword)[:3], 255)


def test_colour_keywords_wherever_a_colour_is_taken() -> None:
    assert parse("bg=Red").frame.bg == (255, 0, 0, 255)
    assert parse("txt=a&txt-color=navy").overlays[0].color == (0, 0, 128, 255)
    err = refusal_of("bg=imgixorange")
    assert err.param == "bg" and "hex" in str(err)
    assert "colour name" in str(refusal_of("bg=reddish"))
