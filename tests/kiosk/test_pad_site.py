"""The installed site model: where it lives, how ``[liveness] model`` selects it, and that a missing,
damaged or changed installed model stops the kiosk at start-up instead of falling back to no model.
The model is bound by the sha256 its audited install event names (probe 3 of issue 20): an edited model
with a rewritten install record, or a model folder deleted after an audited install, is refused; a
deliberate ``kiosk pad uninstall`` is audited and then running without it is fine."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from inference.pad.features import FEATURE_NAMES
from inference.pad.model import PadModel, load_model, train_model
from kiosk.pad import site as pad_site
from kiosk.cli import main
from kiosk.pad.site import SiteModelError, audit_install, installed_model, liveness_config, site_model_path
from kiosk.workflow.config import KioskConfig
from storage import open_storage


def install(data_dir: Path, model: PadModel, report: Path | None) -> dict:
    """Install as ``kiosk pad collect`` does: the files, then the ``config_change`` event naming its sha256."""
    record = pad_site.install(data_dir, model, report)
    st = open_storage(data_dir)
    try:
        audit_install(st, "cli:test", {"installed": record, "decision": "test install"})
    finally:
        st.close()
    return record


def _model(seed: int) -> PadModel:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(40, len(FEATURE_NAMES)))
    y = (np.arange(40) % 2).astype(float)
    x[y == 1, 0] += 2.0
    return train_model(x, y, FEATURE_NAMES, threshold=0.5)


def test_no_model_installed_means_antispoof_alone(tmp_path: Path) -> None:
    assert installed_model(tmp_path) is None
    assert liveness_config("site", tmp_path).model_path is None


def test_installed_model_is_used_and_the_previous_one_kept(tmp_path: Path) -> None:
    first, second = _model(1), _model(2)
    rec1 = install(tmp_path, first, None)
    cfg = liveness_config("site", tmp_path, "max")
    assert cfg.model_path == site_model_path(tmp_path) and cfg.aggregate == "max"
    assert np.allclose(load_model(cfg.model_path).weights, first.weights)
    rec2 = install(tmp_path, second, tmp_path / "report.json")
    assert rec2["previous_sha256"] == rec1["sha256"] and rec2["report"].endswith("report.json")
    got = installed_model(tmp_path)
    assert got is not None and np.allclose(got.model.weights, second.weights)
    backup = load_model(pad_site.site_dir(tmp_path) / pad_site.BACKUP_FILE)
    assert np.allclose(backup.weights, first.weights)
    assert liveness_config("none", tmp_path).model_path is None  # explicitly off, even when installed


@pytest.mark.parametrize("damage", ["deleted", "not json", "edited", "foreign schema"])
def test_damaged_installed_model_fails_closed(tmp_path: Path, damage: str) -> None:
    install(tmp_path, _model(1), None)
    path = site_model_path(tmp_path)
    if damage == "deleted":
        path.unlink()
    elif damage == "not json":
        path.write_text(path.read_text()[:50], encoding="utf-8")
    elif damage == "edited":  # still a valid model, but not the one installed
        doc = json.loads(path.read_text())
        doc["threshold"] = 0.99
        path.write_text(json.dumps(doc), encoding="utf-8")
    else:
        doc = json.loads(path.read_text())
        doc["schema"] = "other/1"
        path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SiteModelError, match="kiosk pad collect"):
        liveness_config("site", tmp_path)


def test_damaged_install_record_fails_closed(tmp_path: Path) -> None:
    install(tmp_path, _model(1), None)
    (pad_site.site_dir(tmp_path) / pad_site.RECORD_FILE).write_text("{", encoding="utf-8")
    with pytest.raises(SiteModelError, match="install record"):
        liveness_config("site", tmp_path)


def test_explicit_model_path_must_load(tmp_path: Path) -> None:
    with pytest.raises(SiteModelError, match="not found"):
        liveness_config(str(tmp_path / "missing.json"), tmp_path)
    _model(3).save(tmp_path / "m.json")
    assert liveness_config(str(tmp_path / "m.json"), tmp_path).model_path == tmp_path / "m.json"


def test_config_table_defaults_and_refuses_unknown_keys() -> None:
    assert KioskConfig().liveness.model == "site"
    with pytest.raises(ValueError):
        KioskConfig.model_validate({"liveness": {"model_path": "x"}})


def test_headless_demo_refuses_a_damaged_site_model_before_any_session(tmp_path: Path) -> None:
    from kiosk.demo import run_demo

    install(tmp_path, _model(1), None)
    site_model_path(tmp_path).write_text("garbage", encoding="utf-8")
    said: list[str] = []
    with pytest.raises(SiteModelError):
        run_demo(tmp_path, say=said.append)
    assert said == []  # not even the models were loaded


def test_kiosk_window_build_refuses_a_damaged_site_model(tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    from ui.app import build_kiosk

    install(tmp_path, _model(1), None)
    site_model_path(tmp_path).unlink()
    with pytest.raises(SiteModelError, match="missing"):
        build_kiosk(KioskConfig(), tmp_path)


def _rewrite_threshold(path: Path, threshold: float) -> None:
    doc = json.loads(path.read_text())
    doc["threshold"] = threshold
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_edited_model_with_its_record_rewritten_is_refused(tmp_path: Path) -> None:
    """Threshold 1.0 (passive liveness never flags) and installed.json's sha256 rewritten to match: the
    audit event still names the installed model's sha256."""
    install(tmp_path, _model(1), None)
    path = site_model_path(tmp_path)
    _rewrite_threshold(path, 1.0)
    record_path = pad_site.site_dir(tmp_path) / pad_site.RECORD_FILE
    record = json.loads(record_path.read_text())
    record["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    record_path.write_text(json.dumps(record), encoding="utf-8")
    assert installed_model(tmp_path) is not None  # the unkeyed record alone would accept it
    with pytest.raises(SiteModelError, match=r"not the one installed on .* \(audit event \d+\).*kiosk pad uninstall"):
        liveness_config("site", tmp_path)


def test_model_folder_deleted_after_an_audited_install_is_refused(tmp_path: Path) -> None:
    install(tmp_path, _model(1), None)
    shutil.rmtree(pad_site.site_dir(tmp_path))
    with pytest.raises(SiteModelError, match=r"installed on .* is missing.*kiosk pad uninstall --reason"):
        liveness_config("site", tmp_path)


def test_install_event_removed_from_the_chain_is_refused(tmp_path: Path) -> None:
    """Deleting the folder and turning the install event into another kind: the chain from it on no longer
    verifies, so start-up cannot be told "never installed"."""
    install(tmp_path, _model(1), None)
    shutil.rmtree(pad_site.site_dir(tmp_path))
    con = sqlite3.connect(tmp_path / "kiosk.db")
    with con:
        con.execute("UPDATE audit_events SET kind = 'login_ok' WHERE kind = 'config_change'")
    con.close()
    with pytest.raises(SiteModelError, match="cannot be confirmed.*kiosk audit verify"):
        liveness_config("site", tmp_path)


def test_a_model_no_event_installed_is_refused(tmp_path: Path) -> None:
    pad_site.install(tmp_path, _model(1), None)  # files only, as if copied in by hand
    with pytest.raises(SiteModelError, match="no audit event records its install"):
        liveness_config("site", tmp_path)


def test_audited_uninstall_then_runs_without_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    install(tmp_path, _model(1), None)
    assert main(["pad", "uninstall", "--data-dir", str(tmp_path), "--reason", "site model retired"]) == 0
    assert "uninstalled (audit event" in capsys.readouterr().out
    assert not site_model_path(tmp_path).exists()
    assert liveness_config("site", tmp_path).model_path is None
    st = open_storage(tmp_path)
    try:
        ev = [e for e in st.audit.events() if e.kind == "config_change"][-1]
        assert ev.details["what"] == pad_site.UNINSTALLED_WHAT and ev.details["reason"] == "site model retired"
        assert ev.actor.startswith("cli:") and st.verify().ok
    finally:
        st.close()
    # A model put back by hand after the uninstall is refused; installing again (audited) is accepted.
    pad_site.install(tmp_path, _model(2), None)
    with pytest.raises(SiteModelError, match="uninstalled on"):
        liveness_config("site", tmp_path)
    install(tmp_path, _model(2), None)
    assert liveness_config("site", tmp_path).model_path == site_model_path(tmp_path)


def test_uninstall_needs_a_reason_and_an_installed_model(tmp_path: Path) -> None:
    st = open_storage(tmp_path)
    try:
        with pytest.raises(SiteModelError, match="nothing to uninstall"):
            pad_site.uninstall(st, tmp_path, "cli:test", "why not")
        with pytest.raises(SiteModelError, match="say why"):
            pad_site.uninstall(st, tmp_path, "cli:test", "  ")
    finally:
        st.close()
