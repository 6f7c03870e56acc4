"""ImageKit's file calls: list and search, details, update, delete one or many, purge.

A purge bumps the file's generation in its metadata (sidecar or S3 object metadata). The
generation is part of the original's validator, so of every render's cache key and ETag:
every render of the file in the memory, disk and S3 tiers, on every worker and host, is
unreachable at once and ages out under the tiers' own eviction. No tier is scanned or
listed, and no host needs telling. A source that keeps originals in the per-process
originals cache (S3) sees the new generation in other processes when their copy expires
(`limits.originals_cache_ttl`), so its purge status is `Pending` until then.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from app.media import fields
from app.media.errors import MediaError, bad_field, from_source
from app.media.metadata import file_json, folder_json
from app.media.search import parse_query
from app.media.store import Store
from app.runtime import Runtime, SourceRuntime
from sources.base import SourceError
from sources.library import Entry, TooManyFiles, file_id, path_of_id
from transforms.dialects.imagekit import split_path_transforms

MAX_LIMIT = 1000  # ImageKit's own bound and default
MAX_JSON = 1 << 20  # bytes of a JSON body
MAX_BULK = 100  # ids per bulk delete, as ImageKit
SORTS = {
    "NAME": lambda e: e.path.rsplit("/", 1)[-1],
    "CREATED": lambda e: e.meta.created or e.modified,
    "UPDATED": lambda e: e.modified,
    "SIZE": lambda e: e.size,
    "WIDTH": lambda e: e.meta.width or 0,
    "HEIGHT": lambda e: e.meta.height or 0,
}
LIST_PARAMS = frozenset({"path", "searchQuery", "fileType", "type", "sort", "skip", "limit"})
UPDATABLE = frozenset({"tags", "customCoordinates", "description"})


def _int_param(request: Request, name: str, default: int, top: int) -> int:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit() or int(value) > top:
        raise bad_field(name, f"must be a whole number from 0 to {top}")
    return int(value)


async def _lookup(store: Store, fid: str) -> Entry:
    try:
        path = path_of_id(fid)
        entry = await store.call(store.library.stat, path)
    except SourceError as err:
        raise from_source(err) from None
    if entry is None:
        raise MediaError(404, "no file has this id")
    return entry


async def list_files(request: Request, store: Store, endpoint: str) -> list[dict[str, Any]]:
    params = request.query_params
    unknown = set(params.keys()) - LIST_PARAMS
    if unknown:
        raise bad_field(sorted(unknown)[0], "not supported here; use searchQuery")
    kind = params.get("type") or "file"
    if kind not in ("file", "folder", "all", "file-version"):
        raise bad_field("type", "must be file, folder, all or file-version")
    file_type = params.get("fileType") or "all"
    if file_type not in ("all", "image", "non-image"):
        raise bad_field("fileType", "must be all, image or non-image")
    sort = params.get("sort") or "ASC_CREATED"
    order, _, key = sort.partition("_")
    if order not in ("ASC", "DESC") or key not in SORTS:
        raise bad_field("sort", "must be ASC_ or DESC_ with NAME, CREATED, UPDATED, SIZE, ...")
    skip = _int_param(request, "skip", 0, 10**9)
    limit = _int_param(request, "limit", MAX_LIMIT, MAX_LIMIT) or MAX_LIMIT
    match = parse_query(params.get("searchQuery") or "")
    raw_path = params.get("path")
    folder = fields.folder(raw_path) if raw_path else ""
    # With `path`, that folder only; without it, every file (ImageKit's reading of `path`).
    recursive = raw_path is None and kind == "file"
    try:
        entries, folders = await store.call(store.library.list, folder, recursive)
    except TooManyFiles as err:
        raise MediaError(400, f"too many files to list ({err}): narrow it with `path`") from None
    except SourceError as err:
        raise from_source(err) from None
    files = [] if kind in ("folder", "file-version") or file_type == "non-image" else entries
    files = sorted((e for e in files if match(e)), key=SORTS[key], reverse=order == "DESC")
    listed: list[dict[str, Any]] = []
    if kind in ("folder", "all"):
        listed += [folder_json(f) for f in sorted(folders)]
    listed += [file_json(e, endpoint) for e in files]
    return listed[skip : skip + limit]


async def details(store: Store, fid: str, endpoint: str) -> dict[str, Any]:
    return file_json(await _lookup(store, fid), endpoint)


async def update(
    request: Request, runtime: Runtime, src: SourceRuntime, store: Store, fid: str, endpoint: str
) -> dict[str, Any]:
    body = await json_body(request)
    unknown = set(body) - UPDATABLE
    if unknown:
        raise bad_field(sorted(unknown)[0], "only tags, customCoordinates, description change")
    entry = await _lookup(store, fid)
    meta = entry.meta
    if "tags" in body:
        tags = body["tags"]
        if tags is not None and (
            not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)
        ):
            raise bad_field("tags", "must be a list of strings or null")
        meta = replace(meta, tags=fields.tag_list("tags", tags))
    if "customCoordinates" in body:
        coords = body["customCoordinates"]
        if coords is not None and not isinstance(coords, str):
            raise bad_field("customCoordinates", "must be a string or null")
        coords = fields.coordinates("customCoordinates", coords)
        if coords != meta.custom_coordinates:  # a render with fo-custom changes: a new key
            meta = replace(meta, custom_coordinates=coords, generation=meta.generation + 1)
    if "description" in body:
        if not isinstance(body["description"], str):
            raise bad_field("description", "must be a string")
        meta = replace(meta, description=fields.description("description", body["description"]))
    try:
        await store.call(store.library.update_meta, entry.path, meta)
    except SourceError as err:
        raise from_source(err) from None
    runtime.originals.discard((src.name, entry.path))
    return await details(store, fid, endpoint)


async def delete(runtime: Runtime, src: SourceRuntime, store: Store, fid: str) -> None:
    entry = await _lookup(store, fid)
    try:
        await store.call(store.library.delete, entry.path)
    except SourceError as err:
        raise from_source(err) from None
    runtime.originals.discard((src.name, entry.path))


async def bulk_delete(
    request: Request, runtime: Runtime, src: SourceRuntime, store: Store
) -> dict[str, Any]:
    body = await json_body(request)
    ids = body.get("fileIds")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise bad_field("fileIds", "must be a list of file ids")
    if len(ids) > MAX_BULK:
        raise bad_field("fileIds", f"at most {MAX_BULK} at a time")
    found, missing = [], []
    for fid in dict.fromkeys(ids):
        try:
            found.append(await _lookup(store, fid))
        except MediaError:
            missing.append(fid)
    if missing:  # ImageKit deletes nothing then, and names what it did not find
        raise MediaError(404, "some files were not found", missingFileIds=missing)
    for entry in found:
        await delete(runtime, src, store, entry.file_id)
    return {"successfullyDeletedFileIds": [e.file_id for e in found]}


def _path_of_url(url: str, src: SourceRuntime, endpoint: str) -> str:
    parts, base = urlsplit(url), urlsplit(endpoint)
    prefix = base.path.rstrip("/") + "/"
    if parts.netloc and parts.netloc.lower() != base.netloc.lower():
        raise bad_field("url", "is not a URL of this endpoint")
    if not parts.path.startswith(prefix):
        raise bad_field("url", "is not a URL of this endpoint")
    rel, _ = split_path_transforms(parts.path[len(prefix) :])
    try:
        return src.source.path_from_url(rel)
    except SourceError as err:
        raise bad_field("url", str(err)) from None


async def purge(
    request: Request, runtime: Runtime, src: SourceRuntime, store: Store, endpoint: str
) -> dict[str, Any]:
    body = await json_body(request)
    url = body.get("url")
    if not isinstance(url, str) or not url:
        raise bad_field("url", "missing")
    path = _path_of_url(url, src, endpoint)
    entry = await _lookup(store, file_id(path))
    meta = replace(entry.meta, generation=entry.meta.generation + 1)
    try:
        await store.call(store.library.update_meta, entry.path, meta)
    except SourceError as err:
        raise from_source(err) from None
    runtime.originals.discard((src.name, entry.path))
    return {"requestId": f"{entry.file_id}.{int(time.time())}"}


def purge_status(runtime: Runtime, src: SourceRuntime, request_id: str) -> dict[str, Any]:
    fid, _, stamp = request_id.rpartition(".")
    if not fid or not stamp.isdigit() or len(stamp) > 12:
        raise MediaError(404, "no purge request has this id")
    try:
        path_of_id(fid)
    except SourceError:
        raise MediaError(404, "no purge request has this id") from None
    settled = int(stamp)
    if src.source.cache_originals:  # other processes drop their copy within the TTL
        settled += int(runtime.settings.limits.originals_cache_ttl) + 1
    return {"status": "Completed" if time.time() >= settled else "Pending"}


async def json_body(request: Request, max_bytes: int = MAX_JSON) -> dict[str, Any]:
    """The request's body as a JSON object, read up to `max_bytes` (413 past them)."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_bytes:
            raise MediaError(413, f"the body is over {max_bytes} bytes")
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise MediaError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise MediaError(400, "the body must be a JSON object")
    return body
