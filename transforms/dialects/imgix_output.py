"""The imgix dialect's format and colour-palette parameters: `fm`, `cs`, `palette`, `ch`, ...

One parser per key, as in transforms.dialects.imgix; the values follow imgix's
parameters.json (tests/vendor). `q` and `auto` stay in imgix.py.
"""

from __future__ import annotations

import re

from transforms.dialects.imgix_names import VIDEO_REASON
from transforms.errors import ParamError
from transforms.spec import Limits, TransformSpec
from transforms.spec.output import CLIENT_HINTS, COLOUR_SPACES, FORMATS, VIDEO_FORMATS
from transforms.values import Invalid, Parameter, integer, one_of

# A CSS class name Signet can write without escaping: `prefix=frog` -> `.frog-fg-1`.
CSS_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
MAX_FILENAME = 255
TRUE_WORDS = ("true", "1")
FALSE_WORDS = ("false", "0")


def video_message(value: str) -> str:
    """The one answer to anything that asks for video (also used for imgix's video keys)."""
    return f"{value} {VIDEO_REASON}"


def parse_format(value: str, limits: Limits) -> str:
    if value == "jpeg":
        return "jpg"
    if value in VIDEO_FORMATS:
        raise Invalid(video_message(value))
    return one_of(value, FORMATS)


def parse_boolean(value: str, limits: Limits) -> bool:
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise Invalid("must be true or false (or 1 or 0)")


def parse_palette(value: str, limits: Limits) -> str:
    return one_of(value, ("css", "json"))


def parse_colors(value: str, limits: Limits) -> int:
    return integer(value, 0, 16)


def parse_prefix(value: str, limits: Limits) -> str:
    if CSS_PREFIX.fullmatch(value):
        return value
    raise Invalid("must be a CSS class name: a letter or _, then up to 63 letters, digits, _ or -")


def parse_colour_space(value: str, limits: Limits) -> str | None:
    if value == "origin":
        return None  # the default: the original's own profile
    return one_of(value, (*COLOUR_SPACES, "origin"))


def parse_chromasub(value: str, limits: Limits) -> int | None:
    number = int(one_of(value, ("444", "422", "420")))
    return None if number == 420 else number  # 4:2:0 is every encoder's default


def parse_colorquant(value: str, limits: Limits) -> int:
    return integer(value, 2, 256)


def parse_dpi(value: str, limits: Limits) -> int | None:
    number = integer(value, 0, 65535)  # JFIF and PNG store 16 and 32 bits; 0: none
    return number or None


def parse_iptc(value: str, limits: Limits) -> bool:
    return one_of(value, ("allow", "block")) == "allow"


def parse_download(value: str, limits: Limits) -> str:
    if len(value) > MAX_FILENAME:
        raise Invalid(f"must be a file name of at most {MAX_FILENAME} characters")
    return value


def parse_client_hints(value: str, limits: Limits) -> frozenset[str]:
    words = frozenset(word.strip().lower() for word in value.split(","))
    for word in sorted(words):
        if word not in CLIENT_HINTS:
            raise Invalid(f"{word!r} is not a client hint; expected {', '.join(CLIENT_HINTS)}")
    return words


def check_output(spec: TransformSpec) -> None:
    """Options of the palette answer need `palette`, as `mark-*` options need `mark`."""
    out = spec.output
    if out.palette is None:
        if out.colors != 6:
            raise ParamError("colors", "needs palette=css or palette=json")
        if out.prefix != "image":
            raise ParamError("prefix", "needs palette=css")


OUTPUT_PARAMETERS: dict[str, Parameter] = {
    "palette": Parameter("output.palette", parse_palette),
    "colors": Parameter("output.colors", parse_colors),
    "prefix": Parameter("output.prefix", parse_prefix),
    "cs": Parameter("output.cs", parse_colour_space),
    "chromasub": Parameter("output.chromasub", parse_chromasub),
    "colorquant": Parameter("output.colorquant", parse_colorquant),
    "dpi": Parameter("output.dpi", parse_dpi),
    "iptc": Parameter("output.iptc", parse_iptc),
    "jpg-progressive": Parameter("output.progressive", parse_boolean),
    "lossless": Parameter("output.lossless", parse_boolean),
    "dl": Parameter("output.dl", parse_download),
    "ch": Parameter("output.ch", parse_client_hints),
}
