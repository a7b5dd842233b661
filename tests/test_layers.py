"""The dependency direction ui -> kiosk -> {inference, hardware, storage} holds (import-linter)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 6 kept, 0 broken" in result.stdout  # layers, Qt, ui/commands, evaluation, the HTTP-only client, models leaf


def test_no_plain_onnxruntime_installed() -> None:
    from importlib import metadata

    names = {(d.metadata["Name"] or "").lower() for d in metadata.distributions()}
    assert "onnxruntime-openvino" in names
    assert "onnxruntime" not in names, "plain onnxruntime would shadow onnxruntime-openvino"
