"""The last stages of an image request: look up (name the answer by its ETag, without
reading the original where the source can tell its validator), render (fetch and
transform, or the result cache) and the answer's headers; app.service runs them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from starlette.requests import Request

from app.default_image import HEADER as DEFAULT_IMAGE_HEADER
from app.default_image import default_path
from app.marks import MarkRequest, fetch_marks, spec_images, with_marks
from app.referer import add_referer_vary
from app.rendering import render_cached
from app.request import Target, Wanted, refuse_private
from app.responses import cache_control, http_date, make_etag
from app.runtime import Runtime, SourceRuntime
from sources.base import NotFound, Original, Peek
from transforms.custom_focus import uses_custom_focus, with_custom_focus
from transforms.delivery import add_output_headers
from transforms.formats import choose_format, may_animate, sniff
from transforms.marks import MarkData
from transforms.pipeline import render
from transforms.spec import Chain


@dataclass(frozen=True)
class Found:
    """What the look-up found: the answer's ETag (the result cache's key) and format."""

    etag: str
    fmt: str
    negotiated: bool  # the format came from Accept
    peek: Peek
    original: Original | None  # when it had to be fetched to be named
    marks: dict[str, MarkData]
    chain: Chain  # the URL's, with what depends on the original resolved (fo-custom)


async def look_up(
    request: Request, runtime: Runtime, target: Target, wanted: Wanted, signed: bool
) -> Found:
    """Name the answer. The original's validator comes from a peek where the source can
    tell it cheaply (then the original is read only if the render is not cached), else
    from fetching it; the marks' validators join it, so a new logo is a new ETag."""
    src, path, chain = target.src, wanted.path, wanted.chain
    original = None
    peek = await runtime.peek(src, path)
    if peek is None:
        # Admitted by the limiter before it is read: past the queue limit, 503 at once.
        original = await runtime.limiter.read(lambda: runtime.fetch(src, path))
        peek = Peek.of(original)
        original = runtime.keep(src, path, original)
    if peek.private:
        refuse_private(signed)
    if uses_custom_focus(chain):  # ImageKit's fo-custom: the file's own coordinates
        focus = peek.focus
        chain = with_custom_focus(chain, focus and focus.box, focus and focus.size)
    overlays = chain.overlays
    images = [image for stage in chain.stages for image in spec_images(stage) if image[1]]
    marks: dict[str, MarkData] = {}
    if overlays or images:  # (most requests have neither: nothing to build or await)
        marks = await fetch_marks(
            MarkRequest(runtime, src, signed, target.signed_path, target.raw_query),
            overlays, images,  # image overlays; mask, blend
        )
    accept = request.headers.get("accept", "")
    fmt, negotiated = choose_format(chain.final, sniff(peek.head), accept, may_animate(peek.head))
    validator = with_marks(peek.validator, marks)
    etag = make_etag(src.name, path, validator, chain.canonical(), fmt)
    return Found(etag, fmt, negotiated, peek, original, marks, chain)


async def find(
    request: Request, runtime: Runtime, target: Target, wanted: Wanted, signed: bool
) -> tuple[Wanted, Found]:
    """look_up, or, when the original is missing, the default image's (ImageKit's `di-`,
    the source's `default_image`): the same transformations, marked `wanted.default`."""
    try:
        return wanted, await look_up(request, runtime, target, wanted, signed)
    except NotFound:
        fallback = default_path(target.src, wanted.chain, wanted.path, signed)
        if fallback is None:
            raise
        wanted = replace(wanted, path=fallback, default=True)
        return wanted, await look_up(request, runtime, target, wanted, signed)


async def render_image(
    runtime: Runtime, target: Target, wanted: Wanted, found: Found
) -> tuple[bytes, str]:
    """The rendered bytes and where they came from (X-Signet-Cache)."""

    async def fetch_original() -> bytes:
        # On a miss after a peek: a local file's bytes read under the peek's validator are
        # reused (Runtime.fetch_seen); should the file change between the peek and a read,
        # this render is of the newer bytes, and the next request's peek names it anew.
        if found.original is not None:
            return found.original.data
        seen = found.peek.validator
        return (await runtime.fetch_seen(target.src, wanted.path, seen)).data

    args = (found.chain, found.fmt, runtime.limits, found.marks)
    return await render_cached(runtime, found.etag, fetch_original, render, *args)


def image_headers(src: SourceRuntime, wanted: Wanted, found: Found) -> dict[str, str]:
    headers = {"ETag": found.etag}
    ttl = src.config.default_image_ttl if wanted.default else src.config.ttl
    headers["Cache-Control"] = cache_control(ttl, wanted.seconds_left)
    if wanted.default:
        headers[DEFAULT_IMAGE_HEADER] = "true"
    if found.peek.last_modified is not None:
        headers["Last-Modified"] = http_date(found.peek.last_modified)
    if found.negotiated:
        headers["Vary"] = "Accept"
    add_output_headers(headers, wanted.chain.final, found.fmt, wanted.path)  # dl, ch, fallbacks
    add_referer_vary(headers, src.config)
    return headers
