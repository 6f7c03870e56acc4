"""The imgix adjustment and stylize parameters: tone, colour, sharpening, noise, effects.

Ranges are imgix's (tests/vendor/imgix-url-params-11.35.0.json); where imgix only
suggests a range, Signet keeps to it and answers 400 outside it rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from transforms.spec import Limits
from transforms.values import DECIMAL, Invalid, Parameter, integer, parse_colour

SIGNED_INTEGER = re.compile(r"-?[0-9]{1,9}")
SIGNED_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
TRUE_WORDS = ("true", "1")
FALSE_WORDS = ("false", "0")
RGBA = tuple[int, int, int, int]
MAX_USM_RADIUS = 500.0  # pixels; a Gaussian this wide already flattens any output


def signed_integer(value: str, low: int, high: int) -> int:
    if SIGNED_INTEGER.fullmatch(value) and low <= int(value) <= high:
        return int(value)
    raise Invalid(f"must be an integer from {low} to {high}")


def bounded_decimal(value: str, low: float, high: float) -> float:
    if SIGNED_DECIMAL.fullmatch(value) and low <= float(value) <= high:
        return float(value)
    raise Invalid(f"must be a number from {low:g} to {high:g}")


def boolean(value: str) -> bool:
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise Invalid("must be true or false (1 or 0)")


def colour_pair(value: str, limits: Limits) -> tuple[RGBA, RGBA]:
    parts = value.split(",")
    if len(parts) != 2:
        raise Invalid("must be two colours separated by a comma")
    return (parse_colour(parts[0], limits), parse_colour(parts[1], limits))


def signed(low: int, high: int) -> Callable[[str, Limits], int]:
    """A parser of integers from low to high, sign allowed."""

    def parse(value: str, limits: Limits) -> int:
        return signed_integer(value, low, high)

    return parse


def unsigned(low: int, high: int) -> Callable[[str, Limits], int]:
    """A parser of integers from low to high, no sign."""

    def parse(value: str, limits: Limits) -> int:
        return integer(value, low, high)

    return parse


def parse_number_0_100(value: str, limits: Limits) -> float:
    if DECIMAL.fullmatch(value) and float(value) <= 100:
        return float(value)
    raise Invalid("must be a number from 0 to 100")


def parse_usmrad(value: str, limits: Limits) -> float:
    if DECIMAL.fullmatch(value) and float(value) <= MAX_USM_RADIUS:
        return float(value)
    raise Invalid(f"must be a number from 0 to {MAX_USM_RADIUS:g}")


def parse_invert(value: str, limits: Limits) -> bool:
    return boolean(value)


ADJUST_PARAMETERS: dict[str, Parameter] = {
    "bri": Parameter("adjust.bri", signed(-100, 100)),
    "con": Parameter("adjust.con", signed(-100, 100)),
    "exp": Parameter("adjust.exp", signed(-100, 100)),
    "gam": Parameter("adjust.gam", signed(-100, 100)),
    "high": Parameter("adjust.high", signed(-100, 0)),
    "shad": Parameter("adjust.shad", parse_number_0_100),
    "hue": Parameter("adjust.hue", unsigned(0, 360)),  # 360: a whole turn, as 0
    "sat": Parameter("adjust.sat", signed(-100, 100)),
    "vib": Parameter("adjust.vib", signed(-100, 100)),
    "invert": Parameter("adjust.invert", parse_invert),
    "usm": Parameter("adjust.usm", signed(-100, 100)),
    "usmrad": Parameter("adjust.usmrad", parse_usmrad),
    "nr": Parameter("adjust.nr", signed(-100, 100)),
    "nrs": Parameter("adjust.nrs", signed(-100, 100)),
    "monochrome": Parameter("stylize.monochrome", parse_colour),
    "sepia": Parameter("stylize.sepia", unsigned(0, 100)),
    "duotone": Parameter("stylize.duotone", colour_pair),
    "duotone-alpha": Parameter("stylize.duotone_alpha", unsigned(0, 100)),
    "htn": Parameter("stylize.htn", unsigned(0, 100)),
    "px": Parameter("stylize.px", unsigned(0, 100)),
}
