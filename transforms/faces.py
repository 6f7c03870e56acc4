"""Faces: OpenCV's frontal-face Haar cascade, run once per original on a small grey copy.

The model is the cascade `opencv-python-headless` 4.x ships in `cv2.data` (the 5.x wheels
dropped it): no download, no network. It finds upright, roughly frontal faces of at
least MIN_FACE pixels on a copy DETECT_SIDE pixels on its long side (a face a twenty-fifth
of the picture's long side or larger); it misses profiles, strongly tilted or covered
faces, and it can mistake a face-like pattern for a face.

Faces are kept in an LRU (FACES) by the original's content digest and the region looked
at, so a hundred sizes of one photo detect once. Boxes are fractions of the region:
(x0, y0, x1, y1), each 0-1, largest first.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

import cv2
import numpy as np
from cachetools import LRUCache
from PIL import Image

from transforms.spec import TransformSpec

DETECT_SIDE = 500
MIN_FACE = 20
MAX_FACES = 64  # more boxes than this are noise; the largest are kept
CACHE_ENTRIES = 4096
FaceBox = tuple[float, float, float, float]

cv2.setNumThreads(1)  # renders already run in a pool of worker threads
CASCADE_FILE = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
FACES: LRUCache[tuple[object, ...], tuple[FaceBox, ...]] = LRUCache(CACHE_ENTRIES)
_LOCK = threading.Lock()
_LOCAL = threading.local()  # a classifier per thread: detectMultiScale is not thread-safe


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def faces_in(
    key: tuple[object, ...] | None, sample: Callable[[int], Image.Image]
) -> tuple[FaceBox, ...]:
    """The faces of the region `sample` draws (`sample(long_side)`: a grey copy), from the
    cache when `key` (the original's digest and the region) was seen. None: no cache."""
    if key is not None:
        with _LOCK:
            found = FACES.get(key)
        if found is not None:
            return found
    found = detect(sample(DETECT_SIDE))
    if key is not None:
        with _LOCK:
            FACES[key] = found
    return found


def detect(grey: Image.Image) -> tuple[FaceBox, ...]:
    """Faces in an L-mode image, as fractions of its size, largest first."""
    classifier = getattr(_LOCAL, "classifier", None)
    if classifier is None:
        classifier = _LOCAL.classifier = cv2.CascadeClassifier(CASCADE_FILE)
    pixels = np.asarray(grey.convert("L"))
    found = classifier.detectMultiScale(
        pixels, scaleFactor=1.1, minNeighbors=5, minSize=(MIN_FACE, MIN_FACE)
    )
    width, height = grey.size
    boxes = sorted(
        ((int(x), int(y), int(w), int(h)) for x, y, w, h in found), key=lambda b: -b[2] * b[3]
    )
    return tuple(
        (x / width, y / height, (x + w) / width, (y + h) / height)
        for x, y, w, h in boxes[:MAX_FACES]
    )


def needs_faces(spec: TransformSpec) -> bool:
    """Whether a step after the resize works on the faces (transforms.steps.face_privacy,
    fm=json with faces=1): then resize maps them into the resized picture's pixels."""
    return bool(
        spec.stylize.face_blur
        or spec.stylize.face_pixel
        or "redeye" in spec.output.auto
        or spec.output.faces
    )


def union(boxes: tuple[FaceBox, ...]) -> FaceBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
