"""Console fixtures: a fresh store (cheap scrypt, settable clock), accounts of every role, and a
Console whose idle clock the test moves by hand."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from storage import FixedClock, ImageEvidence, Storage, StorageConfig, open_storage

from kiosk.console import Console

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


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock) -> Iterator[Storage]:
    st = open_storage(tmp_path / "data", StorageConfig.model_validate({"operators": {"scrypt_log2_n": 14}}),
                      clock=clock)
    for name, role in (("olga", "operator"), ("otto", "operator"), ("sam", "supervisor"), ("ada", "admin")):
        st.operators.add(name, role, PASSWORD, "cli:test")
    yield st
    st.close()


@pytest.fixture
def tick() -> Tick:
    return Tick()


@pytest.fixture
def console(store: Storage, tick: Tick) -> Any:
    return Console(store, idle_lock_s=300, monotonic=tick)
