"""Row bands: numpy work over a large image a band at a time, so its float temporaries stay
a few megabytes whatever the output's size (a 25-megapixel float32 RGB copy alone is
300 MB, and a vectorised formula makes several). The loop is over bands, never pixels."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

BAND_PIXELS = 1 << 19  # about half a million pixels per band


def bands(height: int, width: int) -> Iterator[tuple[int, int]]:
    """(first row, end row) of each band of an image `height` x `width`."""
    rows = max(1, BAND_PIXELS // max(1, width))
    for top in range(0, height, rows):
        yield top, min(height, top + rows)


def by_bands(
    shape: tuple[int, ...], dtype: type, work: Callable[[int, int], np.ndarray]
) -> np.ndarray:
    """An array of `shape` whose rows [a, b) are `work(a, b)`, one band at a time."""
    out = np.empty(shape, dtype=dtype)
    for top, end in bands(shape[0], shape[1] if len(shape) > 1 else 1):
        out[top:end] = work(top, end)
    return out
