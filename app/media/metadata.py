"""ImageKit's JSON shapes for files and folders, built from library entries."""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sources.library import Entry, file_id

# Fields an upload answer carries only when `responseFields` names them (ImageKit's rule);
# details and listings always carry them.
OPTIONAL = ("tags", "customCoordinates", "isPrivateFile", "isPublished", "customMetadata",
            "embeddedMetadata", "metadata")


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def file_url(endpoint: str, path: str) -> str:
    return endpoint.rstrip("/") + "/" + quote(path)


def file_json(
    entry: Entry, endpoint: str, wanted: frozenset[str] = frozenset(), *, upload: bool = False
) -> dict[str, Any]:
    meta = entry.meta
    name = entry.path.rsplit("/", 1)[-1]
    fid = entry.file_id
    body: dict[str, Any] = {
        "fileId": fid,
        "name": name,
        "filePath": "/" + entry.path,
        "url": file_url(endpoint, entry.path),
        "fileType": "image",
        "mime": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "size": entry.size,
        "width": meta.width,
        "height": meta.height,
        "description": meta.description,
        "versionInfo": {"id": fid, "name": "Version 1"},
        "tags": list(meta.tags) or None,
        "customCoordinates": meta.custom_coordinates,
        "isPrivateFile": meta.private,
        "isPublished": True,
        "customMetadata": {},
        "embeddedMetadata": {},
    }
    if upload:
        for key in OPTIONAL:
            if key not in wanted:
                body.pop(key, None)
        return body
    body.update(
        {
            "type": "file",
            "createdAt": iso(meta.created or entry.modified),
            "updatedAt": iso(entry.modified),
        }
    )
    return body


def folder_json(path: str) -> dict[str, Any]:
    return {
        "type": "folder",
        "folderId": file_id(path + "/"),
        "name": path.rsplit("/", 1)[-1],
        "folderPath": "/" + path,
        "createdAt": None,
        "updatedAt": None,
    }
