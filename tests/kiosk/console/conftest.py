"""Console fixtures: a fresh store (cheap scrypt, settable clock), accounts of every role, and a
Console whose idle clock the test moves by hand."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage import FixedClock, Storage, StorageConfig, open_storage

from kiosk.console import Console

from console_helpers import PASSWORD, T0, Tick

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
