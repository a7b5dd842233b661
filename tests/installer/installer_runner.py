"""Running ``installer/kiosk-install`` as a program in the tests, unprivileged where possible."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "installer" / "kiosk-install"


@functools.cache
def drop_privileges() -> tuple[str, ...] | None:
    """A command prefix that runs as nobody when the tests are root (CI containers); () when not root.

    None when that is impossible here: no setpriv, or nobody cannot read the checkout (say, under /root).
    """
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = (setpriv, "--reuid=65534", "--regid=65534", "--clear-groups")
    probe = subprocess.run([*prefix, sys.executable, "-I", "-c", f"open({str(SCRIPT)!r}).close()"],
                           capture_output=True, timeout=30)
    return prefix if probe.returncode == 0 else None


def unprivileged() -> tuple[str, ...]:
    """``drop_privileges()``, or skip the test when the installer cannot be run unprivileged here."""
    prefix = drop_privileges()
    if prefix is None:
        pytest.skip("running as root, and the installer cannot be run as nobody here (no setpriv, "
                    "or the checkout is not readable by nobody)")
    return prefix


def run_installer(*args: str, as_root: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the installer isolated (``-I``: standard library only), unprivileged unless ``as_root``."""
    drop = () if as_root else unprivileged()
    return subprocess.run([*drop, sys.executable, "-I", str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=60, cwd="/")
