"""Fixtures for the kiosk installer (``installer/kiosk-install``): the program as a module, its generated files."""
from __future__ import annotations

import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

import pytest
from installer_runner import SCRIPT, run_installer


@pytest.fixture(scope="session")
def installer() -> ModuleType:
    """``installer/kiosk-install`` imported as a module (it has no .py suffix: it is a program)."""
    loader = SourceFileLoader("kiosk_install", str(SCRIPT))
    spec = spec_from_loader("kiosk_install", loader)
    assert spec is not None
    module = module_from_spec(spec)
    sys.modules["kiosk_install"] = module  # dataclasses look their module up while the class is built
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installer's generated files, written under a temporary prefix."""
    prefix = tmp_path_factory.mktemp("prefix")
    result = run_installer("--prefix", str(prefix), "--kiosk-id", "branch-1-kiosk-2", as_root=True)
    assert result.returncode == 0, result.stderr
    return prefix
