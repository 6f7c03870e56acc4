"""Presets: named parameter sets a source defines, `?preset=NAME` (imgix) or `n-NAME` (ImageKit).

A preset is a query string in imgix parameter names. Both dialects expand it while they
parse, so a preset URL is an ordinary spec (same bytes, same ETag as its expansion). The
URL's own parameters apply on top, unless the source sets `preset_override = false`: then
a parameter the preset sets answers 400, and so does any option of a layer it draws. With
`strict = true` a source renders its presets and nothing else, which bounds the variants a
client can make it compute (and cache) even when its URLs are not signed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from transforms.dialects.imgix import parse_params
from transforms.dialects.imgix_adjust import ADJUST_PARAMETERS
from transforms.dialects.imgix_blend import BLEND_PARAMETERS
from transforms.dialects.imgix_frame import FRAME_PARAMETERS
from transforms.dialects.imgix_names import ALIASES
from transforms.dialects.imgix_overlay import OVERLAY_PARAMETERS
from transforms.errors import ParamError
from transforms.query import split_query
from transforms.spec import Limits, TransformSpec

PRESET_KEY = "preset"
PRESET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# A preset sets transforms only: never a signature, an expiry or another preset.
NOT_PRESETTABLE = frozenset({PRESET_KEY, "s", "expires", "ixlib", "ik-s", "ik-t"})
STRICT = "not allowed: this source serves only its presets"
Pairs = list[tuple[str, str]]


@dataclass(frozen=True, eq=False)
class Presets:
    """A source's presets, read once at start-up (`check_preset` has vetted each)."""

    named: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    override: bool = True  # a URL may change what its preset sets
    strict: bool = False  # a URL must use a preset, and may add nothing to it

    @classmethod
    def from_queries(
        cls, queries: Mapping[str, str], override: bool = True, strict: bool = False
    ) -> Presets:
        named = {name: tuple(preset_pairs(query)) for name, query in queries.items()}
        return cls(named, override, strict)

    def pairs(self, name: str, key: str = PRESET_KEY) -> Pairs:
        """A preset's parameters; 400 naming `key` for a name this source does not have."""
        found = self.named.get(name)
        if found is None:
            raise ParamError(key, f"this source has no preset named {name!r}")
        return list(found)


def preset_pairs(query: str) -> Pairs:
    """A preset's parameters: the same form-encoded syntax as a URL's query."""
    return split_query(query.encode())


def check_preset(name: str, query: str, limits: Limits) -> None:
    """Refuse a bad preset (at start-up): ValueError for its name, ParamError for its query."""
    if not PRESET_NAME.fullmatch(name):
        raise ValueError("a preset name is letters, digits, - and _")
    pairs = preset_pairs(query)
    for key, _ in pairs:
        if key in NOT_PRESETTABLE:
            raise ParamError(key, "cannot be set by a preset")
    parse_params(pairs, limits, strict=True)  # a typo in a preset is refused


def named_spec(presets: Presets, name: str, limits: Limits) -> TransformSpec:
    """A preset as a spec of its own (ImageKit's `n-NAME` in the middle of a chain)."""
    return parse_params(presets.pairs(name, "n"), limits)


def expand_preset(presets: Presets, pairs: Pairs, passthrough: frozenset[str]) -> Pairs:
    """Replace `preset=NAME` with the preset's parameters, then the URL's own.

    Explicit parameters override the preset's unless overriding is off (then 400 naming
    the parameter); a strict source takes none at all but `passthrough` (the signature,
    the expiry). Raises ParamError.
    """
    names = [value for key, value in pairs if key == PRESET_KEY]
    explicit = [(key, value) for key, value in pairs if key != PRESET_KEY]
    if not names:
        if presets.strict:
            extra = next((key for key, _ in explicit if key not in passthrough), PRESET_KEY)
            raise ParamError(extra, STRICT)
        return pairs
    if len(names) > 1:
        raise ParamError(PRESET_KEY, "given more than once")
    expansion = presets.pairs(names[0])
    # By imgix's own names: `malph` in a URL is the preset's `mark-alpha`.
    fixed = fixed_keys({ALIASES.get(key, key) for key, _ in expansion})
    for key, _ in explicit:
        if key in passthrough:
            continue
        if presets.strict:
            raise ParamError(key, STRICT)
        if ALIASES.get(key, key) in fixed and not presets.override:
            raise ParamError(
                key, f"set by preset {names[0]!r}, which this source does not let a URL change"
            )
    given = {ALIASES.get(key, key) for key, _ in explicit}
    return [pair for pair in expansion if ALIASES.get(pair[0], pair[0]) not in given] + explicit


# Parameters with options of their own (`mark-alpha`, `blend-alpha`, `border-top`, ...).
LAYERED = {**OVERLAY_PARAMETERS, **ADJUST_PARAMETERS, **FRAME_PARAMETERS, **BLEND_PARAMETERS}


def fixed_keys(preset_keys: set[str]) -> set[str]:
    """What a URL may not set when overriding is off: the preset's keys, and every option
    of a layer the preset draws, or `mark-alpha=0` would strip the preset's watermark
    (and `blend-alpha=0` its blend, `border-top=0` its border)."""
    layers = {_layer(key) for key in preset_keys if key in LAYERED}
    return preset_keys | {key for key in LAYERED if _layer(key) in layers}


def _layer(key: str) -> str:
    return key.partition("-")[0].removesuffix("64")  # mark-alpha, mark64 -> mark
