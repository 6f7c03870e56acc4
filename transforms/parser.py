"""The parser: what a source's URL asks for, from its query (and ImageKit's path segment).

One entry for both dialects, presets included (imgproxy's options parser does the same):
the app hands over the decoded query pairs and gets a Chain back, or a ParamError naming
the parameter. A `Parser` is built once per source at start-up, from its scheme and its
presets; it is hashable by identity, so the app can cache parses by (parser, query).
"""

from __future__ import annotations

from dataclasses import dataclass

from transforms.dialects.imagekit import parse_imagekit
from transforms.dialects.imgix import parse_params, refuse_unknown
from transforms.dialects.presets import Presets, expand_preset
from transforms.spec import Chain, Limits

DIALECTS = ("imgix", "imagekit")


@dataclass(frozen=True, eq=False)
class Parser:
    """How one source reads its URLs.

    `dialect` is "imgix" (the query API, one stage) or "imagekit" (`tr`, chains);
    `passthrough` are the keys that are not transforms: the signature, the expiry and the
    client library's marker, read by the app and skipped here.
    """

    dialect: str
    presets: Presets
    passthrough: frozenset[str]
    strict_params: bool = False  # names imgix does not define answer 400, not ignored

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {self.dialect!r}")

    def parse(self, path_tr: str | None, pairs: list[tuple[str, str]], limits: Limits) -> Chain:
        """`path_tr` is ImageKit's `/tr:.../` path segment, or None. Raises ParamError."""
        if self.dialect == "imagekit":
            if self.strict_params:
                refuse_unknown(pairs, self.passthrough | {"tr"})
            return parse_imagekit(path_tr, pairs, limits, self.passthrough, self.presets)
        expanded = expand_preset(self.presets, pairs, self.passthrough)
        return Chain.of(parse_params(expanded, limits, self.passthrough, self.strict_params))
