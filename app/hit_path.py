"""The hit path: a pure-ASGI layer that answers a result-cache hit in memory before
Starlette's routing, its Request and its exception handling run.

It sits innermost among the middleware (inside the origin secret's guard and the request
metrics, so both see every request), and runs the image handler's own stages
(app.request: route, verify, parse, client hints; app.answer: look up, headers), not copies of
them, so an answer it gives is the one the full path gives: the same ETag, the same
headers (Cache-Control after the URL's expiry, Vary, Last-Modified, X-Signet-Cache), the
same 304 rule, HEAD without a body. It answers only
- a 304 (If-None-Match matches: the full path never renders for it either), and
- a 200 whose bytes the result cache's memory tier holds;
everything else falls through to the full path: a miss, a hit in a slower tier, a route
of Starlette's own (/healthz, /readyz, /metrics, the console), the media file API,
anything but GET and HEAD. An error the stages raise here is handed on in the scope and
raised by the image handler as it starts, so the full path's exception handlers answer
it (an error's answer is never decided here) and the stages do not run twice for it.

A URL asked again is not looked up again while nothing it depends on can have changed
(`HitPath.looks`, see _Look and _keeps): the same kept plan (app.request.plan), the same
Accept, and the folder's kept look at the file (`recent_peek`, stat_cache_seconds) still
the one the ETag was made from. That halves this layer's own CPU per hit (issue 16:
30 -> 16 us in-process, beside the bare handler's 12).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.answer import Found, find, image_headers
from app.request import Wanted, is_kept, plan, with_client_hints
from app.responses import etag_matches
from app.runtime import Runtime, SourceRuntime
from transforms.formats import CONTENT_TYPES

CATCH_ALL = "/{path:path}"  # the image handler's route (app.service)
EARLY_ERROR_KEY = "signet.hit_path_error"  # in the scope: what the stages raised here
LOOKED_UP_KEY = "signet.hit_path_looked_up"  # in the scope: (target, wanted, found) of a miss
LOOKS = 4096  # look-ups kept (_Look), least recently used first out


@dataclass(frozen=True)
class _Look:
    """A look-up kept for the next request that plans to the same `wanted` with the same
    Accept: it stands while the source's kept look at the file is still `found.peek`
    (the same object: nothing about the file has been looked at since), so the ETag and
    the headers made from it are what find() and image_headers() would make again."""

    wanted: Wanted
    found: Found
    headers: dict[str, str]


class _Incoming:
    """What the stages read of a request: its scope and its headers (no Starlette Request:
    it is what this layer saves building)."""

    __slots__ = ("headers", "scope")

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.headers = Headers(scope=scope)


class HitPath:
    def __init__(
        self, app: ASGIApp, runtime: Runtime, reserved: frozenset[str], prefixes: tuple[str, ...]
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.reserved = reserved  # the paths that Starlette's own routes take
        self.prefixes = prefixes  # and the starts of those with a parameter (/console/{name})
        self.answered = 0  # the requests this layer answered (the others fell through)
        self.looks: OrderedDict[tuple[int, str], _Look] = OrderedDict()

    def _takes(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        path = scope["path"]
        return path not in self.reserved and not path.startswith(self.prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._takes(scope):
            await self.app(scope, receive, send)
            return
        try:
            response = await self._answer(_Incoming(scope))
        except Exception as err:  # noqa: BLE001 - the full path answers every error
            # The image handler raises it at once (app.service.serve_image), so its own
            # exception handlers answer it and the work is not done twice (a stalled
            # disk's 504 after one source_timeout, not two).
            scope[EARLY_ERROR_KEY] = err
            response = None
        if response is None:
            await self.app(scope, receive, send)
            return
        self.answered += 1
        await response(scope, receive, send)

    async def _answer(self, request: _Incoming) -> Response | None:
        runtime = self.runtime
        planned = plan(request, runtime, request.scope["app"].state.media.serves)  # type: ignore[arg-type]
        if planned is None:
            return None  # the media file API's
        target, signed, wanted = planned
        if not self._named_cheaply(target.src, wanted.path):
            return None  # naming it means fetching it: left to the full path, done once
        key = (id(wanted), request.headers.get("accept", ""))
        look = self.looks.get(key)
        recent = getattr(target.src.source, "recent_peek", None)
        if (look is not None and look.wanted is wanted and recent is not None
                and recent(wanted.path) is look.found.peek):
            self.looks.move_to_end(key)
            found, headers = look.found, dict(look.headers)
        else:
            planned_wanted = wanted
            wanted = with_client_hints(wanted, request, runtime.limits)  # type: ignore[arg-type]
            wanted, found = await find(request, runtime, target, wanted, signed)  # type: ignore[arg-type]
            headers = image_headers(target.src, wanted, found)
            if (wanted is planned_wanted and recent is not None and _keeps(wanted, found)
                    and is_kept(request, runtime, wanted)):  # type: ignore[arg-type]
                self._keep(key, _Look(wanted, found, dict(headers)))
        if etag_matches(request.headers.get("if-none-match"), found.etag):
            return Response(status_code=304, headers=headers)
        hit = runtime.results.hot(found.etag)
        if hit is None:
            # The full path renders from here: it takes the look-up over, not doing it again.
            request.scope[LOOKED_UP_KEY] = (target, wanted, found)
            return None
        body, headers["X-Signet-Cache"] = hit
        return Response(body, 200, headers=headers, media_type=CONTENT_TYPES[found.fmt])

    def _keep(self, key: tuple[int, str], look: _Look) -> None:
        self.looks[key] = look
        while len(self.looks) > LOOKS:
            self.looks.popitem(last=False)

    def _named_cheaply(self, src: SourceRuntime, path: str) -> bool:
        """Whether the look-up names the original without fetching it (Runtime.peek)."""
        if src.source.cache_originals:
            return self.runtime.originals.get((src.name, path)) is not None
        return getattr(src.source, "peek", None) is not None


def _keeps(wanted: Wanted, found: Found) -> bool:
    """Whether a look-up may be kept (_Look): its answer depends only on the planned URL,
    the Accept header and the file's look. Not an expiring URL (its Cache-Control counts
    down, and its plan's `wanted` is made anew each time), client hints (other headers
    choose the size), marks (the logos' own looks), a default image, nor an original
    that had to be read to be named."""
    return (wanted.expires is None and not wanted.default and not found.marks
            and found.original is None and not wanted.chain.final.output.ch)


def hit_path_middleware(runtime: Runtime, routes: Sequence[BaseRoute]) -> list[Middleware]:
    """The layer for create_app, last in its middleware list (innermost). `routes`: the
    app's; those other than the image handler's catch-all are left to Starlette."""
    paths = [r.path for r in routes if isinstance(r, Route) and r.path != CATCH_ALL]
    reserved = frozenset(p for p in paths if "{" not in p)
    prefixes = tuple(p.split("{", 1)[0] for p in paths if "{" in p)
    return [Middleware(HitPath, runtime=runtime, reserved=reserved, prefixes=prefixes)]
