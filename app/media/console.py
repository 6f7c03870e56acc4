"""The web console's routes, on the console's own listener only (app.media.listener):
the page and its script, the list of media sources, and URL signing (one URL or many).

The page calls the media API (`/{source}/v1/files...`) with the private key the user logs
in with, as HTTP Basic; the key stays in the tab's sessionStorage. Signing happens here,
with the key the source already holds: the request must carry one of its keys.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from app.media.auth import check_private_key
from app.media.errors import MediaError, bad_field, error_json
from app.media.files import json_body
from app.runtime import Runtime, SourceRuntime
from app.signing_imagekit import sign_imagekit_url

STATIC = Path(__file__).parent / "console"
FILES = {"": "index.html", "console.js": "console.js", "console.css": "console.css"}
MAX_SIGN_BODY = 16 << 20  # bytes: the "Sign URLs" tool has no count limit, only this
MAX_EXPIRES_IN = 10 * 365 * 86400


async def _static(request: Request) -> Response:
    name = FILES.get(request.path_params.get("name", ""))
    if name is None:
        return error_json(MediaError(404, "no such console file"))
    return FileResponse(STATIC / name, headers={"Cache-Control": "no-store"})


def _media_sources(runtime: Runtime, request: Request) -> dict[str, SourceRuntime]:
    media = request.app.state.media
    return {name: runtime.sources[name] for name in media.stores}


async def _sources(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    listed = [{"name": name} for name in _media_sources(runtime, request)]
    return JSONResponse(listed, headers={"Cache-Control": "no-store"})


def endpoint_for(
    src: SourceRuntime, public_url: str, origin: str, preview: bool
) -> tuple[str, str]:
    """(URL endpoint, its path) for signing: the console's own address for previews;
    for URLs to hand out, the source's domain or the public address with its prefix."""
    domains = [d for d in src.config.domains if not d.startswith("*.")]
    if not preview and domains:
        scheme = urlsplit(public_url).scheme or "https"
        return f"{scheme}://{domains[0]}", "/"
    base = origin if preview or not public_url else public_url
    return f"{base}/{src.name}", f"/{src.name}/"


def _signed(path: str, tr: str, endpoint: str, endpoint_path: str, key: bytes,
            expires: int | None) -> str:
    path = path.strip()
    if path.startswith(("http://", "https://")):
        path = urlsplit(path).path
        if path.startswith(endpoint_path):
            path = path[len(endpoint_path) :]
    url = endpoint + "/" + quote(path.lstrip("/"), safe="/")
    if tr:
        url += "?tr=" + quote(tr, safe=",:-.")
    return sign_imagekit_url(url, key, endpoint_path=endpoint_path, expires=expires)


async def _sign(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        body = await json_body(request, MAX_SIGN_BODY)
        src = _media_sources(runtime, request).get(str(body.get("source")))
        if src is None:
            raise bad_field("source", "no media source has this name")
        check_private_key(src.keys, request.headers.get("authorization"))
        paths = body.get("paths")
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise bad_field("paths", "must be a list of paths")
        tr = body.get("tr") or ""
        if not isinstance(tr, str) or any(c in tr for c in "?&#/ "):
            raise bad_field("tr", "a transformation such as w-300,h-200")
        expires_in = body.get("expiresIn")
        if expires_in is not None and (
            not isinstance(expires_in, int) or not 0 < expires_in <= MAX_EXPIRES_IN
        ):
            raise bad_field("expiresIn", f"seconds, from 1 to {MAX_EXPIRES_IN}")
        expires = int(time.time()) + expires_in if expires_in else None
        origin = f"{request.url.scheme}://{request.headers.get('host', 'localhost')}"
        endpoint, endpoint_path = endpoint_for(
            src, runtime.settings.console.public_url, origin, bool(body.get("preview"))
        )
        key = src.keys[0]  # the first key signs
        urls = [_signed(p, tr, endpoint, endpoint_path, key, expires) for p in paths if p.strip()]
    except MediaError as err:
        return error_json(err)
    return JSONResponse({"urls": urls}, headers={"Cache-Control": "no-store"})


def console_routes() -> list[Route]:
    return [
        Route("/console/api/sources", _sources, methods=["GET"]),
        Route("/console/api/sign", _sign, methods=["POST"]),
        Route("/console/", _static, methods=["GET"]),
        Route("/console/{name}", _static, methods=["GET"]),
    ]
