"""Every shared library that Qt's platform plugins load comes from a package that the installers install.

The offscreen plugin that the other UI tests use needs almost nothing from the system; the xcb plugin a desktop
(or Xvfb) loads and the wayland plugin cage loads need more. A PySide6 upgrade that links a new system library
fails here, by name, instead of aborting `kiosk run` on a customer's display.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from installer_runner import SCRIPT

import PySide6

QT = Path(PySide6.__file__).parent / "Qt"
# The plugins the product loads: the three platforms it runs on, and what those load in turn.
PLUGIN_GLOBS = [
    "plugins/platforms/libqxcb.so", "plugins/platforms/libqwayland.so", "plugins/platforms/libqoffscreen.so",
    "plugins/xcbglintegrations/*.so", "plugins/wayland-shell-integration/*.so",
    "plugins/wayland-graphics-integration-client/*.so", "plugins/wayland-decoration-client/*.so",
]
PACKAGE_LIST = SCRIPT.parent / "qt-runtime.debs"


def _plugins() -> list[Path]:
    found = [path for pattern in PLUGIN_GLOBS for path in sorted(QT.glob(pattern))]
    assert found, f"no Qt plugins under {QT}"
    return found


def _ldd(path: Path) -> str:
    return subprocess.run(["ldd", str(path)], capture_output=True, text=True, timeout=60, check=True).stdout


def _listed_packages() -> list[str]:
    names = (line.split("#", 1)[0].strip() for line in PACKAGE_LIST.read_text(encoding="utf-8").splitlines())
    return [name for name in names if name]


def test_no_library_of_the_platform_plugins_is_missing() -> None:
    missing = {}
    for plugin in _plugins():
        absent = re.findall(r"^\s*(\S+) => not found", _ldd(plugin), re.MULTILINE)
        if absent:
            missing[str(plugin.relative_to(QT))] = sorted(set(absent))
    assert missing == {}, (f"Qt plugins need libraries that are not installed: {missing}; add their Debian "
                           f"packages to {PACKAGE_LIST.name} (dpkg -S or apt-file names them)")


def test_every_system_library_comes_from_a_listed_package_or_its_dependencies() -> None:
    if shutil.which("dpkg-query") is None or shutil.which("apt-cache") is None:
        pytest.skip("not a Debian-like system: dpkg and apt-cache name the packages")
    listed = _listed_packages()
    closure = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--installed", "--no-recommends", "--no-suggests", "--no-conflicts",
         "--no-breaks", "--no-replaces", "--no-enhances", *listed],
        capture_output=True, text=True, timeout=120).stdout
    covered = {line.strip() for line in closure.splitlines() if line and not line.startswith(" ")}
    covered |= set(listed)
    libraries = set()
    for plugin in _plugins():
        for path in re.findall(r"=> (/\S+) \(", _ldd(plugin)):
            if not path.startswith(str(QT.parent)):  # the wheel's own Qt libraries are not the system's
                libraries.add(path)
    owners = {}
    for library in sorted(libraries):
        result = subprocess.run(["dpkg-query", "-S", str(Path(library).resolve())], capture_output=True, text=True)
        if result.returncode != 0:
            result = subprocess.run(["dpkg-query", "-S", library], capture_output=True, text=True)
        assert result.returncode == 0, f"{library} belongs to no Debian package"
        owners[library] = result.stdout.split(":", 1)[0]
    uncovered = {lib: pkg for lib, pkg in owners.items() if pkg not in covered}
    assert uncovered == {}, f"add these packages to {PACKAGE_LIST.name}: {sorted(set(uncovered.values()))}"


def test_both_installers_read_the_list(installer) -> None:
    assert set(_listed_packages()) <= set(installer.DEB_PACKAGES)
    setup = (SCRIPT.parent / "setup.sh").read_text(encoding="utf-8")
    assert "qt-runtime.debs" in setup
