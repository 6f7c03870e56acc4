"""One exception for every answer that is not an image, and the map from lower layers to it.

The sources and transforms raise their own errors (SourceError, TransformError); the
handlers create_app registers answer them through from_source_error and
from_transform_error, so no code path catches them only to translate.
"""

from __future__ import annotations

from sources import base as src
from transforms.errors import ParamError, TooSlow, TransformError


class HTTPError(Exception):
    """An error answer: status, a plain-text message safe for clients, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


_SOURCE_STATUS: dict[type[src.SourceError], int] = {
    src.NotFound: 404,
    src.BadPath: 400,
    src.Forbidden: 403,
    src.TooLarge: 413,
    src.Unreachable: 502,
    src.TimedOut: 504,
}


def from_source_error(err: src.SourceError) -> HTTPError:
    for kind, status in _SOURCE_STATUS.items():
        if isinstance(err, kind):
            return HTTPError(status, str(err))
    return HTTPError(502, "the source failed")


def from_transform_error(err: TransformError) -> HTTPError:
    if isinstance(err, TooSlow):
        return HTTPError(504, str(err))
    return HTTPError(400 if isinstance(err, ParamError) else 422, str(err))
