"""Images for requests: a path, bytes (JPEG/PNG/JPEG 2000 as they are), or a numpy array (encoded as PNG)."""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Union

ImageInput = Union[str, "os.PathLike[str]", bytes, Any]  # Any: a numpy array (H x W x 3 RGB, or H x W grey)


def image_bytes(image: ImageInput, what: str = "image", bgr: bool = False) -> tuple[str, bytes, str]:
    """``(file name, bytes, media type)`` for a multipart part. A numpy array is RGB unless ``bgr`` (OpenCV's
    order); it is encoded losslessly as PNG."""
    if isinstance(image, bytes):
        return what, image, _media_type(image)
    if isinstance(image, (str, os.PathLike)):
        path = Path(image)
        data = path.read_bytes()
        return path.name, data, _media_type(data)
    if hasattr(image, "__array_interface__"):
        return f"{what}.png", _png(image, bgr), "image/png"
    raise TypeError(f"{what}: give a file path, the image's bytes or a numpy array, not {type(image).__name__}")


def _media_type(data: bytes) -> str:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    return "application/octet-stream"  # the server decides (and names the format it found)


def _png(array: Any, bgr: bool) -> bytes:
    import numpy as np
    from PIL import Image

    a = np.asarray(array)
    if a.dtype != np.uint8 or a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise ValueError("a numpy image must be uint8, H x W (grey) or H x W x 3/4 (colour)")
    if a.ndim == 3 and bgr:
        a = a[:, :, [2, 1, 0] + ([3] if a.shape[2] == 4 else [])]
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(a)).save(buf, format="PNG")
    return buf.getvalue()
