"""Where a kiosk's installed passive-liveness (site) model lives, how it is installed, and how the kiosk loads it.

The site model is ``<data dir>/pad/site_model.json`` (a ``pad-fusion/1`` file), written only by
``kiosk pad collect`` when a newly trained model beats the current one on held-back captures. Beside it:

- ``installed.json``: the install record (sha256 of the model file, when, from which report, the previous
  model's sha256), written after the model;
- ``site_model.prev.json``: the model it replaced (the backup, to restore by hand if needed).

``[liveness] model`` in the kiosk config chooses what the kiosk scores with (``liveness_config``):
``"site"`` (default) the installed model, or FaceAntiSpoofing alone while none was ever installed;
``"none"`` FaceAntiSpoofing alone; or a path to a model from ``kiosk pad train``. Once a site model was
installed, the kiosk never silently runs without it: a missing, unreadable, damaged or changed file
(its sha256 differs from the install record) raises ``SiteModelError`` at start-up. Why fail closed: a
kiosk that quietly fell back to the uncalibrated score would accept attacks the site model rejects.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.liveness import LivenessConfig
from inference.pad_model import PadModel, PadModelError, load_model

from kiosk.errors import UserFacingError

MODEL_FILE = "site_model.json"
BACKUP_FILE = "site_model.prev.json"
RECORD_FILE = "installed.json"


class SiteModelError(UserFacingError):
    """The configured or installed passive-liveness model cannot be used (missing, damaged, changed)."""


def site_dir(data_dir: Path) -> Path:
    """``<data dir>/pad``: the site model, its record and backup, the collection and the reports."""
    return Path(data_dir) / "pad"


def site_model_path(data_dir: Path) -> Path:
    """Where the installed site model lives."""
    return site_dir(data_dir) / MODEL_FILE


@dataclass(frozen=True)
class InstalledModel:
    """The site model now installed: its file, the loaded model and its install record."""

    path: Path
    model: PadModel
    record: dict[str, Any]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_record(data_dir: Path) -> dict[str, Any] | None:
    path = site_dir(data_dir) / RECORD_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SiteModelError(f"the site model's install record {path} is damaged ({exc}): restore the data folder "
                             "from a backup or run 'kiosk pad collect' again") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sha256"), str):
        raise SiteModelError(f"the site model's install record {path} has no sha256: restore it from a backup or "
                             "run 'kiosk pad collect' again")
    return doc


def installed_model(data_dir: Path) -> InstalledModel | None:
    """The installed site model, or None when none was ever installed.

    Raises ``SiteModelError`` when one was installed (or a file lies there) but cannot be used.
    """
    record = _read_record(data_dir)
    path = site_model_path(data_dir)
    if record is None and not path.exists():
        return None
    fix = (f"restore it (the previous model is kept as {site_dir(data_dir) / BACKUP_FILE}) or run "
           "'kiosk pad collect' again; [liveness] model = \"none\" runs on FaceAntiSpoofing alone")
    if not path.is_file():
        raise SiteModelError(f"the site liveness model installed on {record.get('installed_at', '?') if record else '?'} "
                             f"is missing ({path}): {fix}")
    try:
        model = load_model(path)
    except PadModelError as exc:
        raise SiteModelError(f"the installed site liveness model is unusable: {exc}; {fix}") from exc
    if record is not None and _sha256(path) != record["sha256"]:
        raise SiteModelError(f"the site liveness model {path} changed since it was installed (sha256 differs from "
                             f"{RECORD_FILE}): {fix}")
    return InstalledModel(path, model, record or {})


def liveness_config(model: str, data_dir: Path, aggregate: str = "median") -> LivenessConfig:
    """The ``LivenessConfig`` that ``[liveness] model`` names; ``SiteModelError`` if that model is unusable.

    Called at start-up (before the window or the demo), so a bad model stops the kiosk with its reason.
    """
    if model == "none":
        return LivenessConfig(model_path=None, aggregate=aggregate)  # type: ignore[arg-type]
    if model == "site":
        inst = installed_model(data_dir)
        return LivenessConfig(model_path=inst.path if inst else None, aggregate=aggregate)  # type: ignore[arg-type]
    path = Path(model).expanduser()
    try:
        load_model(path)
    except PadModelError as exc:
        raise SiteModelError(f"[liveness] model {path}: {exc}") from exc
    return LivenessConfig(model_path=path, aggregate=aggregate)  # type: ignore[arg-type]


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` durably (``storage.atomic_write``: synced temporary file, rename, synced
    folder), creating the folder; a crash leaves the old file or the new one, never half of either."""
    from storage import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))


def install(data_dir: Path, model: PadModel, report_path: Path | None) -> dict[str, Any]:
    """Install ``model`` as the site model: back up the current file, write the new one, then its record.

    Returns the new install record.
    """
    folder = site_dir(data_dir)
    current = site_model_path(data_dir)
    previous = None
    if current.is_file():
        previous = _sha256(current)
        write_atomic(folder / BACKUP_FILE, current.read_text(encoding="utf-8"))
    text = json.dumps(model.to_dict(), indent=2)
    write_atomic(current, text)
    record = {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
              "installed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "report": str(report_path) if report_path else None, "previous_sha256": previous,
              "backup": str(folder / BACKUP_FILE) if previous else None}
    write_atomic(folder / RECORD_FILE, json.dumps(record, indent=2))
    return record


def audit_install(storage: Any, actor: str, report: dict[str, Any], by: str | None = None) -> None:
    """Record an installed site model in ``storage``'s audit chain (``config_change``).

    An installed model's alarms count in every decision from then on, so who installed which model (by
    sha256), replacing which, and why, must be as tamper-evident as the decisions themselves.
    """
    from storage.audit import AuditKind

    installed = report.get("installed")
    if not installed:
        return
    storage.audit.record(AuditKind.CONFIG_CHANGE, actor, {
        "what": "passive-liveness site model installed", "by": by or actor,
        "sha256": installed["sha256"], "previous_sha256": installed["previous_sha256"],
        "decision": str(report.get("decision", ""))[:300]})
