"""Helpers shared by the storage tests (a uniquely named module: several test folders have a conftest)."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import numpy as np
from PIL import Image

T0 = datetime(2026, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
SURNAME = "QUIXOTEWHARTON"
GIVEN = "ZEPHYRINE ALOISIA"


def image_bytes(fmt: str, seed: int = 0, size: int = 96) -> bytes:
    """A real encoded image (JPEG or PNG) with some structure so it is not trivially compressible."""
    rng = np.random.default_rng(seed)
    arr = (rng.random((size, size, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt)
    return buf.getvalue()
