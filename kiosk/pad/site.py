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
raises ``SiteModelError`` at start-up. Why fail closed: a kiosk that quietly fell back to the
uncalibrated score would accept attacks the site model rejects.

What "changed" is measured against is the audit chain, not ``installed.json`` (an unkeyed sha256 beside
the file, which whoever edits the model can rewrite): every install is a ``config_change`` event naming
the model's sha256 (:func:`audit_install`), a deliberate removal is one too (:func:`uninstall`, ``kiosk pad
uninstall --reason``), and start-up (:func:`liveness_config`) takes the newest such event, proven newest
by checking the chain from it to the authenticated head (``AuditTrail.newest``). The installed file must
hash to what it names; a file no event installed, or one present after an uninstall, is refused too.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.liveness import LivenessConfig
from inference.pad.model import PadModel, PadModelError, load_model

from kiosk.errors import UserFacingError

MODEL_FILE = "site_model.json"
BACKUP_FILE = "site_model.prev.json"
RECORD_FILE = "installed.json"
INSTALLED_WHAT = "passive-liveness site model installed"
UNINSTALLED_WHAT = "passive-liveness site model uninstalled"
_FIX = ("restore the model from a backup of the data folder (the previous one is kept as {backup}), run 'kiosk pad "
        "collect' again to install one (audited), or run 'kiosk pad uninstall --reason TEXT' (audited) to run on "
        "FaceAntiSpoofing alone")


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


@dataclass(frozen=True)
class RecordedSiteModel:
    """What the audit chain says about the site model: the newest install/uninstall event."""

    seq: int
    at: dt.datetime
    sha256: str | None  # None: uninstalled


def recorded_site_model(storage: Any) -> RecordedSiteModel | None:
    """The newest site-model event in ``storage``'s audit chain, proven newest (``AuditTrail.newest``);
    ``None`` when no site model was ever installed. ``SiteModelError`` when the chain cannot say."""
    from storage.audit import AuditKind
    from storage.errors import IntegrityError

    try:
        ev = storage.audit.newest(AuditKind.CONFIG_CHANGE, lambda d: d.get("what") in (INSTALLED_WHAT, UNINSTALLED_WHAT))
    except IntegrityError as exc:
        raise SiteModelError(f"which site liveness model is installed cannot be confirmed: {exc}; run 'kiosk audit "
                             "verify'") from exc
    if ev is None:
        return None
    sha = ev.details.get("sha256") if ev.details.get("what") == INSTALLED_WHAT else None
    return RecordedSiteModel(ev.seq, ev.at, str(sha) if sha else None)


def checked_site_model(data_dir: Path, storage: Any) -> InstalledModel | None:
    """The installed site model after checking it against the audit chain; ``None`` when none is installed
    (never, or uninstalled on the record). ``SiteModelError`` says what is wrong and what to do."""
    recorded = recorded_site_model(storage)
    fix = _FIX.format(backup=site_dir(data_dir) / BACKUP_FILE)
    path = site_model_path(data_dir)
    if recorded is None or recorded.sha256 is None:
        if path.exists():
            why = ("no audit event records its install" if recorded is None else
                   f"audit event {recorded.seq} records that the site model was uninstalled on {recorded.at:%Y-%m-%d}")
            raise SiteModelError(f"a site liveness model lies at {path} but {why} (put there outside 'kiosk pad "
                                 f"collect'?): {fix}")
        return None
    when = f"installed on {recorded.at:%Y-%m-%d} (audit event {recorded.seq})"
    if not path.is_file():
        raise SiteModelError(f"the site liveness model {when} is missing ({path}): {fix}")
    inst = installed_model(data_dir)
    assert inst is not None  # the file exists
    actual = _sha256(path)
    if actual != recorded.sha256:
        raise SiteModelError(f"the site liveness model {path} is not the one {when}: its sha256 is {actual[:16]}..., "
                             f"the audit event names {recorded.sha256[:16]}...: {fix}")
    return inst


def uninstall(storage: Any, data_dir: Path, actor: str, reason: str) -> int:
    """Remove the installed site model on the record: a ``config_change`` event (what, by whom, why, which sha256),
    then the model file and its install record. Returns the event's seq. The previous model's backup stays."""
    from storage.audit import AuditKind

    if not reason or not reason.strip():
        raise SiteModelError("say why the site liveness model is removed (--reason); it is kept in the audit trail")
    recorded = recorded_site_model(storage)
    if recorded is None or recorded.sha256 is None:
        if not site_model_path(data_dir).exists():
            raise SiteModelError("no site liveness model is installed: nothing to uninstall")
    seq: int = storage.audit.record(AuditKind.CONFIG_CHANGE, actor, {
        "what": UNINSTALLED_WHAT, "sha256": recorded.sha256 if recorded else None, "reason": reason.strip()[:300]})
    for name in (MODEL_FILE, RECORD_FILE):
        (site_dir(data_dir) / name).unlink(missing_ok=True)
    return seq


def liveness_config(model: str, data_dir: Path, aggregate: str = "median") -> LivenessConfig:
    """The ``LivenessConfig`` that ``[liveness] model`` names; ``SiteModelError`` if that model is unusable.

    Called at start-up (before the window or the demo), so a bad model stops the kiosk with its reason.
    """
    if model == "none":
        return LivenessConfig(model_path=None, aggregate=aggregate)  # type: ignore[arg-type]
    if model == "site":
        from storage import open_storage

        storage = open_storage(Path(data_dir))  # the kiosk's decision log (kiosk.workflow.record_step), whose chain
        try:                                     # records every install and uninstall
            inst = checked_site_model(data_dir, storage)
        finally:
            storage.close()
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
    sha256), replacing which, and why, must be as tamper-evident as the decisions themselves. Start-up
    (:func:`checked_site_model`) refuses an installed model until this event names its sha256.
    """
    from storage.audit import AuditKind

    installed = report.get("installed")
    if not installed:
        return
    storage.audit.record(AuditKind.CONFIG_CHANGE, actor, {
        "what": INSTALLED_WHAT, "by": by or actor,
        "sha256": installed["sha256"], "previous_sha256": installed["previous_sha256"],
        "decision": str(report.get("decision", ""))[:300]})
