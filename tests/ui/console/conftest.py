"""Console window fixtures: a store with accounts of every role and two REVIEW cases, and the window
over it (offscreen, pytest-qt)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage import FixedClock, ImageEvidence, Storage, StorageConfig, open_storage

from kiosk.console import Console
from kiosk.console.sample import sample_record

from console_ui_helpers import CONFIG, PASSWORD, jpeg


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Storage]:
    clock = FixedClock(dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=3))
    st = open_storage(tmp_path / "data", StorageConfig.model_validate(CONFIG), clock=clock)
    for name, role in (("olga", "operator"), ("sam", "supervisor"), ("ada", "admin")):
        st.operators.add(name, role, PASSWORD, "cli:test")
    for seed in (1, 2):
        clock.advance(minutes=10)
        images = [ImageEvidence("dg2", jpeg(seed), "image/jpeg"), ImageEvidence("live", jpeg(seed + 10), "image/jpeg"),
                  ImageEvidence("audit_frame", jpeg(seed + 20), "image/jpeg")]
        st.decisions.record_session(sample_record("review", clock.now(), images=images, document=f"D{seed}"))
    clock.advance(minutes=10)
    st.decisions.record_session(sample_record("accept", clock.now()))
    yield st
    st.close()


@pytest.fixture
def window(qtbot: Any, store: Storage) -> Any:
    from ui.console.window import ConsoleWindow

    w = ConsoleWindow(Console(store, idle_lock_s=300))
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    yield w
    w.close()
