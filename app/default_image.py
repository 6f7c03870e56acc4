"""The default image: what a URL is answered with when its original is missing.

A URL's own (ImageKit's `di-`, on the chain) comes first, else the source's
`default_image`. It is a path in the same source, rendered with the URL's
transformations; a private path needs a signed URL, as it would on its own. The answer
says so in `X-Signet-Default-Image` and is cached for the source's `default_image_ttl`.
"""

from __future__ import annotations

from urllib.parse import quote

from app.errors import HTTPError
from app.runtime import SourceRuntime
from transforms.spec import Chain

HEADER = "X-Signet-Default-Image"


def default_path(src: SourceRuntime, chain: Chain, missing: str, signed: bool) -> str | None:
    """The source path to answer instead of `missing`, or None when there is none."""
    named = chain.default_image or src.config.default_image
    if not named:
        return None
    path = src.source.path_from_url(quote(named.lstrip("/")))
    if path == missing:
        return None  # the default image is the one missing: a plain 404
    if src.config.is_private_path(path) and not signed:
        raise HTTPError(403, "this image is private: the URL must be signed")
    return path
