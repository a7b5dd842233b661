"""Front ends and extra commands that plug into the ``kiosk`` command through package entry points.

The Qt window lives in ``ui/``, above ``kiosk/`` in the layering (ui -> kiosk): ``kiosk`` never imports
it. ``ui`` declares itself in ``pyproject.toml`` instead (groups ``idkiosk.frontends``,
``idkiosk.commands``, ``idkiosk.bench``), and the CLI finds it here when it is installed, as Electrum
finds its GUI plugins.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

log = logging.getLogger(__name__)


def _load(group: str) -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for ep in entry_points(group=group):
        try:
            found[ep.name] = ep.load()
        except Exception as exc:  # a broken plug-in must not take the whole command line down
            log.warning("plug-in %s (%s) could not be loaded: %s", ep.name, group, exc)
    return found


def frontend(name: str = "qt") -> Callable[..., int] | None:
    """The window's entry point (``run_window(config, data_dir, provider)``), or None when not installed."""
    return _load("idkiosk.frontends").get(name)


def command_plugins() -> list[Callable[[Any], None]]:
    """``register(subparsers)`` functions of commands other packages add."""
    return list(_load("idkiosk.commands").values())


def bench_plugins() -> list[Callable[[Any], None]]:
    """``register(bench_subparsers)`` functions of benchmarks other packages add to ``kiosk bench``."""
    return list(_load("idkiosk.bench").values())
