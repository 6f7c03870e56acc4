"""The imgix dialect's face parameters: `faceindex`, `facepad` (for `fit=facearea`)."""

from __future__ import annotations

from transforms.faces import MAX_FACES
from transforms.spec import Limits
from transforms.values import Invalid, Parameter, decimal, integer

MAX_FACEPAD = 100.0


def parse_faceindex(value: str, limits: Limits) -> int:
    return integer(value, 1, MAX_FACES)


def parse_facepad(value: str, limits: Limits) -> float:
    number = decimal(value)
    if number is None or not 0 < number <= MAX_FACEPAD:
        raise Invalid(f"must be a number greater than 0, at most {MAX_FACEPAD:g}")
    return number


FACE_PARAMETERS: dict[str, Parameter] = {
    "faceindex": Parameter("size.faceindex", parse_faceindex),
    "facepad": Parameter("size.facepad", parse_facepad),
}
