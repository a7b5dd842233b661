"""Shared fixtures: the research data folder (skip when absent) and opt-in hardware options."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from kiosk.paths import shared_data_dir  # noqa: E402


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reader", default=None, help="run real-reader tests against this PC/SC reader name")
    parser.addoption("--camera", default=None, help="run real-camera tests against this camera index")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or ``KIOSK_DATA_DIR``); skips the test when it is absent."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"research data not found at {path} (set KIOSK_DATA_DIR to use it)")
    return path
