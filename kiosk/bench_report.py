"""What every benchmark's report carries: the machine it was measured on, and the JSON file ``--json`` names.

Core, not a command: the ``kiosk bench`` subcommands and the window's own bench (``ui/``) both use it.
"""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    return {"cpu_count": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version(),
            "processor": platform.processor() or platform.machine()}


def write_json(path: str | None, data: dict[str, Any]) -> None:
    """Write a benchmark's result as JSON when ``--json`` was given."""
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=2), encoding="utf-8")
