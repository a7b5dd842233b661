"""Images and DG2 bytes from requests, decoded by the one image decoder (``inference.image_decode``).

Only JPEG, PNG and JPEG 2000 (by their magic bytes) are decoded; the size in bytes, the header's width x
height and the decoding work (JPEG scans, JPEG 2000 tiles) are checked before any pixel is decoded. This
module maps the decoder's typed errors to the API's answers.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

import numpy as np

from inference.errors import BadImageError, ImageTooLargeError, UnsupportedImageError
from inference.image import check_bgr, rgb_to_bgr
from inference.image_decode import MEDIA_TYPE
from inference.image_decode import decode_image as decode_rgb

from kiosk.api.errors import ApiError, bad_input

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
CHIP_FIELDS = ("dg2", "sod", "dg1")  # the fields dg2_encoding applies to

@dataclass(frozen=True)
class DecodedImage:
    """An image as BGR pixels, with the bytes it came from (kept encrypted as evidence when recorded)."""

    bgr: np.ndarray
    data: bytes
    media_type: str


def raw_bytes(value: str | bytes, what: str, encoding: str = "base64") -> bytes:
    """The bytes of a field: multipart parts arrive as bytes, JSON fields as base64 (or hex) text."""
    if isinstance(value, bytes):
        return value
    text = value.strip()
    if encoding == "base64" and what in CHIP_FIELDS and len(text) >= 16 and _HEX.fullmatch(text):
        # Hex whose length is a multiple of 4 is also valid base64 (of other bytes): refused rather than guessed.
        raise bad_input("invalid_encoding", f"{what} looks like hex, but dg2_encoding is base64 (the default): set "
                        "\"dg2_encoding\": \"hex\" beside it, or send base64")
    try:
        if encoding == "hex":
            return bytes.fromhex(text)
        if text.startswith("data:") and "," in text:  # a data URL as browsers make them
            text = text.split(",", 1)[1]
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        hint = ""
        if what in CHIP_FIELDS:
            hint = (" (hex is pairs of 0-9 a-f; for base64 leave dg2_encoding out)" if encoding == "hex" else
                    " (for hex text set \"dg2_encoding\": \"hex\")")
        raise bad_input("invalid_encoding", f"{what} is not valid {encoding}{hint}") from None


def _image_error(exc: BadImageError, what: str) -> ApiError:
    """The API's answer to a refused image: 413 over a limit, 400 for another format or a corrupt file."""
    if isinstance(exc, ImageTooLargeError):
        return ApiError(413, "image_too_large", str(exc))
    if isinstance(exc, UnsupportedImageError):
        return bad_input("not_an_image", str(exc))
    return bad_input("corrupt_image", str(exc))


def decode_image(data: bytes, what: str, max_bytes: int, max_pixels: int) -> DecodedImage:
    """Check and decode an image (``inference.image_decode``, the one decoder); 413 ``image_too_large``
    (bytes, pixels or decoding work), or 400 ``empty_image`` / ``not_an_image`` / ``corrupt_image``."""
    if not data:
        raise bad_input("empty_image", f"{what} is empty")
    try:
        rgb, fmt = decode_rgb(data, what, max_bytes, max_pixels)
        bgr = check_bgr(rgb_to_bgr(rgb))
    except BadImageError as exc:
        raise _image_error(exc, what) from exc
    return DecodedImage(bgr, data, MEDIA_TYPE[fmt])


def decode_dg2(raw: bytes, max_bytes: int, max_pixels: int) -> DecodedImage:
    """The portrait inside DG2 bytes; 400 ``bad_dg2`` / ``dg2_image_corrupt``, 413 ``image_too_large``."""
    from hardware.emrtd.errors import EmrtdError
    from hardware.emrtd.lds.dg2 import parse_dg2

    try:
        face = parse_dg2(raw).face
    except (EmrtdError, ValueError, IndexError) as exc:
        raise bad_input("bad_dg2", "the DG2 bytes are not a readable DG2 (ICAO 9303-10 data group 2)") from exc
    try:
        rgb, fmt = decode_rgb(face.image_data, "the face image inside DG2", max_bytes, max_pixels)
        bgr = check_bgr(rgb_to_bgr(rgb))
    except ImageTooLargeError as exc:
        raise ApiError(413, "image_too_large", str(exc)) from exc
    except BadImageError as exc:
        raise bad_input("dg2_image_corrupt", f"the face image inside DG2 cannot be used: {exc}") from exc
    return DecodedImage(bgr, face.image_data, MEDIA_TYPE[fmt])


def encode_jpeg(frame: np.ndarray, quality: int = 90) -> bytes:
    """A BGR frame as JPEG bytes (for the encrypted evidence store)."""
    import cv2

    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise bad_input("corrupt_image", "a frame could not be encoded for the evidence store")
    return bytes(buf.tobytes())
