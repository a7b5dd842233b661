"""Image input checks and conversions shared by the stages, and the size limits on every input.

A file is refused from its size and its header before anything is decoded: a 20000x20000 PNG of a few
kilobytes would otherwise decode into 1.2 GB.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from inference.errors import BadImageError, ImageTooLargeError


class InputLimits(BaseModel):
    """Largest inputs accepted, checked before decoding (bytes from the file, pixels from the header)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image_max_pixels: int = Field(
        40_000_000, ge=1, title="Image pixels",
        description="Largest width x height of an image file (portrait, dataset image): 40 MP covers "
                    "every camera a kiosk or a scanner uses.")
    image_max_bytes: int = Field(
        40 * 2**20, ge=1, title="Image file bytes", description="Largest image file, in bytes (40 MiB).")
    frame_max_pixels: int = Field(
        3840 * 2160, ge=1, title="Video frame pixels",
        description="Largest video frame, from the container's header (4K UHD).")
    video_max_bytes: int = Field(
        2 * 2**30, ge=1, title="Video file bytes", description="Largest video file, in bytes (2 GiB).")
    dg2_max_pixels: int = Field(
        4_000_000, ge=1, title="DG2 image pixels",
        description="Largest DG2 portrait (ICAO portraits are well under 1 MP); passed to the chip layer.")
    dg2_max_bytes: int = Field(
        1 * 2**20, ge=1, title="DG2 image bytes", description="Largest encoded DG2 portrait (1 MiB).")


def check_pixels(width: int, height: int, max_pixels: int, what: str) -> None:
    """Raise ``ImageTooLargeError`` when ``width`` x ``height`` is over ``max_pixels``."""
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{what} is {width}x{height} pixels, over the limit of {max_pixels:,} pixels; not decoded "
            "(use a smaller image, or raise InputLimits)")


def image_header_size(data: bytes, name: str, max_pixels: int) -> tuple[int, int]:
    """Width and height from the image's header only (Pillow reads no pixel data); checked against the limit."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns above its own (higher) bound; the limit below is the one that decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:  # header only: pixels are read by .load(), never here
                width, height = im.size
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"{name} declares more pixels than Pillow's own safety bound, far over the limit "
                                 f"of {max_pixels:,} pixels; not decoded") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise BadImageError(f"{name} is not a readable image (truncated, corrupt or of an unknown type)") from exc
    check_pixels(width, height, max_pixels, name)
    return width, height


def check_bgr(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as a contiguous uint8 BGR array (greyscale is expanded); raise on anything else."""
    if not isinstance(image, np.ndarray) or image.size == 0:
        raise BadImageError("empty image")
    if image.dtype != np.uint8:
        raise BadImageError(f"image must be 8-bit, got {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise BadImageError(f"image must be HxW, HxWx3 or HxWx4, got shape {image.shape}")
    if image.shape[2] == 4:
        image = image[:, :, :3]
    if min(image.shape[:2]) < 16:
        raise BadImageError(f"image of {image.shape[1]}x{image.shape[0]} pixels is too small")
    return np.ascontiguousarray(image)


def read_image(path: Path, limits: InputLimits | None = None) -> np.ndarray:
    """Read an image file (JPEG, PNG, JPEG 2000, ...) as BGR uint8.

    The file's size and its header's width x height are checked against ``limits`` first, so an
    oversized image raises ``ImageTooLargeError`` without being decoded; ``BadImageError`` if unreadable.
    """
    import cv2

    limits = limits or InputLimits()
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.image_max_bytes:
            raise ImageTooLargeError(f"{path.name} has {size:,} bytes, over the limit of "
                                     f"{limits.image_max_bytes:,} bytes for an image file; not read")
        raw = path.read_bytes()
    except OSError as exc:
        raise BadImageError(f"cannot read image {path.name}: {exc.strerror}") from exc
    width, height = image_header_size(raw, path.name, limits.image_max_pixels)
    img = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        # OpenCV builds may lack JPEG 2000; Pillow decodes it here (the header was checked above).
        try:
            from PIL import Image

            with Image.open(io.BytesIO(raw)) as im:
                img = np.asarray(im.convert("RGB"))[:, :, ::-1].copy()
        except Exception as exc:  # Pillow raises many types for damaged files
            raise BadImageError(f"{path.name} is not a readable image (truncated or corrupt?)") from exc
    # The decoder must have seen the image the header described (EXIF orientation may swap the sides).
    if sorted(img.shape[:2]) != sorted((height, width)):
        raise BadImageError(f"{path.name}: decoded size differs from its header (malformed file)")
    return check_bgr(img)
