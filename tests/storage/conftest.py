"""Storage test fixtures: a fresh storage on a real SQLite file in tmp_path, a settable clock,
real JPEG/PNG bytes made with Pillow, a session-record builder, and a real PostgreSQL server on
127.0.0.1 (``pg_server``, ``pg_db``: skipped with a reason when PostgreSQL is not installed)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

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

from pg_server import PgServer, start_or_skip  # noqa: E402
from storage_helpers import GIVEN, SURNAME, T0, image_bytes  # noqa: E402


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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throw-away PostgreSQL server on 127.0.0.1 for the whole test run (``pg_server.py``)."""
    server = start_or_skip()
    yield server
    server.close()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The shared server's ``postgres`` database URL."""
    return pg_server.url


@pytest.fixture
def pg_db(pg_server: PgServer) -> str:
    """A fresh, empty database on the shared server (each test has its own keys, so its own chain)."""
    return pg_server.new_database()
