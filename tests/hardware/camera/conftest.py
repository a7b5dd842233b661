"""Fixtures of the camera tests."""
from __future__ import annotations

from pathlib import Path

import pytest
from fake_sysfs import FakeSystem


@pytest.fixture
def fake_system(tmp_path: Path) -> FakeSystem:
    """An empty fake sysfs + /dev tree."""
    return FakeSystem(tmp_path)
