"""Helpers of the console tests (importable by name; conftest modules are not)."""
from __future__ import annotations

import datetime as dt
import io

import numpy as np
from PIL import Image

from storage import ImageEvidence

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc)
PASSWORD = "correct horse battery"


def jpeg(seed: int, size: tuple[int, int] = (120, 160)) -> bytes:
    """A small real JPEG (smoothed noise)."""
    rng = np.random.default_rng(seed)
    small = (rng.random((size[1] // 8, size[0] // 8, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(small).resize(size).save(buf, "JPEG")
    return buf.getvalue()


def evidence_images(seed: int = 0) -> list[ImageEvidence]:
    """DG2, live frame and two audit frames."""
    return [ImageEvidence("dg2", jpeg(seed), "image/jpeg"), ImageEvidence("live", jpeg(seed + 1), "image/jpeg"),
            ImageEvidence("audit_frame", jpeg(seed + 2), "image/jpeg"),
            ImageEvidence("audit_frame", jpeg(seed + 3), "image/jpeg")]


class Tick:
    """A monotonic clock the test advances."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t
