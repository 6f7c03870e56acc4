"""An origin only its CDN may call: a shared secret the CDN adds to every request it forwards.

imgproxy's `IMGPROXY_SECRET` is the model: the CDN sends `Authorization: Bearer <secret>`
(or the secret itself in another header, `[server] origin_header`), and a request
without it answers 403 before any work: before routing to the image handler, before a
signature is checked or an original read. `/healthz` and `/readyz` stay open for the
load balancer's and the orchestrator's probes, which do not carry the secret, and so does
a media source's file API (app.media), which authenticates its callers with the source's
key on the same `Authorization` header.

The secrets are set per server (`[server] origin_secrets`) and may be overridden per
source (`origin_secrets` on the source: its own list, or `[]` for none). Several may be
listed (rotation: any one admits). They are key references (`env:NAME`, `file:PATH`),
compared in constant time against every listed value, and never logged or echoed.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config_messages import source_key
from app.errors import HTTPError
from app.keys import resolve_key
from app.media.routes import is_media_path
from app.responses import error_response
from app.runtime import Runtime
from app.settings import Settings

OPEN_PATHS = frozenset({"/healthz", "/readyz"})  # probes: no secret, no information
REFUSAL = "this origin answers only its CDN"


def _expected(header: str, secret: bytes) -> bytes:
    # RFC 7235: the auth scheme is case-insensitive; compared lower-cased on both sides.
    return b"bearer " + secret if header == "authorization" else secret


@dataclass(frozen=True)
class OriginGuard:
    """The resolved secrets: the header's expected values, for the server and per source."""

    header: bytes
    server: tuple[bytes, ...] = field(repr=False)
    per_source: dict[str, tuple[bytes, ...]] = field(repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> OriginGuard | None:
        """Resolve the references; None when no secret is configured anywhere.

        Raises ConfigError naming the key (`server.origin_secrets.0`) when one cannot be read.
        """
        header = settings.server.origin_header.lower()

        def values(refs: Sequence[str], where: str) -> tuple[bytes, ...]:
            return tuple(
                _expected(header, resolve_key(ref, f"{where}.{i}")) for i, ref in enumerate(refs)
            )

        server = values(settings.server.origin_secrets, "server.origin_secrets")
        per_source = {
            cfg.name: values(cfg.origin_secrets, f"{source_key(cfg.name)}.origin_secrets")
            for cfg in settings.sources
            if cfg.origin_secrets is not None
        }
        if not server and not any(per_source.values()):
            return None
        return cls(header.encode(), server, per_source)

    def admits(self, secrets: tuple[bytes, ...], given: list[bytes]) -> bool:
        """True when no secret is required, or a given header value matches one of them."""
        if not secrets:
            return True
        match = False
        for value in given:
            if self.header == b"authorization":
                scheme, _, rest = value.partition(b" ")
                value = scheme.lower() + b" " + rest.strip()
            for secret in secrets:  # every one is compared, so timing does not tell which
                match |= hmac.compare_digest(value, secret)
        return match


class OriginAuth:
    """Pure ASGI middleware: 403 for a request without the origin secret its source needs."""

    def __init__(self, app: ASGIApp, guard: OriginGuard, runtime: Runtime) -> None:
        self.app = app
        self.guard = guard
        self.runtime = runtime

    def _secrets_for(self, scope: Scope, host: str) -> tuple[bytes, ...]:
        raw = scope.get("raw_path")
        raw_path = raw.decode("latin-1") if raw else quote(scope["path"])
        route = self.runtime.route(host, raw_path)
        if route is not None and route.source.config.media_api and is_media_path(route.rel_path):
            # ImageKit's file API: backends call it directly, not through the CDN, and it
            # has its own authentication (the source's key, on this same Authorization).
            return ()
        if route is not None and route.source.name in self.guard.per_source:
            return self.guard.per_source[route.source.name]
        return self.guard.server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        host, given = "", []
        for name, value in scope["headers"]:
            if name == self.guard.header:
                given.append(value)
            elif name == b"host":
                host = value.decode("latin-1")
        if self.guard.admits(self._secrets_for(scope, host), given):
            await self.app(scope, receive, send)
            return
        await error_response(HTTPError(403, REFUSAL))(scope, receive, send)


def origin_middleware(settings: Settings, runtime: Runtime) -> list[Middleware]:
    """The middleware for `create_app`, outermost; none when no secret is configured.

    Resolves the secrets now, so a reference that cannot be read fails at start-up.
    """
    guard = OriginGuard.from_settings(settings)
    return [] if guard is None else [Middleware(OriginAuth, guard=guard, runtime=runtime)]
