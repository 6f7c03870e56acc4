"""bench workload (g) is well formed: Signet's answer, the Pillow limit and thumbor's frame."""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageStat

from bench.images import nine_patch_frame
from bench.workloads import LIMIT_FUNCTIONS, WORKLOADS
from tests import imagegen
from transforms.dialects.imgix import parse_params
from transforms.pipeline import render
from transforms.spec import Limits


def test_adjust_workload_signet_and_limit_agree() -> None:
    (g,) = [w for w in WORKLOADS if w.key == "g"]
    data = imagegen.jpeg(2400, 1600)
    pairs = [tuple(p.split("=", 1)) for p in g.signet_query.split("&")]
    spec = parse_params(pairs, Limits())  # type: ignore[arg-type]
    signet = Image.open(io.BytesIO(render(data, spec, "jpg", Limits()).data))
    assert (signet.format, signet.size) == g.expect
    assert g.limit is not None
    limit = Image.open(io.BytesIO(LIMIT_FUNCTIONS[g.limit](data)))
    assert (limit.format, limit.size) == g.expect
    # The same work: the two answers differ by JPEG noise and rounding only.
    diff = ImageStat.Stat(ImageChops.difference(signet.convert("RGB"), limit.convert("RGB")))
    assert max(diff.mean) < 4
    assert max(signet.convert("RGB").getpixel((2, 100))) < 20  # the black border


def test_nine_patch_frame_has_guides_and_a_ring() -> None:
    frame = nine_patch_frame(5)
    assert frame.size == (13, 13)
    assert frame.getpixel((6, 0))[3] == 255 and frame.getpixel((1, 0))[3] == 0  # stretch guide
    assert frame.getpixel((6, 6))[3] == 0  # the centre, where the picture goes
    assert frame.getpixel((1, 1)) == (0, 0, 0, 255)
