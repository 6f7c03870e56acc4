"""Effects on the detected faces of the resized picture: `auto=redeye`, `face-pixel`,
`face-blur` (imgix's face-detection group), right after the resize.

The faces are those transforms.faces finds (cached per original; resize maps them into
the resized picture's pixels, ctx.faces). Without a face, nothing changes.

- `face-pixel` 0..100 and `face-blur` 0..100 (privacy): each face's box, widened by
  FACE_MARGIN of its side on every edge (the detector's box stops at the eyebrows and
  the chin), is pixellated in square blocks of `face-pixel` / 200 of the face's long
  side (100: two blocks across it), or blurred by a Gaussian of radius `face-blur` / 400
  of it (100: a quarter of the face). imgix does not publish its scales; these are
  Signet's. Both given: pixellated, then blurred.
- `auto=redeye`: OpenCV's eye cascade (haarcascade_eye, shipped in cv2.data) looks for
  eyes in the upper part of each face; in a disc inside each eye found, a pixel whose
  red clearly dominates (red over REDNESS x the mean of green and blue, and at least
  MIN_RED) has its red brought down to that mean. Limits: only eyes of a face the frontal
  cascade found, open and large enough to be seen (an eye box of MIN_EYE pixels on the
  face scaled to EYE_FACE_SIDE); a red that is not a pupil's inside an eye box (red
  make-up on the eyelid) is toned down too; golden or white eye-shine is left alone.
"""

from __future__ import annotations

import math
import threading

import cv2
import numpy as np
from PIL import Image

from transforms.context import Box, Context
from transforms.steps.effects import blur_image
from transforms.steps.stylize import pixellate

FACE_MARGIN = 0.15
EYE_CASCADE_FILE = cv2.data.haarcascades + "haarcascade_eye.xml"
EYE_FACE_SIDE = 200  # a face is looked at this wide (scaled up or down) for its eyes
MIN_EYE = 12
MAX_EYES = 2
REDNESS = 1.6
MIN_RED = 60
_LOCAL = threading.local()  # a classifier per thread, as transforms.faces does


def apply_face_effects(ctx: Context) -> None:
    spec = ctx.spec
    redeye = "redeye" in spec.output.auto
    if not ctx.faces or not (redeye or spec.stylize.face_pixel or spec.stylize.face_blur):
        return
    img = ctx.image
    # One copy, changed in place face by face (each change reads and writes its box only).
    if img.mode in ("RGB", "RGBA"):
        img = img.copy()
    else:
        alpha = "A" in img.getbands() or "transparency" in img.info
        img = img.convert("RGBA" if alpha else "RGB")
    for face in ctx.faces:
        if redeye:
            reduce_red_eyes(img, face)
        if spec.stylize.face_pixel or spec.stylize.face_blur:
            obscure(img, face, spec.stylize.face_pixel, spec.stylize.face_blur)
    ctx.img = img


def widened(face: Box, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The face's box grown by FACE_MARGIN on every side, in whole pixels inside `size`."""
    x0, y0, x1, y1 = face
    mx, my = (x1 - x0) * FACE_MARGIN, (y1 - y0) * FACE_MARGIN
    return (
        max(0, math.floor(x0 - mx)),
        max(0, math.floor(y0 - my)),
        min(size[0], math.ceil(x1 + mx)),
        min(size[1], math.ceil(y1 + my)),
    )


def obscure(img: Image.Image, face: Box, pixel: int, blur: int) -> None:
    """Pixellate and/or blur the face's widened box of `img`, in place."""
    box = widened(face, img.size)
    if box[2] - box[0] < 1 or box[3] - box[1] < 1:
        return
    side = max(face[2] - face[0], face[3] - face[1])
    part = img.crop(box)
    if pixel:
        part = pixellate(part, max(2, round(side * pixel / 200)))
    if blur:
        # Blurred with a margin of the picture around it, so the box's own edge does not
        # bleed a frame of its average colour inwards.
        radius = max(1.0, side * blur / 400)
        pad = math.ceil(radius * 3)
        outer = (
            max(0, box[0] - pad), max(0, box[1] - pad),
            min(img.width, box[2] + pad), min(img.height, box[3] + pad),
        )  # fmt: skip
        around = img.crop(outer)
        around.paste(part, (box[0] - outer[0], box[1] - outer[1]))
        smooth = blur_image(around, radius)
        part = smooth.crop(
            (box[0] - outer[0], box[1] - outer[1], box[2] - outer[0], box[3] - outer[1])
        )
    img.paste(part, box[:2])


def find_eyes(img: Image.Image, face: Box) -> list[tuple[int, int, int, int]]:
    """Eye boxes (x0, y0, x1, y1, in `img` pixels) in the upper 60% of a face: at most two,
    the largest."""
    x0, y0, x1, y1 = (round(v) for v in face)
    y1 = y0 + max(1, round((y1 - y0) * 0.6))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return []
    scale = EYE_FACE_SIDE / (x1 - x0)
    grey = img.crop((x0, y0, x1, y1)).convert("L")
    grey = grey.resize(
        (EYE_FACE_SIDE, max(1, round((y1 - y0) * scale))), Image.Resampling.BILINEAR
    )
    classifier = getattr(_LOCAL, "eyes", None)
    if classifier is None:
        classifier = _LOCAL.eyes = cv2.CascadeClassifier(EYE_CASCADE_FILE)
    found = classifier.detectMultiScale(
        np.asarray(grey), scaleFactor=1.1, minNeighbors=5, minSize=(MIN_EYE, MIN_EYE),
        maxSize=(EYE_FACE_SIDE // 2, EYE_FACE_SIDE // 2),
    )
    boxes = sorted(((int(x), int(y), int(w), int(h)) for x, y, w, h in found), key=lambda b: -b[2])
    return [
        (
            x0 + math.floor(x / scale), y0 + math.floor(y / scale),
            x0 + math.ceil((x + w) / scale), y0 + math.ceil((y + h) / scale),
        )  # fmt: skip
        for x, y, w, h in boxes[:MAX_EYES]
    ]


def reduce_red_eyes(img: Image.Image, face: Box) -> None:
    """Bring down the red of the pupils in `face` of `img` (RGB or RGBA), in place; the
    alpha channel is left as it was (see the module)."""
    for box in find_eyes(img, face):
        patch = img.crop(box)
        pixels = np.array(patch, dtype=np.float32)
        h, w = pixels.shape[:2]
        ys, xs = np.ogrid[:h, :w]
        disc = ((xs + 0.5 - w / 2) / (w / 2)) ** 2 + ((ys + 0.5 - h / 2) / (h / 2)) ** 2 <= 1
        red, others = pixels[..., 0], (pixels[..., 1] + pixels[..., 2]) / 2
        wrong = disc & (red > REDNESS * others) & (red >= MIN_RED)
        pixels[..., 0] = np.where(wrong, others, red)
        img.paste(Image.fromarray(pixels.round().clip(0, 255).astype(np.uint8), img.mode), box[:2])
