"""Passive liveness: the fusion model separates synthetic attacks from real faces, round-trips through
JSON, refuses damaged files with a typed error; the kiosk API falls back to FaceAntiSpoofing alone."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from inference.antispoof import AntiSpoof
from inference.detect import FaceDetector
from inference.errors import InferenceError, NoFaceError
from inference.liveness import LivenessConfig, PassiveLiveness, aggregate_scores
from inference.loader import load_runner
from inference.pad.features import FEATURE_NAMES, cue_features
from inference.pad.model import PadModel, PadModelError, load_model, model_from_dict, train_model
from models.store import ModelStore


def moire(img: np.ndarray, period_px: float, angle: float, amplitude: float) -> np.ndarray:
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    wave = amplitude * np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period_px)
    return np.clip(img.astype(np.float64) + wave[:, :, None], 0, 255).astype(np.uint8)


def print_cast(img: np.ndarray, strength: float) -> np.ndarray:
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.float64)
    hsv[:, :, 1] *= 1 - 0.6 * strength
    out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR).astype(np.float64)
    out = (1 - 0.4 * strength) * out + 0.4 * strength * 170 + strength * np.array([-12.0, 4.0, 14.0])
    return np.clip(out, 0, 255).astype(np.uint8)


def attack_of(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A re-captured look: print-like colour, a screen grating, slight defocus."""
    out = print_cast(img, rng.uniform(0.6, 1.0))
    out = moire(out, rng.uniform(2.8, 4.0), rng.uniform(0, np.pi), rng.uniform(15, 30))
    return cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 0.8))


def views(img: np.ndarray, box, rng: np.random.Generator, n: int):
    """``n`` crops around a face (random margin, shift, gain) with the face box in crop coordinates."""
    x, y, w, h = box
    for _ in range(n):
        s = rng.uniform(1.8, 2.6) * max(w, h)
        cx, cy = x + w / 2 + rng.uniform(-0.1, 0.1) * w, y + h / 2 + rng.uniform(-0.1, 0.1) * h
        x0, y0 = int(max(0, cx - s / 2)), int(max(0, cy - s / 2))
        crop = img[y0:int(cy + s / 2), x0:int(cx + s / 2)]
        gain = rng.uniform(0.85, 1.15)
        yield np.clip(crop.astype(np.float64) * gain, 0, 255).astype(np.uint8), (x - x0, y - y0, w, h)


@pytest.fixture(scope="module")
def faces(store: ModelStore):
    det = FaceDetector(load_runner("yunet", store=store))
    out = []
    for name in ("astronaut", "t1"):
        img = cv2.imread(str(store.asset_path(name)))
        out += [(img, f.box) for f in det.detect(img)]
    assert len(out) == 7
    return out


@pytest.fixture(scope="module")
def dataset(faces):
    """Features of live views and their attack versions, with the face index (for a face-disjoint split)."""
    rng = np.random.default_rng(7)
    rows, y, who = [], [], []
    for i, (img, box) in enumerate(faces):
        for crop, b in views(img, box, rng, 6):
            rows.append(cue_features(crop, b).vector())
            y.append(0)
            rows.append(cue_features(attack_of(crop, rng), b).vector())
            y.append(1)
            who += [i, i]
    return np.array(rows), np.array(y, float), np.array(who)


def test_fusion_separates_synthetic_attacks_on_unseen_faces(dataset) -> None:
    x, y, who = dataset
    train, test = who <= 4, who > 4  # two t1 faces never seen in training
    m = train_model(x[train], y[train], FEATURE_NAMES, l2=1.0)
    s = m.score(x[test])
    assert np.mean((s >= m.threshold) == (y[test] == 1)) >= 0.9
    assert s[y[test] == 1].min() > np.median(s[y[test] == 0])


def test_model_round_trips_through_json(dataset, tmp_path: Path) -> None:
    x, y, _ = dataset
    m = train_model(x, y, FEATURE_NAMES, threshold=0.4, training={"data": "synthetic"}, metadata={"v": 1})
    m.save(tmp_path / "m.json")
    back = load_model(tmp_path / "m.json")
    assert back.feature_names == FEATURE_NAMES and back.threshold == 0.4
    assert back.training == {"data": "synthetic"} and back.metadata == {"v": 1}
    np.testing.assert_allclose(back.score(x), m.score(x), rtol=0, atol=1e-12)


def test_nan_features_are_imputed_not_propagated(dataset) -> None:
    x, y, _ = dataset
    m = train_model(x, y, FEATURE_NAMES)
    row = x[:1].copy()
    row[0, :5] = np.nan
    assert np.isfinite(m.score(row)).all()


def _good_doc() -> dict:
    n = 3
    return {"schema": "pad-fusion/1", "feature_names": ["a", "b", "c"], "mean": [0.0] * n, "std": [1.0] * n,
            "weights": [1.0, -1.0, 0.5], "bias": 0.1, "threshold": 0.5, "training": {}, "metadata": {}}


@pytest.mark.parametrize("change", [
    {"schema": "other/1"}, {"feature_names": []}, {"feature_names": ["a", "a", "c"]}, {"mean": [0.0, 0.0]},
    {"std": [1.0, 0.0, 1.0]}, {"weights": [1.0, "x", 0.5]}, {"bias": None}, {"threshold": 1.5},
    {"threshold": True}, {"training": []}, {"weights": [1.0, float("nan"), 0.5]},
])
def test_bad_model_fields_are_typed_errors(change) -> None:
    model_from_dict(_good_doc())
    with pytest.raises(PadModelError):
        model_from_dict({**_good_doc(), **change})


def test_corrupt_or_missing_file_is_a_typed_error(tmp_path: Path) -> None:
    p = tmp_path / "m.json"
    p.write_text(json.dumps(_good_doc())[:-9], encoding="utf-8")
    with pytest.raises(PadModelError, match="not valid JSON"):
        load_model(p)
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(PadModelError):
        load_model(p)
    with pytest.raises(PadModelError, match="not found"):
        load_model(tmp_path / "absent.json")
    assert issubclass(PadModelError, InferenceError)


@settings(max_examples=150, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5) | st.integers(),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=8),
                    max_leaves=20))
def test_model_parser_raises_only_its_own_error(doc) -> None:
    try:
        model_from_dict(doc)
    except PadModelError:
        pass


def test_model_rejects_wrong_feature_count() -> None:
    m = model_from_dict(_good_doc())
    with pytest.raises(PadModelError):
        m.score(np.zeros((1, 4)))


def test_aggregation() -> None:
    assert aggregate_scores([0.1, 0.9, 0.2]) == pytest.approx(0.2)
    assert aggregate_scores([0.1, 0.9, 0.2], "mean") == pytest.approx(0.4)
    assert aggregate_scores([0.1, 0.9, 0.2], "max") == pytest.approx(0.9)
    with pytest.raises(NoFaceError):
        aggregate_scores([])


def test_config_is_strict() -> None:
    with pytest.raises(ValidationError):
        LivenessConfig(threshold=2.0)
    with pytest.raises(ValidationError):
        LivenessConfig(unknown=1)


@pytest.fixture(scope="module")
def astronaut_face(store: ModelStore):
    img = cv2.imread(str(store.asset_path("astronaut")))
    face = FaceDetector(load_runner("yunet", store=store)).detect(img)[0]
    return img, face


def test_without_model_the_antispoof_score_decides_and_evidence_says_so(store, astronaut_face) -> None:
    img, face = astronaut_face
    pl = PassiveLiveness(AntiSpoof(load_runner("antispoof", store=store)), LivenessConfig())
    r = pl.score([(img, face)] * 2)
    assert r.method == "antispoof_only" and "FaceAntiSpoofing score alone" in r.note
    assert r.threshold == 0.2 and r.score == r.antispoof_scores[0] and len(r.frame_scores) == 2
    d = r.to_dict()
    json.dumps(d)
    assert d["model"] is None and set(d["features"][0]) == set(FEATURE_NAMES)
    with pytest.raises(NoFaceError):
        pl.score([])


def test_with_model_the_fusion_scores_live_below_its_attack(store, astronaut_face, dataset, tmp_path) -> None:
    img, face = astronaut_face
    x, y, _ = dataset
    train_model(x, y, FEATURE_NAMES, metadata={"feature_version": "pad-features-3"}).save(tmp_path / "m.json")
    cfg = LivenessConfig(model_path=tmp_path / "m.json", max_frames=2)
    pl = PassiveLiveness.from_config(AntiSpoof(load_runner("antispoof", store=store)), cfg)
    live = pl.score([(img, face)] * 3)
    assert live.method == "fusion" and len(live.frame_scores) == 2 and live.threshold == 0.5
    attack = pl.score([(attack_of(img, np.random.default_rng(3)), face)])
    assert attack.score > live.score


def test_from_config_with_a_damaged_model_is_a_typed_error(store, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(PadModelError):
        PassiveLiveness.from_config(AntiSpoof(load_runner("antispoof", store=store)),
                                    LivenessConfig(model_path=tmp_path / "bad.json"))
    doc = {**_good_doc(), "feature_names": ["a", "b", "nonexistent"]}
    (tmp_path / "other.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(PadModelError, match="unknown features"):
        PassiveLiveness.from_config(AntiSpoof(load_runner("antispoof", store=store)),
                                    LivenessConfig(model_path=tmp_path / "other.json"))
