"""A source's parser, from its config: its URL dialect, its presets, what is not a transform.

The presets themselves (expansion, overriding, strict mode) are the parser's work
(transforms.dialects.presets); here they are only checked at start-up, so a bad one stops
Signet with a message naming `sources[SOURCE].presets.NAME`.
"""

from __future__ import annotations

from app.config_messages import source_key
from app.settings import ConfigError
from app.settings_sources import SourceConfigBase
from app.signing import EXPIRY_PARAM, LIBRARY_PARAM, SIGNATURE_PARAM
from app.signing_imagekit import EXPIRY_PARAM as IK_EXPIRY_PARAM
from app.signing_imagekit import SIGNATURE_PARAM as IK_SIGNATURE_PARAM
from transforms.dialects.presets import Presets, check_preset
from transforms.errors import ParamError
from transforms.parser import Parser
from transforms.spec import Limits

# Parameters that carry the signature, the expiry or the client library's name, not a transform.
NOT_TRANSFORMS = frozenset({SIGNATURE_PARAM, EXPIRY_PARAM, LIBRARY_PARAM})
# An imagekit source signs with ik-s and expires with ik-t; there `s` and `expires` mean nothing.
IMAGEKIT_NOT_TRANSFORMS = frozenset({IK_SIGNATURE_PARAM, IK_EXPIRY_PARAM, LIBRARY_PARAM})


def check_presets(config: SourceConfigBase, limits: Limits) -> None:
    """Refuse a bad preset at start-up: ConfigError naming `sources[SOURCE].presets.NAME`.

    Presets use the imgix parameter names, and set transforms only: a signature,
    an expiry or another preset in one is refused.
    """
    for name, query in config.presets.items():
        try:
            check_preset(name, query, limits)
        except (ParamError, ValueError) as err:
            raise ConfigError(f"{source_key(config.name)}.presets.{name}: {err}") from None


def source_parser(config: SourceConfigBase) -> Parser:
    """The parser for this source's URLs (its presets checked already: check_presets)."""
    imagekit = config.scheme == "imagekit"
    return Parser(
        dialect="imagekit" if imagekit else "imgix",
        presets=Presets.from_queries(config.presets, config.preset_override, config.strict),
        passthrough=IMAGEKIT_NOT_TRANSFORMS if imagekit else NOT_TRANSFORMS,
        strict_params=config.strict_params,
    )
