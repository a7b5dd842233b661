"""``kiosk review`` is declared for the kiosk command (kiosk/ never imports ui/) and opens the console
on the data folder it is given."""
from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import ui.console.app
from ui.console.commands import register_review

ROOT = Path(__file__).resolve().parents[3]


def test_review_is_an_entry_point_of_the_kiosk_command() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["idkiosk.commands"]["review"] == "ui.console.commands:register_review"


def test_review_opens_the_console_on_the_given_folder(monkeypatch, tmp_path) -> None:
    seen = {}
    monkeypatch.setattr(ui.console.app, "run_console",
                        lambda data_dir, config, idle_lock_s, language, central_url, keyring, calibration_camera:
                        seen.update(data_dir=data_dir, idle=idle_lock_s, language=language, central=central_url,
                                    keyring=keyring, calibration=calibration_camera) or 0)
    parser = argparse.ArgumentParser()
    register_review(parser.add_subparsers())
    args = parser.parse_args(["review", "--data-dir", str(tmp_path), "--idle-lock", "60", "--language", "de"])
    assert args.func(args) == 0
    assert seen == {"data_dir": tmp_path, "idle": 60.0, "language": "de", "central": None, "keyring": None,
                    "calibration": None}
    args = parser.parse_args(["review", "--data-dir", str(tmp_path), "--calibration-replay", str(tmp_path / "v.mp4")])
    assert args.func(args) == 0 and callable(seen["calibration"])  # the camera opens when the admin starts


def test_review_without_a_display_points_to_the_command_line(monkeypatch, tmp_path) -> None:
    """Qt aborted the process with a platform-plugin dump; now a typed error names the actions."""
    import pytest

    from kiosk.errors import BadInputError

    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(ui.console.app, "run_console", lambda *a, **k: pytest.fail("the window was started"))
    parser = argparse.ArgumentParser()
    register_review(parser.add_subparsers())
    args = parser.parse_args(["review", "--data-dir", str(tmp_path)])
    with pytest.raises(BadInputError, match="no display .* kiosk review {queue,show,approve,reject,reopen}"):
        args.func(args)
