"""Presets and strict mode: named parameter sets a source defines, used as `?preset=NAME`.

With `strict = true` a source renders only its presets, which bounds the variants a
client can make it compute (and cache) even when its URLs are not signed.
"""

from __future__ import annotations

import re

from app.settings import ConfigError, SourceConfigBase
from transforms.dialects.imgix import parse_params
from transforms.dialects.imgix_adjust import ADJUST_PARAMETERS
from transforms.dialects.imgix_blend import BLEND_PARAMETERS
from transforms.dialects.imgix_frame import FRAME_PARAMETERS
from transforms.dialects.imgix_overlay import OVERLAY_PARAMETERS
from transforms.errors import ParamError
from transforms.query import split_query
from transforms.spec import Limits

PRESET_KEY = "preset"
PRESET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
Pairs = list[tuple[str, str]]
NOT_PRESETTABLE = frozenset({PRESET_KEY, "s", "expires", "ixlib", "ik-s", "ik-t"})


def preset_pairs(query: str) -> Pairs:
    """A preset's parameters: the same form-encoded syntax as a URL's query."""
    return split_query(query.encode())


def check_presets(config: SourceConfigBase, index: int, limits: Limits) -> None:
    """Refuse a bad preset at start-up: ConfigError naming `sources.N.presets.NAME`.

    Presets use the imgix parameter names, and set transforms only: a signature,
    an expiry or another preset in one is refused.
    """
    for name, query in config.presets.items():
        where = f"sources.{index}.presets.{name}"
        if not PRESET_NAME.fullmatch(name):
            raise ConfigError(f"{where}: a preset name is letters, digits, - and _")
        try:
            pairs = preset_pairs(query)
            for key, _ in pairs:
                if key in NOT_PRESETTABLE:
                    raise ParamError(key, "cannot be set by a preset")
            parse_params(pairs, limits)
        except ParamError as err:
            raise ConfigError(f"{where}: {err}") from None


def apply_preset(
    config: SourceConfigBase,
    pairs: Pairs,
    passthrough: frozenset[str],
    path_transforms: str | None = None,
) -> Pairs:
    """Replace `preset=NAME` with the preset's parameters, then the URL's own.

    Explicit parameters override the preset's unless `preset_override` is false (then
    400 naming the parameter); a strict source takes none at all but `passthrough`
    (the signature, the expiry), nor ImageKit transforms in the path (`/tr:.../`,
    `path_transforms`). Raises ParamError.
    """
    if config.strict and path_transforms is not None:
        raise ParamError("tr", "not allowed: this source serves only its presets")
    names = [value for key, value in pairs if key == PRESET_KEY]
    explicit = [(key, value) for key, value in pairs if key != PRESET_KEY]
    if not names:
        if config.strict:
            extra = next((key for key, _ in explicit if key not in passthrough), PRESET_KEY)
            raise ParamError(extra, "not allowed: this source serves only its presets")
        return pairs
    if len(names) > 1:
        raise ParamError(PRESET_KEY, "given more than once")
    query = config.presets.get(names[0])
    if query is None:
        raise ParamError(PRESET_KEY, f"this source has no preset named {names[0]!r}")
    expansion = preset_pairs(query)
    fixed = _fixed_keys({key for key, _ in expansion})
    for key, _ in explicit:
        if key in passthrough:
            continue
        if config.strict:
            raise ParamError(key, "not allowed: this source serves only its presets")
        if key in fixed and not config.preset_override:
            raise ParamError(
                key, f"set by preset {names[0]!r}, which this source does not let a URL change"
            )
    given = {key for key, _ in explicit}
    return [pair for pair in expansion if pair[0] not in given] + explicit


# Parameters with options of their own (`mark-alpha`, `blend-alpha`, `border-top`, ...).
LAYERED = {**OVERLAY_PARAMETERS, **ADJUST_PARAMETERS, **FRAME_PARAMETERS, **BLEND_PARAMETERS}


def _fixed_keys(preset_keys: set[str]) -> set[str]:
    """What a URL may not set when overriding is off: the preset's keys, and every option
    of a layer the preset draws, or `mark-alpha=0` would strip the preset's watermark
    (and `blend-alpha=0` its blend, `border-top=0` its border)."""
    layers = {_layer(key) for key in preset_keys if key in LAYERED}
    return preset_keys | {key for key in LAYERED if _layer(key) in layers}


def _layer(key: str) -> str:
    return key.partition("-")[0].removesuffix("64")  # mark-alpha, mark64 -> mark
