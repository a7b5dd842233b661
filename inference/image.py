"""Image input checks and conversions shared by the stages."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from inference.errors import BadImageError


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


def read_image(path: Path) -> np.ndarray:
    """Read an image file (JPEG, PNG, JPEG 2000, ...) as BGR uint8; ``BadImageError`` if unreadable."""
    import cv2

    path = Path(path)
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise BadImageError(f"cannot read image {path.name}: {exc.strerror}") from exc
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        # OpenCV builds may lack JPEG 2000; Pillow decodes it here.
        try:
            from PIL import Image

            with Image.open(path) as im:
                img = np.asarray(im.convert("RGB"))[:, :, ::-1].copy()
        except Exception as exc:  # Pillow raises many types for damaged files
            raise BadImageError(f"{path.name} is not a readable image (truncated or corrupt?)") from exc
    return check_bgr(img)
