"""The imgix dialect's face parameters: `faceindex`, `facepad` (for `fit=facearea`),
`face-blur`, `face-pixel` (transforms/steps/face_privacy.py) and `faces` (fm=json)."""

from __future__ import annotations

from transforms.faces import MAX_FACES
from transforms.spec import Limits
from transforms.values import Invalid, Parameter, decimal, integer, one_of

MAX_FACEPAD = 100.0


def parse_faceindex(value: str, limits: Limits) -> int:
    return integer(value, 1, MAX_FACES)


def parse_facepad(value: str, limits: Limits) -> float:
    number = decimal(value)
    if number is None or not 0 < number <= MAX_FACEPAD:
        raise Invalid(f"must be a number greater than 0, at most {MAX_FACEPAD:g}")
    return number


def parse_face_amount(value: str, limits: Limits) -> int:
    return integer(value, 0, 100)


def parse_faces(value: str, limits: Limits) -> bool:
    one_of(value, ("1",))
    return True


FACE_PARAMETERS: dict[str, Parameter] = {
    "face-blur": Parameter("stylize.face_blur", parse_face_amount),
    "face-pixel": Parameter("stylize.face_pixel", parse_face_amount),
    "faces": Parameter("output.faces", parse_faces),
    "faceindex": Parameter("size.faceindex", parse_faceindex),
    "facepad": Parameter("size.facepad", parse_facepad),
}
