"""Storage test fixtures: a fresh storage on a real SQLite file in tmp_path, a settable clock,
real JPEG/PNG bytes made with Pillow, and a session-record builder."""
from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from storage import (
    DecisionInput,
    FixedClock,
    IdentityFields,
    ImageEvidence,
    SessionRecord,
    Storage,
    StorageConfig,
    TemplateEvidence,
    open_storage,
)

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


@pytest.fixture
def clock() -> FixedClock:
    """A clock fixed at T0 that tests move by hand."""
    return FixedClock(T0)


@pytest.fixture
def test_config() -> StorageConfig:
    """Defaults, but the cheapest allowed scrypt cost so login tests stay fast."""
    return StorageConfig.model_validate({"operators": {"scrypt_log2_n": 14}})


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock, test_config: StorageConfig) -> Iterator[Storage]:
    """A fresh storage under tmp_path/data."""
    st = open_storage(tmp_path / "data", test_config, clock=clock)
    yield st
    st.close()


RecordFactory = Callable[..., SessionRecord]


@pytest.fixture
def make_record(clock: FixedClock) -> RecordFactory:
    """Builds a realistic SessionRecord; keyword arguments override fields."""

    def build(outcome: str = "accept", doc: str = "C01X00T47", state: str = "D", seed: int = 0,
              with_images: bool = True, template: Any = None, **over: Any) -> SessionRecord:
        now = clock.now()
        images = [ImageEvidence("dg2", image_bytes("JPEG", seed), "image/jpeg"),
                  ImageEvidence("live", image_bytes("PNG", seed + 1), "image/png")] if with_images else []
        templates = [TemplateEvidence("live", template)] if template is not None else []
        fields: dict[str, Any] = dict(
            kiosk_id="kiosk-7", mode="unattended", started_at=now - timedelta(seconds=40), ended_at=now,
            decision=DecisionInput(outcome, ("FACE_MATCH_OK",) if outcome == "accept" else ("LIVENESS_FAIL",), "policy-1"),
            issuing_state=state, document_number=doc,
            identity=IdentityFields(SURNAME, GIVEN, "1971-02-03", "F", "D", "2031-01-01", "P"),
            chip={"access": "PACE", "passive_auth": "valid", "chip_auth": "valid"},
            checks={"quality": {"blur": 0.1}, "liveness": 0.02, "match": 0.71},
            model_versions={"sface": "2021dec"}, config_hash="cfg-1", images=images, templates=templates)
        fields.update(over)
        return SessionRecord(**fields)

    return build
