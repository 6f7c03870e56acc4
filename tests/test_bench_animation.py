"""bench workload (m) is well formed: its source, Signet's answer and the Pillow limit agree
(the run itself needs a quiet machine: `python -m bench --only m`)."""

from __future__ import annotations

import io

from PIL import Image

from bench.images import animated_gif
from bench.workloads import LIMIT_FUNCTIONS, WORKLOADS
from transforms.dialects.imgix import parse_params
from transforms.pipeline import render
from transforms.spec import Limits


def test_animated_gif_workload_signet_and_limit_agree() -> None:
    (m,) = [w for w in WORKLOADS if w.key == "m"]
    data = animated_gif(frames=4, side=100)  # the drawing, small: the shape is what counts
    source = Image.open(io.BytesIO(data))
    assert source.n_frames == 4 and source.size == (100, 100)
    pairs = [tuple(p.split("=", 1)) for p in m.signet_query.split("&")]
    spec = parse_params(pairs, Limits())  # type: ignore[arg-type]
    signet = Image.open(io.BytesIO(render(data, spec, "gif", Limits()).data))
    assert m.limit is not None
    limit = Image.open(io.BytesIO(LIMIT_FUNCTIONS[m.limit](data)))
    for answer in (signet, limit):
        assert (answer.format, answer.size, answer.n_frames) == ("GIF", (300, 300), 4)
        assert answer.info["duration"] == 80
    assert m.frames == 20 and m.expect == ("GIF", (300, 300))
