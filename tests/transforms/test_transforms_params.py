"""The imgix dialect: raw query -> pairs -> TransformSpec, and every refusal."""

from __future__ import annotations

import pytest

from transforms.dialects.imgix import PARAMETERS, parse_params
from transforms.errors import ParamError
from transforms.query import MAX_PARAMS, MAX_VALUE_CHARS, split_query
from transforms.spec import Adjust, Frame, Limits, Output, Rotation, Size, Stylize, TransformSpec

LIMITS = Limits()


def parse(query: bytes, ignore: frozenset[str] = frozenset()) -> TransformSpec:
    return parse_params(split_query(query), LIMITS, ignore)


def refused(query: bytes) -> ParamError:
    with pytest.raises(ParamError) as info:
        parse(query)
    return info.value


# --- split_query -------------------------------------------------------------


def test_split_decodes_form_style() -> None:
    assert split_query(b"txt=Hello+World%2B&w=300") == [("txt", "Hello World+"), ("w", "300")]


def test_split_on_first_equals_and_missing_value() -> None:
    assert split_query(b"a=b=c&flag") == [("a", "b=c"), ("flag", "")]


def test_split_skips_empty_items() -> None:
    assert split_query(b"&&w=1&&h=2&") == [("w", "1"), ("h", "2")]
    assert split_query(b"") == []


def test_split_decodes_utf8() -> None:
    assert split_query(b"txt=caf%C3%A9") == [("txt", "café")]


@pytest.mark.parametrize(
    "raw, name",
    [
        (b"txt=%ff", "txt"),  # a lone continuation byte
        (b"txt=caf\xc3", "txt"),  # raw, truncated sequence
        (b"%C3=1", "query"),  # the key itself is undecodable
    ],
)
def test_split_refuses_invalid_utf8(raw: bytes, name: str) -> None:
    with pytest.raises(ParamError, match="UTF-8") as info:
        split_query(raw)
    assert info.value.param == name


@pytest.mark.parametrize("raw", [b"w=%zz", b"w=30%", b"w=3%4", b"w=%G0", b"w=%-1"])
def test_split_refuses_malformed_escapes(raw: bytes) -> None:
    with pytest.raises(ParamError, match="percent escape") as info:
        split_query(raw)
    assert info.value.param == "w"


@pytest.mark.parametrize("raw", [b"txt=a%00b", b"txt=a%0Ab", b"txt=%7F", b"txt=a\x01", b"txt=%1F"])
def test_split_refuses_control_characters(raw: bytes) -> None:
    with pytest.raises(ParamError, match="control character") as info:
        split_query(raw)
    assert info.value.param == "txt"


def test_split_refuses_control_character_in_key() -> None:
    with pytest.raises(ParamError) as info:
        split_query(b"w%00=1")
    assert info.value.param == "query"


def test_split_limits_count_and_length() -> None:
    split_query(b"&".join(b"k%d=1" % i for i in range(MAX_PARAMS)))
    with pytest.raises(ParamError, match="too many"):
        split_query(b"&".join(b"k%d=1" % i for i in range(MAX_PARAMS + 1)))
    split_query(b"txt=" + b"a" * MAX_VALUE_CHARS)
    with pytest.raises(ParamError, match="too long") as info:
        split_query(b"txt=" + b"a" * (MAX_VALUE_CHARS + 1))
    assert info.value.param == "txt"


def test_split_refuses_empty_key() -> None:
    with pytest.raises(ParamError):
        split_query(b"=5")


# --- parse_params: accepted values -------------------------------------------


def test_defaults() -> None:
    assert parse(b"") == TransformSpec()


def test_every_parameter() -> None:
    spec = parse(
        b"w=300&h=0.5&dpr=2&fit=crop&crop=focalpoint&fp-x=0.25&fp-y=1&fm=webp&q=60"
        b"&auto=format,compress&bg=%23F00&rect=10,20,300,400&rot=45&flip=vh&orient=90"
        b"&blur=20&sharp=10"
    )
    assert spec == TransformSpec(
        size=Size(
            w=300,
            h=0.5,
            dpr=2,
            fit="crop",
            crop=("focalpoint",),
            fp_x=0.25,
            fp_y=1.0,
            rect=(10, 20, 300, 400),
        ),
        output=Output(fm="webp", q=60, auto=frozenset({"format", "compress"})),
        frame=Frame(bg=(255, 0, 0, 255)),
        rotation=Rotation(rot=45, rot_type="straighten", flip="hv", orient=6),
        stylize=Stylize(blur=20),
        adjust=Adjust(sharp=10),
    )


def test_dimensions_round_to_pixels_and_keep_fractions() -> None:
    assert parse(b"w=300.4&h=0.25") == TransformSpec(size=Size(w=300, h=0.25))
    assert parse(b"w=1").size.w == 1
    assert parse(b"w=16384").size.w == 16384


def test_dpr_accepts_fractions_and_needs_a_size() -> None:
    assert parse(b"w=100&dpr=1.5").size.dpr == 1.5
    assert parse(b"dpr=2").size.dpr == 1.0  # nothing to multiply: same spec, same cache entry


@pytest.mark.parametrize(
    "value, colour",
    [
        ("f00", (255, 0, 0, 255)),
        ("8f00", (255, 0, 0, 136)),  # ARGB: alpha first
        ("%2300ff00", (0, 255, 0, 255)),
        ("800000ff", (0, 0, 255, 128)),
        ("FFFFFF", (255, 255, 255, 255)),
    ],
)
def test_bg_is_alpha_first(value: str, colour: tuple[int, int, int, int]) -> None:
    assert parse(b"bg=" + value.encode()).frame.bg == colour


@pytest.mark.parametrize("value, exif", [("1", 1), ("8", 8), ("90", 6), ("180", 3), ("270", 8)])
def test_orient_degree_aliases(value: str, exif: int) -> None:
    assert parse(b"orient=" + value.encode()).rotation.orient == exif


def test_format_aliases() -> None:
    assert parse(b"fm=jpeg").output.fm == "jpg"
    assert parse(b"fm=pjpg").output.fm == "pjpg"
    assert parse(b"flip=vh").rotation.flip == parse(b"flip=hv").rotation.flip == "hv"


def test_auto_values_merge_when_repeated() -> None:
    assert parse(b"auto=format&auto=compress").output.auto == frozenset({"format", "compress"})


def test_ignored_keys_are_skipped() -> None:
    spec = parse(b"w=10&s=abc&expires=123&ixlib=python-4", frozenset({"s", "expires", "ixlib"}))
    assert spec == TransformSpec(size=Size(w=10))


def test_canonical_ignores_parameter_order() -> None:
    a = parse(b"w=300&h=200&fit=crop&crop=top,left&auto=format,compress&bg=fff")
    b = parse(b"bg=FFFFFF&auto=compress&auto=format&crop=left,top&fit=crop&h=200&w=300.0")
    assert a == b
    assert a.canonical() == b.canonical()
    assert a.canonical() != parse(b"w=300&h=200").canonical()


def test_canonical_of_equal_numbers() -> None:
    assert (
        TransformSpec(size=Size(w=300)).canonical()
        == TransformSpec(size=Size(w=300.0)).canonical()
        == "w=300"
    )
    assert TransformSpec().canonical() == ""


# --- parse_params: refusals -----------------------------------------------------

BAD_VALUES = [
    ("w", "0"),
    ("w", "-5"),
    ("w", "abc"),
    ("w", "nan"),
    ("w", "inf"),
    ("w", "1e3"),
    ("w", "1_000"),
    ("w", " 300"),
    ("w", ""),
    ("w", "16385"),
    ("h", "0"),
    ("h", "x"),
    ("dpr", "0"),
    ("dpr", "6"),
    ("dpr", "two"),
    ("fit", "fill,max"),
    ("fit", "cover"),
    ("crop", "middle"),
    ("crop", "top,bottom"),
    ("crop", "left,right,center"),
    ("crop", ""),
    ("fp-x", "1.5"),
    ("fp-y", "-0.1"),
    ("fp-y", "x"),
    ("fm", "webm"),
    ("fm", "gif-loop"),
    ("fm", "mp4"),
    ("fm", "bmp"),
    ("fm", "JPG"),
    ("q", "101"),
    ("q", "-1"),
    ("q", "50.5"),
    ("auto", "redeyes"),
    ("auto", "format,nope"),
    ("bg", "ff"),
    ("bg", "fffff"),
    ("bg", "zzzzzz"),
    ("bg", "reddish"),
    ("rect", "1,2,3"),
    ("rect", "0,0,0,10"),
    ("rect", "-1,0,10,10"),
    ("rect", "a,b,c,d"),
    ("rect", "middle,center,10,10"),  # x takes left|center|right, y top|middle|bottom
    ("rect", "0,0,full,0"),
    ("rot", "360"),
    ("rot", "-90"),
    ("rot", "359.9999x"),
    ("rot-type", "spin"),
    ("ar", "16"),
    ("ar", "16:0"),
    ("ar", "0:9"),
    ("ar", "a:b"),
    ("min-w", "0"),
    ("max-w", "8193"),
    ("min-h", "1.5"),
    ("max-h", "x"),
    ("fp-z", "0.5"),
    ("fp-z", "101"),
    ("fp-debug", "yes"),
    ("flip", "x"),
    ("flip", "hh"),
    ("orient", "-1"),
    ("orient", "9"),
    ("orient", "45"),
    ("blur", "2001"),
    ("blur", "-1"),
    ("sharp", "101"),
    ("sharp", "soft"),
]


@pytest.mark.parametrize("key, value", BAD_VALUES)
def test_bad_value_names_the_parameter(key: str, value: str) -> None:
    err = refused(f"{key}={value}".encode())
    assert err.param == key
    assert str(err).startswith(f"{key}: ")


def test_every_parameter_has_a_bad_value_case() -> None:
    assert {key for key, _ in BAD_VALUES} == set(PARAMETERS)


def test_messages_are_specific() -> None:
    assert str(refused(b"w=0")) == "w: must be a number greater than 0"
    assert str(refused(b"fm=mp4")) == (
        "fm: mp4 needs video rendering, "
        "which Signet does not do (still images only)"
    )
    assert "no Base64 variant" in str(refused(b"auto64=Zm9ybWF0"))
    assert "cannot be combined" in str(refused(b"crop=top,bottom"))
    assert "at most 5" in str(refused(b"w=1&dpr=9"))


def test_dpr_bound_follows_limits() -> None:
    spec = parse_params([("w", "10"), ("dpr", "8")], Limits(max_dpr=8))
    assert spec.size.dpr == 8
    with pytest.raises(ParamError):
        parse_params([("w", "10"), ("dpr", "3")], Limits(max_dpr=2))


def test_every_value_may_be_base64_encoded() -> None:
    # imgix's Base64 variants: the name + "64", the value URL-safe Base64 without padding.
    spec = parse(b"w64=MzAw&fm64=d2VicA&sat64=LTUw")
    assert (spec.size.w, spec.output.fm, spec.adjust.sat) == (300, "webp", -50)
    assert parse(b"width64=MzAw").size.w == 300  # an alias's, too
    assert parse(b"w64=MzAw").canonical() == parse(b"w=300").canonical()  # one cache entry
    assert refused(b"w=300&w64=MzAw").param == "w64"  # the same parameter twice
    assert refused(b"w64=LTE").param == "w64"  # -1, decoded, still checked
    assert "video" in str(refused(b"fm64=bXA0"))  # mp4: refusals read the decoded value
    assert "base64" in str(refused(b"fm64=__8"))  # decodes to bytes that are not UTF-8


def test_unknown_parameter_is_ignored_unless_strict() -> None:
    assert parse(b"w=10&v=2&cachebust=abc") == TransformSpec(size=Size(w=10))
    with pytest.raises(ParamError) as info:
        parse_params(split_query(b"w=10&v=2"), LIMITS, strict=True)
    assert info.value.param == "v"
    assert "unknown parameter" in str(info.value)


@pytest.mark.parametrize("query", [b"w=1&w=1", b"w=1&h=2&w=3", b"fm=png&fm=jpg", b"q=1&q=x"])
def test_repeated_parameter(query: bytes) -> None:
    err = refused(query)
    assert "more than once" in str(err)
