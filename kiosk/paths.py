"""Where the kiosk keeps and finds things on disk."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """The research data folder: ``KIOSK_DATA_DIR`` or ``../shared/data`` beside the checkout.

    It may not exist (a user's fresh checkout): callers check and skip or explain.
    """
    env = os.environ.get("KIOSK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return (PROJECT_ROOT.parent / "shared" / "data").resolve()


def default_data_dir() -> Path:
    """Per-user state folder (database, blobs, keys) unless ``--data-dir`` or ``KIOSK_HOME`` says otherwise."""
    env = os.environ.get("KIOSK_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("idkiosk", appauthor=False))


def trust_dir(data_dir: str | Path | None) -> Path:
    """The trust-store folder inside ``data_dir`` (default: the kiosk's data dir)."""
    return Path(data_dir).expanduser() / "trust" if data_dir else default_data_dir() / "trust"
