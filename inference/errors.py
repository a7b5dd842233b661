"""Typed errors of the inference package. Messages are for a person; they never carry image data."""
from __future__ import annotations


class InferenceError(Exception):
    """Base of every inference error."""


class ModelLoadError(InferenceError):
    """A model file could not be loaded by any execution provider."""


class BadImageError(InferenceError):
    """An input image is empty, truncated, of the wrong type or unreadable."""


class ImageTooLargeError(BadImageError):
    """An input image (file bytes or pixels from its header) is over the configured limits; not decoded."""


class UnsupportedImageError(BadImageError):
    """An image whose content (magic bytes) is not JPEG, PNG or JPEG 2000; not decoded."""


class ImageTooComplexError(ImageTooLargeError):
    """An image whose structure would make decoding costly (a JPEG with hundreds of scans, a JPEG 2000 of
    millions of tiles) though its bytes and pixels are within the limits; not decoded."""


class BadClipError(InferenceError):
    """A video clip that is not an allowed container and codec, is over the limits, or cannot be decoded."""


class NoFaceError(InferenceError):
    """No usable face was found where one was required."""


class MrzNotFoundError(InferenceError):
    """No machine-readable zone was found in a camera frame (the message says what to change)."""


class MrzUnreadableError(InferenceError):
    """An MRZ band was found but its lines could not be read into valid fields."""
