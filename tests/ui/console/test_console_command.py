"""``kiosk review`` without an action opens the console window through the ``console`` front end that the ui
package declares (kiosk/ never imports ui/), on the data folder it is given."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import kiosk.plugins
from kiosk.cli import build_parser
from kiosk.errors import BadInputError

ROOT = Path(__file__).resolve().parents[3]


def test_the_console_is_a_front_end_of_the_kiosk_command() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["idkiosk.frontends"]["console"] == "ui.console.app:run_console"
    assert "review" not in project["project"]["entry-points"].get("idkiosk.commands", {})


def _fake_console(monkeypatch, seen: dict) -> None:
    def run_console(data_dir, config, idle_lock_s, language, central_url, keyring, calibration_camera):
        seen.update(data_dir=data_dir, idle=idle_lock_s, language=language, central=central_url, keyring=keyring,
                    calibration=calibration_camera)
        return 0
    monkeypatch.setattr(kiosk.plugins, "frontend", lambda name="qt": run_console if name == "console" else None)


def test_review_opens_the_console_on_the_given_folder(monkeypatch, tmp_path) -> None:
    seen: dict = {}
    _fake_console(monkeypatch, seen)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    parser = build_parser()
    args = parser.parse_args(["review", "--data-dir", str(tmp_path), "--idle-lock", "60", "--language", "de"])
    assert args.func(args) == 0
    assert seen == {"data_dir": tmp_path, "idle": 60.0, "language": "de", "central": None, "keyring": None,
                    "calibration": None}
    args = parser.parse_args(["review", "--data-dir", str(tmp_path), "--calibration-replay", str(tmp_path / "v.mp4")])
    assert args.func(args) == 0 and callable(seen["calibration"])  # the camera opens when the admin starts


def test_review_without_a_display_points_to_the_command_line(monkeypatch, tmp_path) -> None:
    """Qt aborted the process with a platform-plugin dump; now a typed error names the actions."""
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(kiosk.plugins, "frontend", lambda name="qt": lambda *a, **k: pytest.fail("window started"))
    args = build_parser().parse_args(["review", "--data-dir", str(tmp_path)])
    with pytest.raises(BadInputError, match="no display .* kiosk review {queue,show,approve,reject,reopen}"):
        args.func(args)
