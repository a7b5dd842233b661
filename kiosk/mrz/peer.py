"""The peer in ``kiosk eval mrz --peer passporteye``: PassportEye (MIT; Tesseract underneath) on the same images.

PassportEye pulls scikit-image, scikit-learn, matplotlib and pytesseract, none of which the kiosk wants,
so it lives in a virtual environment of its own, made on first use with the ordinary ``pip`` client
(``PEER_VERSION`` pinned) under ``peer_dir()``; the kiosk never imports it. ``peer_worker.py`` runs
there, one JSON line per image. Debian's ``tesseract-ocr`` must be installed (``installer/setup.sh``
installs it on development machines). Tesseract runs with ``OMP_THREAD_LIMIT=1``: 4-8x faster on
2 cores (DESIGN.md 3b). The peer never runs in CI.

Scored by ``evaluate.format_table``: a PassportEye read counts as accepted only when its ``valid``
flag is set (every check digit it knows passes), the way an integrator would use it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

from kiosk.errors import UserFacingError

PEER = "passporteye"
PEER_VERSION = "2.2.2"
_WORKER = Path(__file__).with_name("peer_worker.py")
# PassportEye's names for the formats, as ours.
_TYPES = {"TD1": "TD1", "TD2": "TD2", "TD3": "TD3", "MRVA": "MRV-A", "MRVB": "MRV-B"}
_TIMEOUT_S = 120  # one image; PassportEye takes seconds, never minutes


class PeerError(UserFacingError):
    """The peer reader cannot be installed or run (the message says what to install or fix)."""


def peer_dir() -> Path:
    """``KIOSK_PEER_DIR`` or ``peers/`` beside the model cache: where the peer's environment is kept."""
    from models.store import default_models_dir

    env = os.environ.get("KIOSK_PEER_DIR")
    return Path(env).expanduser() if env else default_models_dir().parent / "peers"


def ensure_peer(root: Path | None = None) -> Path:
    """The Python of the peer's environment, made and filled with ``pip`` on first use."""
    if shutil.which("tesseract") is None:
        raise PeerError("PassportEye needs Tesseract: install Debian's tesseract-ocr "
                        "(apt-get install tesseract-ocr; installer/setup.sh does it)")
    env = (root or peer_dir()) / f"{PEER}-{PEER_VERSION}"
    python = env / "bin" / "python"
    if (env / ".complete").is_file():
        return python
    if env.exists():
        shutil.rmtree(env)  # a half-made environment from an interrupted install
    print(f"installing {PEER} {PEER_VERSION} into {env} (once) ...", file=sys.stderr)
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"{PEER}=={PEER_VERSION}"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PeerError(f"pip could not install {PEER}=={PEER_VERSION} into {env}: "
                        f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'no message'}")
    (env / ".complete").write_text(PEER_VERSION, encoding="utf-8")
    return python


def run_peer(data: Path, rows: list[dict[str, str]], python: Path) -> list[tuple[dict[str, str],
                                                                                tuple[str, str, str] | None,
                                                                                str | None, float]]:
    """PassportEye on every labelled image: (row, key read or None when refused, format, ms) per image."""
    paths = [str((data / r["path"]).resolve()) for r in rows]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run([str(python), str(_WORKER)], input=json.dumps(paths), capture_output=True,
                              text=True, env=env, timeout=_TIMEOUT_S * max(1, len(paths)), check=False)
    except subprocess.TimeoutExpired as exc:
        raise PeerError(f"{PEER} did not finish within {exc.timeout:.0f} s") from exc
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message"
        raise PeerError(f"{PEER} failed: {last}")
    results: dict[str, dict[str, Any]] = {}
    for line in done.stdout.splitlines():
        item = json.loads(line)
        results[item["path"]] = item
    out = []
    for r, p in zip(rows, paths):
        item = results.get(p, {"type": None, "ms": 0.0})
        key = None
        if item.get("type") and item.get("valid"):
            key = (str(item["number"]).rstrip("<"), str(item["birth_date"]), str(item["expiry_date"]))
        out.append((r, key, _TYPES.get(str(item.get("type"))), float(item.get("ms", 0.0))))
    return out
