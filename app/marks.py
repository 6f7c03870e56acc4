"""Fetching the originals of a request's image overlays (watermarks) before rendering.

A mark is `path` in the request's own source, or `source-name:path` in another
configured one (a remote URL only through a web_proxy source: `proxy:https://...`).
It goes through the same path checks and the same originals cache as any image,
and through the same access rules: a private image, or one from a source that
demands signatures, can only be a mark on a URL that source would have accepted.
Otherwise an unsigned URL could show a secret image as the watermark of a public one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

import anyio

from app.errors import HTTPError
from app.runtime import FETCH_MARGIN, Runtime, SourceRuntime
from app.signing import Signature, verify_signature
from sources.base import BadPath, NotFound, SourceError
from transforms.errors import ParamError
from transforms.marks import MarkData
from transforms.spec import Overlay, TransformSpec
from transforms.spec.blend import blend_image
from transforms.spec.frame import mask_image

_REMOTE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/")


class MarkRequest:
    """What the marks of one request may reach: the request's source, whether its URL is
    signed, and the path and query its signature covers (to check another source's keys)."""

    def __init__(
        self,
        runtime: Runtime,
        src: SourceRuntime,
        signed: bool,
        signed_path: str,
        raw_query: bytes,
    ) -> None:
        self.runtime = runtime
        self.src = src
        self.signed = signed
        self.signed_path = signed_path
        self.raw_query = raw_query

    def resolve(self, value: str, param: str = "mark") -> tuple[SourceRuntime, str]:
        """The source and decoded path a `mark` value names; 400 naming `param` if it is bad."""
        name, sep, rest = value.partition(":")
        other = self.runtime.sources.get(name) if sep else None
        src, target = (other, rest) if other is not None else (self.src, value)
        if _REMOTE_URL.match(target) and src.config.type != "web_proxy":
            raise HTTPError(
                400, f"{param}: a remote image needs a web_proxy source: write proxy-name:https://..."
            )
        try:
            # path_from_url takes the path as it appears in a URL; the value is decoded.
            return src, src.source.path_from_url(quote(target, safe="/"))
        except BadPath as err:
            raise BadPath(f"{param}: {err}") from None

    def may_use(self, src: SourceRuntime, path: str, private: bool) -> bool:
        """Whether this URL could have fetched `path` from `src` itself."""
        needs_signature = (
            private
            or src.config.is_private_path(path)
            or (src is not self.src and (src.config.secure or src.source.requires_signature))
        )
        if not needs_signature:
            return True
        if src is self.src:
            return self.signed
        state = verify_signature(
            src.config.scheme, src.keys, self.signed_path.encode("latin-1"), self.raw_query
        )
        return state is Signature.VALID

    async def fetch(self, value: str, param: str = "mark") -> MarkData:
        """The image a `mark` (or `mask`: `param`) value names, under the access rules."""
        src, path = self.resolve(value, param)
        refused = HTTPError(
            403, f"{param}: {value} may only be used on URLs signed with a key of source {src.name}"
        )
        if not self.may_use(src, path, private=False):
            raise refused
        try:
            original = await self.runtime.fetch_mark(src, path)
        except NotFound:
            raise ParamError(param, f"no such image: {value}") from None  # a bad parameter
        except SourceError as err:
            # The same error, answered as any (502, 504...), saying it was the mark's.
            raise type(err)(f"{param}: {err}") from None
        if original.private and not self.may_use(src, path, private=True):
            raise refused
        # Unique across sources: two folders may both hold a logo.png with equal mtimes.
        return MarkData(original.data, f"{src.name}:{path}:{original.validator}")


async def fetch_marks(
    request: MarkRequest,
    overlays: Iterable[Overlay],
    images: Iterable[tuple[str, str | None]] = (),
) -> dict[str, MarkData]:
    """Each image overlay's original, and each other image the spec names (`images`:
    (parameter, path or None), e.g. an image `mask` or `blend`), by the path the spec
    names it with. They are all fetched under the rules of a mark, and all of them together
    within `source_timeout` (each fetch is bounded too, but one after another they would
    add up), then 504.
    """
    wanted: dict[str, str] = {}  # path -> the parameter naming it, first one first
    for overlay in overlays:
        if overlay.kind == "image":
            wanted.setdefault(overlay.path, "mark")
    for param, path in images:
        if path is not None:
            wanted.setdefault(path, param)
    marks: dict[str, MarkData] = {}
    if not wanted:
        return marks  # most requests: no cancel scope to enter (issue 16, a cached hit's CPU)
    try:
        with anyio.fail_after(request.runtime.settings.limits.source_timeout + FETCH_MARGIN):
            for path, param in wanted.items():
                marks[path] = await request.fetch(path, param)
    except TimeoutError:
        raise HTTPError(504, "mark: the source did not answer in time") from None
    return marks


def spec_images(spec: TransformSpec) -> list[tuple[str, str | None]]:
    """The images besides marks a spec composites, by parameter: for fetch_marks."""
    return [("mask", mask_image(spec.frame)), ("blend", blend_image(spec.blend))]


def with_marks(validator: str, marks: Mapping[str, MarkData]) -> str:
    """The base image's validator extended by its marks', so a new logo changes the ETag
    (and any cache key built from the validator)."""
    return "+".join([validator, *(marks[path].validator for path in sorted(marks))])
