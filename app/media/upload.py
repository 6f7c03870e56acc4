"""`POST .../api/v1/files/upload`: ImageKit's upload, into the source's library.

Order of work, so that hostile uploads cost little and leave nothing behind:
1. a Content-Length over the bound is refused before a byte is read (413);
2. a Basic header is checked before the body is read (401);
3. the body is read with a running byte count, and refused past the bound (413);
4. the multipart form must be whole (its closing boundary seen), else 400;
5. a client upload's signature, expiry, then its token (used once, across every host);
6. fields are checked (400), the file's size (413), then Signet decodes and renders it
   under the render limiter, with the pixel and frame limits, in a worker thread (400);
7. only then is it written, atomically (sources.library).
"""

from __future__ import annotations

import base64
import binascii
import io
import time
from collections.abc import AsyncGenerator
from typing import Any

from PIL import Image
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request

from app.errors import HTTPError
from app.media import fields
from app.media.auth import check_private_key, check_upload_signature
from app.media.errors import MediaError, bad_field, from_source
from app.media.metadata import file_json
from app.media.store import Store
from app.runtime import Runtime, SourceRuntime
from sources.base import SourceError
from sources.file_meta import FileMeta
from sources.library import AlreadyExists
from transforms.dialects.imgix import parse_params
from transforms.errors import TransformError
from transforms.pipeline import render

FIELD_ALLOWANCE = 1 << 20  # bytes of form fields beside the file
MAX_FIELDS = 64
PROBE_SPEC = [("w", "32"), ("h", "32"), ("fit", "crop")]
# What ImageKit takes and Signet does not do: an honest 400 rather than a silent no-op.
UNSUPPORTED = {
    "extensions": "extensions",
    "transformation": "pre- and post-transformations",
    "webhookUrl": "webhooks",
    "checks": "upload checks",
    "customMetadata": "custom metadata",
    "isPublished": "publication status",
}
TRUE_ONLY = ("overwriteAITags", "overwriteTags", "overwriteCustomMetadata")
RESPONSE_FIELDS = frozenset(
    {
        "tags",
        "customCoordinates",
        "isPrivateFile",
        "embeddedMetadata",
        "isPublished",
        "customMetadata",
        "metadata",
        "selectedFieldsSchema",
    }
)


class _WholeFormParser(MultiPartParser):
    """Starlette's parser, noting whether the closing boundary arrived (a truncated body
    otherwise parses as a form with its last fields missing or cut)."""

    complete = False

    def on_end(self) -> None:
        self.complete = True


def body_limit(max_bytes: int) -> int:
    return max_bytes * 4 // 3 + 4 + FIELD_ALLOWANCE  # a base64 file, and the other fields


async def _capped(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise MediaError(413, f"the upload is over the limit of {limit} bytes")
        yield chunk


async def read_form(request: Request, max_bytes: int) -> FormData:
    limit = body_limit(max_bytes)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise MediaError(413, f"the upload is over the limit of {max_bytes} bytes")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise MediaError(400, "the upload must be multipart/form-data")
    parser = _WholeFormParser(
        request.headers,
        _capped(request, limit),
        max_files=1,
        max_fields=MAX_FIELDS,
        max_part_size=limit,
    )
    try:
        form = await parser.parse()
    except MultiPartException as err:
        raise MediaError(400, f"the multipart body is malformed: {err}") from None
    except ClientDisconnect:
        raise MediaError(400, "the upload ended before its body did") from None
    if not parser.complete:
        await form.close()
        raise MediaError(400, "the multipart body is truncated")
    return form


async def _file_bytes(form: FormData, max_bytes: int) -> bytes:
    value = form.get("file")
    if value is None:
        raise bad_field("file", "missing")
    if isinstance(value, UploadFile):
        data = await value.read(max_bytes + 1)
    else:
        text = value.strip()
        if text.startswith(("http://", "https://")):
            raise bad_field("file", "Signet does not fetch files from URLs; send the bytes")
        if text.startswith("data:") and "," in text:
            text = text.split(",", 1)[1]
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise bad_field("file", "neither a file nor base64") from None
    if len(data) > max_bytes:
        raise MediaError(413, f"the file is over the limit of {max_bytes} bytes")
    if not data:
        raise bad_field("file", "empty")
    return data


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if isinstance(value, UploadFile):
        raise bad_field(name, "must be a plain field, not a file")
    return value


def _response_fields(value: str | None) -> frozenset[str]:
    names = frozenset(v.strip() for v in (value or "").split(",") if v.strip())
    unknown = names - RESPONSE_FIELDS
    if unknown:
        raise bad_field("responseFields", f"unknown field {sorted(unknown)[0]!r}")
    return names


def probe(data: bytes, runtime: Runtime) -> tuple[int, int]:
    """Decode and render the file as Signet would serve it; its stored width and height.
    Raises MediaError(400) for anything Signet could not serve."""
    try:
        spec = parse_params(PROBE_SPEC, runtime.limits, frozenset())
        render(data, spec, "png", runtime.limits)
        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except TransformError as err:
        raise bad_field("file", str(err)) from None
    except Exception:  # noqa: BLE001 - whatever Pillow raises on a hostile file
        raise bad_field("file", "not a decodable image") from None


def authenticate(request: Request, src: SourceRuntime, form: FormData | None) -> str | None:
    """Raise 401 unless the request is the private key's or a valid client upload.
    Returns the client upload's token, which the caller must claim, or None."""
    header = request.headers.get("authorization")
    if header or form is None:
        check_private_key(src.keys, header)
        return None
    token, expire = _field(form, "token"), _field(form, "expire")
    check_upload_signature(src.keys, token, expire, _field(form, "signature"))
    return token


async def upload(request: Request, runtime: Runtime, src: SourceRuntime, store: Store,
                 endpoint: str) -> dict[str, Any]:
    max_bytes = runtime.settings.limits.max_source_bytes
    if request.headers.get("authorization"):
        authenticate(request, src, None)  # before reading the body
    form = await read_form(request, max_bytes)
    try:
        token = authenticate(request, src, form)
        if token is not None and not await store.call(store.library.claim_token, token):
            raise MediaError(401, "this upload token was used before")
        for name, what in UNSUPPORTED.items():
            if _field(form, name) not in (None, ""):
                raise bad_field(name, f"Signet does not support {what}")
        for name in TRUE_ONLY:
            if not fields.boolean(name, _field(form, name), True):
                raise bad_field(name, "Signet always replaces these on overwrite: only true")
        name = fields.file_name(_field(form, "fileName"))
        folder = fields.folder(_field(form, "folder"))
        if fields.boolean("useUniqueFileName", _field(form, "useUniqueFileName"), True):
            name = fields.unique_name(name)
        overwrite = fields.boolean("overwriteFile", _field(form, "overwriteFile"), True)
        wanted = _response_fields(_field(form, "responseFields"))
        meta = FileMeta(
            private=fields.boolean("isPrivateFile", _field(form, "isPrivateFile"), False),
            tags=fields.tags(_field(form, "tags")),
            custom_coordinates=fields.coordinates(
                "customCoordinates", _field(form, "customCoordinates")
            ),
            description=fields.description("description", _field(form, "description")),
            created=time.time(),
        )
        data = await _file_bytes(form, max_bytes)
    finally:
        await form.close()
    try:
        width, height = await runtime.limiter.run(probe, data, runtime)
    except HTTPError as err:  # the render queue is full
        raise MediaError(err.status, err.message) from None
    meta = FileMeta(**{**meta.__dict__, "width": width, "height": height})
    path = f"{folder}/{name}" if folder else name
    try:
        entry = await store.call(store.library.write, path, data, meta, overwrite=overwrite)
    except AlreadyExists:
        raise MediaError(400, f"a file already exists at /{path}") from None
    except ValueError as err:  # metadata too large for S3
        raise bad_field("tags", str(err)) from None
    except SourceError as err:
        raise from_source(err) from None
    runtime.originals.discard((src.name, path))  # this process sees the new file at once
    return file_json(entry, endpoint, wanted, upload=True)
