"""Where the media API answers: under the endpoint of each source with `media_api = true`
(the domain root for a source chosen by domain, `/<source-name>` for one chosen by path),
at the paths ImageKit's SDKs call when given `base_url`:

    POST   {endpoint}/api/v1/files/upload
    GET    {endpoint}/v1/files                       list and search
    GET    {endpoint}/v1/files/{id}/details
    PATCH  {endpoint}/v1/files/{id}/details
    DELETE {endpoint}/v1/files/{id}
    POST   {endpoint}/v1/files/batch/deleteByFileIds
    POST   {endpoint}/v1/files/purge
    GET    {endpoint}/v1/files/purge/{requestId}

On such a source, images at `v1/files/...` and `api/v1/files/upload` are not served.
Every call but a client-side upload needs the private key (HTTP Basic).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.errors import HTTPError
from app.media import files
from app.media.auth import check_private_key
from app.media.errors import MediaError, error_json
from app.media.store import Store, library_for
from app.media.upload import upload
from app.routing import Route
from app.runtime import SOURCE_SCOPE_KEY, Runtime, SourceRuntime

UPLOAD_PATH = "api/v1/files/upload"
FILES_PATH = "v1/files"


def is_media_path(rel_path: str) -> bool:
    path = rel_path.split("?", 1)[0]
    return path == UPLOAD_PATH or path == FILES_PATH or path.startswith(FILES_PATH + "/")


def endpoint_of(request: Request, route: Route[SourceRuntime]) -> str:
    """The URL endpoint the request reached its source through, as the SDKs' `base_url`."""
    host = request.headers.get("host") or "localhost"
    base = f"{request.url.scheme}://{host}"
    return base if route.by_domain else f"{base}/{route.source.name}"


class MediaAPI:
    """The stores of the sources that serve the media API."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.stores: dict[str, Store] = {}
        for name, src in runtime.sources.items():
            if getattr(src.config, "media_api", False):
                library = library_for(src.source)
                assert library is not None  # the settings allow folder and s3 only
                self.stores[name] = Store(library)

    def serves(self, src: SourceRuntime, rel_path: str) -> bool:
        return src.name in self.stores and is_media_path(rel_path)

    async def handle(self, request: Request, route: Route[SourceRuntime]) -> Response:
        src = route.source
        request.scope[SOURCE_SCOPE_KEY] = src.name
        try:
            result = await self._dispatch(request, route, self.stores[src.name])
        except MediaError as err:
            return error_json(err)
        except HTTPError as err:
            return error_json(MediaError(err.status, err.message))
        if result is None:
            return Response(status_code=204, headers={"Cache-Control": "no-store"})
        return JSONResponse(result, headers={"Cache-Control": "no-store"})

    async def _dispatch(self, request: Request, route: Route[SourceRuntime], store: Store) -> Any:
        runtime, src, method = self.runtime, route.source, request.method
        path = route.rel_path.split("?", 1)[0].rstrip("/")
        endpoint = endpoint_of(request, route)
        if path == UPLOAD_PATH:
            if method != "POST":
                raise MediaError(405, "upload with POST")
            return await upload(request, runtime, src, store, endpoint)
        check_private_key(src.keys, request.headers.get("authorization"))
        parts = path.split("/")[2:]  # after v1/files
        if not parts:
            _method(method, "GET")
            return await files.list_files(request, store, endpoint)
        if parts == ["purge"]:
            _method(method, "POST")
            return await files.purge(request, runtime, src, store, endpoint)
        if len(parts) == 2 and parts[0] == "purge":
            _method(method, "GET")
            return files.purge_status(runtime, src, parts[1])
        if parts == ["batch", "deleteByFileIds"]:
            _method(method, "POST")
            return await files.bulk_delete(request, runtime, src, store)
        if len(parts) == 2 and parts[1] == "details":
            if method == "PATCH":
                return await files.update(request, runtime, src, store, parts[0], endpoint)
            _method(method, "GET")
            return await files.details(store, parts[0], endpoint)
        if len(parts) == 1:
            _method(method, "DELETE")
            return await files.delete(runtime, src, store, parts[0])
        raise MediaError(404, "Signet's media API has no such call")


def _method(method: str, expected: str) -> None:
    if method != expected and not (expected == "GET" and method == "HEAD"):
        raise MediaError(405, f"this call takes {expected}")


async def serve_media(request: Request) -> Response:
    """The endpoint for POST, PATCH and DELETE: only the media API takes them."""
    runtime: Runtime = request.app.state.runtime
    media: MediaAPI = request.app.state.media
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    route = runtime.route(request.headers.get("host", ""), raw.decode("latin-1"))
    if route is None or not media.serves(route.source, route.rel_path):
        raise HTTPError(405, "only GET and HEAD are supported", {"Allow": "GET, HEAD"})
    return await media.handle(request, route)
