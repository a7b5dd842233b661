"""Images and DG2 bytes from requests: size and header checked before any pixel is decoded.

A 30000x30000 PNG is a few hundred kilobytes that would decode into 2.7 GB: its header is read with
Pillow (``Image.open`` reads no pixels) and refused on its declared width x height. Decoding is Pillow's
full ``load()``, which raises on a truncated file (OpenCV would return the partial picture).
"""
from __future__ import annotations

import base64
import binascii
import io
import warnings
from dataclasses import dataclass

import numpy as np

from inference.errors import BadImageError, ImageTooLargeError
from inference.image import check_bgr, image_header_size

from kiosk.api.errors import ApiError, bad_input

MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "JPEG2000": "image/jp2", "jpeg": "image/jpeg",
               "jpeg2000": "image/jp2", "png": "image/png"}


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
    try:
        if encoding == "hex":
            return bytes.fromhex(text)
        if text.startswith("data:") and "," in text:  # a data URL as browsers make them
            text = text.split(",", 1)[1]
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise bad_input("invalid_encoding", f"{what} is not valid {encoding}") from None


def decode_image(data: bytes, what: str, max_bytes: int, max_pixels: int) -> DecodedImage:
    """Check and decode an image; 413 ``image_too_large`` or 400 ``not_an_image`` / ``corrupt_image``."""
    from PIL import Image

    if not data:
        raise bad_input("empty_image", f"{what} is empty")
    if len(data) > max_bytes:
        raise ApiError(413, "image_too_large", f"{what} has {len(data):,} bytes, over the limit of {max_bytes:,}")
    try:
        width, height = image_header_size(data, what, max_pixels)
    except ImageTooLargeError as exc:
        raise ApiError(413, "image_too_large", str(exc)) from exc
    except BadImageError as exc:
        raise bad_input("not_an_image", f"{what} is not an image (JPEG, PNG or JPEG 2000 expected)") from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                fmt = im.format or ""
                im.load()  # raises on a truncated or corrupt file
                rgb = np.asarray(im.convert("RGB"))
    except Exception as exc:  # Pillow's decoders raise OSError, ValueError, SyntaxError, EOFError...
        raise bad_input("corrupt_image", f"{what} cannot be decoded (truncated or corrupt)") from exc
    if sorted(rgb.shape[:2]) != sorted((height, width)):
        raise bad_input("corrupt_image", f"{what}: decoded size differs from its header (malformed file)")
    try:
        bgr = check_bgr(np.ascontiguousarray(rgb[:, :, ::-1]))
    except BadImageError as exc:
        raise bad_input("not_an_image", f"{what}: {exc}") from exc
    return DecodedImage(bgr, data, MEDIA_TYPES.get(fmt, "application/octet-stream"))


def decode_dg2(raw: bytes, max_bytes: int, max_pixels: int) -> DecodedImage:
    """The portrait inside DG2 bytes; 400 ``bad_dg2`` / ``dg2_image_corrupt``, 413 ``image_too_large``."""
    from hardware.emrtd.errors import EmrtdError
    from hardware.emrtd.lds.dg2 import Dg2ImageTooLargeError, parse_dg2

    try:
        face = parse_dg2(raw).face
    except (EmrtdError, ValueError, IndexError) as exc:
        raise bad_input("bad_dg2", "the DG2 bytes are not a readable DG2 (ICAO 9303-10 data group 2)") from exc
    try:
        arr = face.to_array(max_pixels=max_pixels, max_bytes=max_bytes)
    except Dg2ImageTooLargeError as exc:
        raise ApiError(413, "image_too_large", str(exc)) from exc
    except EmrtdError as exc:
        raise bad_input("dg2_image_corrupt", "the face image inside DG2 cannot be decoded (truncated or corrupt)") \
            from exc
    if arr.ndim == 3:
        arr = np.ascontiguousarray(arr[:, :, ::-1])
    try:
        bgr = check_bgr(arr)
    except BadImageError as exc:
        raise bad_input("dg2_image_corrupt", f"the face image inside DG2 is unusable: {exc}") from exc
    return DecodedImage(bgr, face.image_data, MEDIA_TYPES.get(face.image_format, "application/octet-stream"))


def encode_jpeg(frame: np.ndarray, quality: int = 90) -> bytes:
    """A BGR frame as JPEG bytes (for the encrypted evidence store)."""
    import cv2

    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise bad_input("corrupt_image", "a frame could not be encoded for the evidence store")
    return bytes(buf.tobytes())
