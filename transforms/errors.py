"""Errors a transform can raise; the service maps each to its HTTP status."""


class TransformError(Exception):
    """Base class. `str(err)` is a message safe to show a client."""


class ParamError(TransformError):
    """An unknown or invalid URL parameter (HTTP 400). Names the parameter."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(f"{param}: {message}")


class ImageError(TransformError):
    """The original is not a decodable image, or exceeds a pixel limit (HTTP 422)."""


class TooSlow(TransformError):
    """The render ran past its time limit and stopped (HTTP 504)."""
