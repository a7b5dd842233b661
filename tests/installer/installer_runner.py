"""Running ``installer/kiosk-install`` as a program in the tests, unprivileged where possible."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "installer" / "kiosk-install"


def unprivileged() -> list[str]:
    """A command prefix that drops root (the tests run as root in CI containers); empty when not root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv is absent: cannot run the installer unprivileged")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def run_installer(*args: str, as_root: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the installer isolated (``-I``: standard library only), unprivileged unless ``as_root``."""
    drop = [] if as_root else unprivileged()
    return subprocess.run([*drop, sys.executable, "-I", str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=60, cwd="/")
