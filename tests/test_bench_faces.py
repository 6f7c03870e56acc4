"""bench workload (k) is well formed: distinct originals, Signet's path, one detection."""

from __future__ import annotations

from bench import faces
from bench.workloads import WORKLOADS
from transforms.faces import digest


def test_the_originals_are_distinct_contents_of_one_picture(tmp_path) -> None:
    names = faces.write_originals(tmp_path, 3)
    contents = [(tmp_path / n).read_bytes() for n in names]
    assert len({digest(c) for c in contents}) == 3
    from PIL import Image

    pictures = {Image.open(tmp_path / n).convert("RGB").tobytes() for n in names}
    assert len(pictures) == 1  # only the JPEG comment differs
    assert Image.open(tmp_path / names[0]).size == (2400, 1600)


def test_the_dry_path_renders_both_sizes_and_detects_once(tmp_path) -> None:
    assert "one detection" in faces.dry(tmp_path)


def test_the_workload_is_listed_and_not_a_wrk_run() -> None:
    (k,) = [w for w in WORKLOADS if w.key == "k"]
    assert k.kind == "faces" and "crop=faces" in k.signet_query and "/smart/" in k.thumbor_path
