"""The kiosk installer (``installer/kiosk-install``): loaded as a module, and run as a program."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "installer" / "kiosk-install"


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


def unprivileged() -> list[str]:
    """A command prefix that drops root (the tests run as root in CI containers); empty when not root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv is absent: cannot run the installer unprivileged")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def run_installer(*args: str, as_root: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the installer with the system's Python (stdlib only), unprivileged unless ``as_root``."""
    drop = [] if as_root else unprivileged()
    return subprocess.run([*drop, sys.executable, "-I", str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=60, cwd="/")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installer's generated files, written under a temporary prefix."""
    prefix = tmp_path_factory.mktemp("prefix")
    result = run_installer("--prefix", str(prefix), "--kiosk-id", "branch-1-kiosk-2", as_root=True)
    assert result.returncode == 0, result.stderr
    return prefix
