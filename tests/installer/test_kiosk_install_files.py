"""The installer's generated files: systemd unit, udev rules, modprobe file, kiosk config, package list."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.workflow.config import load_config

UNIT = "etc/systemd/system/idkiosk.service"
RULES = "etc/udev/rules.d/70-idkiosk-readers.rules"
REPO = Path(__file__).resolve().parents[2]


def unit_directives(text: str) -> dict[str, list[str]]:
    """``Key=value`` lines of a unit file, every value of a repeated key kept."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_unit_passes_systemd_analyze_verify(installer: ModuleType, generated: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed here")
    result = subprocess.run([tool, "verify", str(generated / UNIT)], capture_output=True, text=True, timeout=30)
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    # verify also checks that ExecStart's program exists; cage is installed by the installer itself, so
    # on a machine without it that one complaint is expected, and nothing else may appear.
    if not Path(installer.CAGE).exists():
        complaints = [c for c in complaints if f"Command {installer.CAGE} is not executable" not in c]
    assert complaints == [], "\n".join(complaints)


def test_unit_restarts_and_is_sandboxed(installer: ModuleType, generated: Path) -> None:
    d = unit_directives((generated / UNIT).read_text())
    assert d["Restart"] == ["always"]
    assert d["StartLimitBurst"] and d["StartLimitIntervalSec"]
    assert d["User"] == [installer.USER] and d["PAMName"] == ["idkiosk"]
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert d[key] == ["yes"], key
    assert d["ProtectSystem"] == ["strict"]
    assert str(installer.DATA_DIR) in d["ReadWritePaths"]
    assert d["DevicePolicy"] == ["closed"]
    assert {"char-video4linux rw", "char-usb_device rw", "char-drm rw"} <= set(d["DeviceAllow"])
    (start,) = d["ExecStart"]
    assert start.startswith(f"{installer.CAGE} -- {installer.VENV}/bin/kiosk run --config {installer.CONFIG}")
    assert " -s" not in start.split("--", 1)[0]  # cage -s would allow switching to another terminal


def test_watchdog_only_when_the_app_notifies(generated: Path) -> None:
    # WatchdogSec kills a service that never sends WATCHDOG=1; it belongs in the unit only once the app does.
    sources = [p for pkg in ("kiosk", "ui") for p in (REPO / pkg).rglob("*.py")]
    app_notifies = any("WATCHDOG=1" in p.read_text(encoding="utf-8") for p in sources)
    has_watchdog = "WatchdogSec" in unit_directives((generated / UNIT).read_text())
    assert has_watchdog == app_notifies


RULE_KEY = re.compile(r'^\s*(?P<key>[A-Z_]+(?:\{[^}]+\})?)\s*(?P<op>==|!=|\+=|-=|:=|=)\s*"(?P<value>[^"]*)"\s*$')
MATCH_KEYS = {"SUBSYSTEM", "ENV{DEVTYPE}", "ATTRS{idVendor}", "ATTRS{idProduct}", "ACTION"}
ASSIGN_KEYS = {"MODE", "GROUP", "TAG", "OWNER"}


def parse_rule(line: str) -> dict[str, tuple[str, str]]:
    """One udev rule line as ``{key: (operator, value)}``; AssertionError on anything malformed."""
    out: dict[str, tuple[str, str]] = {}
    for part in line.split(","):
        m = RULE_KEY.match(part)
        assert m, f"malformed udev rule part {part!r} in {line!r}"
        key, op, value = m["key"], m["op"], m["value"]
        if key in MATCH_KEYS:
            assert op in ("==", "!="), f"{key} must be a match in {line!r}"
        elif key in ASSIGN_KEYS:
            assert op in ("=", "+=", ":="), f"{key} must be an assignment in {line!r}"
        else:
            raise AssertionError(f"unexpected udev key {key} in {line!r}")
        assert key not in out, f"{key} twice in {line!r}"
        out[key] = (op, value)
    return out


def test_udev_rules_parse_and_cover_the_readers(generated: Path) -> None:
    lines = [ln for ln in (generated / RULES).read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    ids = set()
    for line in lines:
        rule = parse_rule(line)
        vendor, product = rule["ATTRS{idVendor}"][1], rule["ATTRS{idProduct}"][1]
        assert re.fullmatch(r"[0-9a-f]{4}", vendor) and re.fullmatch(r"[0-9a-f]{4}", product), line
        assert rule["SUBSYSTEM"] == ("==", "usb")
        assert rule["MODE"] == ("=", "0660") and rule["GROUP"] == ("=", "plugdev")
        ids.add(f"{vendor}:{product}")
    assert len(ids) == len(lines)  # no reader listed twice
    # ACR122U, ACR1252U, an Identiv uTrust 3700 F, and the PN533 class readers for nfcpy.
    assert {"072f:2200", "072f:223b", "04e6:5790", "04cc:2533", "054c:02e1"} <= ids


def test_the_rule_checker_rejects_bad_rules() -> None:
    for bad in ('SUBSYSTEM=="usb", ATTRS{idVendor}="072f"',           # assignment where a match belongs
                'SUBSYSTEM=="usb", MODE=="0660"',                     # match where an assignment belongs
                'SUBSYSTEM=="usb", ATTRS{idVendr}=="072f"',           # misspelt key
                'SUBSYSTEM=="usb" ATTRS{idVendor}=="072f"'):          # missing comma
        with pytest.raises(AssertionError):
            parse_rule(bad)


def test_udev_rules_pass_udevadm_verify(generated: Path) -> None:
    tool = shutil.which("udevadm")
    if tool is None or subprocess.run([tool, "verify", "--help"], capture_output=True).returncode != 0:
        pytest.skip("udevadm verify needs systemd 254 or later; the parser check above covers the rules")
    result = subprocess.run([tool, "verify", str(generated / RULES)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


def test_nfc_kernel_drivers_are_blacklisted(generated: Path) -> None:
    text = (generated / "etc/modprobe.d/idkiosk-nfcpy.conf").read_text()
    blacklisted = {ln.split()[1] for ln in text.splitlines() if ln.startswith("blacklist ")}
    assert {"pn533_usb", "pn533", "port100"} <= blacklisted


def test_kiosk_config_loads_with_the_kiosk_schema(generated: Path) -> None:
    config = load_config(generated / "etc/idkiosk/kiosk.toml")
    assert config.kiosk_id == "branch-1-kiosk-2"
    assert config.kiosk_mode.enabled


def test_debian_packages_exist_in_apt(installer: ModuleType) -> None:
    tool = shutil.which("apt-cache")
    if tool is None:
        pytest.skip("apt-cache is not installed here (not a Debian-like system)")
    if not any(Path("/var/lib/apt/lists").glob("*_Packages*")):
        pytest.skip("the apt package lists are empty here (apt-get update has not run)")
    names = installer.DEB_PACKAGES + installer.PULL_PACKAGES
    result = subprocess.run([tool, "show", "--no-all-versions", *names], capture_output=True, text=True, timeout=60)
    found = set(re.findall(r"^Package: (\S+)$", result.stdout, re.MULTILINE))
    assert set(names) - found == set()
