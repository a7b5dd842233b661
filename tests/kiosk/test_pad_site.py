"""The installed site model: where it lives, how ``[liveness] model`` selects it, and that a missing,
damaged or changed installed model stops the kiosk at start-up instead of falling back to no model."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inference.pad_features import FEATURE_NAMES
from inference.pad_model import PadModel, load_model, train_model
from kiosk import pad_site
from kiosk.pad_site import SiteModelError, install, installed_model, liveness_config, site_model_path
from kiosk.workflow.config import KioskConfig


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
