"""The media API's error answers, in ImageKit's shape: a status and `{"message": ...}`."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from app.errors import from_source_error
from sources.base import SourceError


class MediaError(Exception):
    """An answer of the media API that is not a success. The message is safe to show."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def error_json(err: MediaError) -> JSONResponse:
    # No WWW-Authenticate on a 401: a browser would answer it with a login dialog, over
    # the console's own login (and a fetch would hang on it in a headless one).
    headers = {"Cache-Control": "no-store"}
    return JSONResponse({"message": err.message, **err.extra}, err.status, headers=headers)


def bad_field(name: str, why: str) -> MediaError:
    return MediaError(400, f"{name}: {why}")


def from_source(err: SourceError) -> MediaError:
    """A source's failure in the API's shape, with the status the image path gives it."""
    http = from_source_error(err)
    return MediaError(http.status, http.message)
