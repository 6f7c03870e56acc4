"""Blend: a colour or an image blended over the output (imgix `blend*`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Blend:
    """imgix `blend*`: a colour or an image blended over the whole output."""
