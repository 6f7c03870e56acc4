"""Chain: the stages of a render, each a TransformSpec run on the output of the one before.

ImageKit chains transformations (`tr=w-400,h-300:rt-90:w-200`): each step works on the
result of the step before. The imgix dialect is always one stage. The output options
(format, quality) belong to the answer, not to a stage: the parser puts them on the last
stage, so `chain.final.output` is what the answer is encoded with, and earlier stages
leave the pixels as a lossless intermediate would (the pipeline passes the image on).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from transforms.spec.overlay import Overlay
from transforms.spec.transform import TransformSpec

# Each stage is a full pass over the pixels (bounded by the output limit on its own), so
# the number of stages is what bounds the work of one URL; checked before anything runs.
MAX_STAGES = 10


@dataclass(frozen=True)
class Chain:
    """The stages in order; never empty."""

    stages: tuple[TransformSpec, ...]

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError("a chain has at least one stage")

    @classmethod
    def of(cls, spec: TransformSpec) -> Chain:
        return cls((spec,))

    @property
    def final(self) -> TransformSpec:
        """The last stage: it carries the output options (format, quality, orig-true)."""
        return self.stages[-1]

    @property
    def original(self) -> bool:
        return self.final.original

    @property
    def default_image(self) -> str | None:
        """The path answered for a missing original (ImageKit's di-), or None."""
        return self.final.default_image

    @property
    def overlays(self) -> tuple[Overlay, ...]:
        """Every stage's overlays, in drawing order, each followed by the layers nested in
        it (ImageKit's layers inside layers): the app fetches their images first."""
        if len(self.stages) == 1 and not any(o.layer for o in self.final.overlays):
            return self.final.overlays
        return tuple(_nested(overlay for stage in self.stages for overlay in stage.overlays))

    def canonical(self) -> str:
        """A stable string for cache keys and ETags: equal chains, equal strings.

        One stage is its spec's own string, so a single-stage URL keeps the ETag it had
        before chains existed. Several are length-prefixed: a text layer's free text can
        hold any separator, and two different chains must never share a key.
        """
        cached = self.__dict__.get("_canonical")
        if cached is None:
            if len(self.stages) == 1:
                cached = self.final.canonical()
            else:
                texts = [stage.canonical() for stage in self.stages]
                cached = "stages=" + "".join(f"{len(t)}:{t};" for t in texts)
            object.__setattr__(self, "_canonical", cached)
        return cached


def _nested(overlays: Iterable[Overlay]) -> Iterator[Overlay]:
    for overlay in overlays:
        yield overlay
        for stage in overlay.layer:
            yield from _nested(stage.overlays)
