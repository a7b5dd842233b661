"""Deep PAD feature sets (``inference.pad.deep``) on a real face (astronaut): fixed-length finite vectors,
stable across calls, typed errors for bad images, bad faces and models without the tapped tensors."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from inference.config import RuntimeConfig
from inference.detect import Face, FaceDetector, primary_face
from inference.errors import BadImageError
from inference.loader import load_runner
from inference.pad.deep import SET_DIMS, DeepPadFeatures, PadFeatureError, set_names, tap_model
from models.store import ModelStore


@pytest.fixture(scope="module")
def deep(store: ModelStore) -> DeepPadFeatures:
    return DeepPadFeatures.load(tuple(SET_DIMS), RuntimeConfig(provider="cpu"), store=store)


@pytest.fixture(scope="module")
def astronaut(store: ModelStore) -> tuple[np.ndarray, Face]:
    img = cv2.imread(str(store.asset_path("astronaut")))
    face = primary_face(FaceDetector(load_runner("yunet", store=store)).detect(img), img.shape)
    assert face is not None
    return img, face


def test_every_set_is_a_fixed_length_finite_vector(deep: DeepPadFeatures, astronaut) -> None:
    img, face = astronaut
    got = deep.features(img, face)
    assert set(got) == set(SET_DIMS)
    for name, v in got.items():
        assert v.shape == (SET_DIMS[name],) == (len(set_names(name)),)
        assert np.all(np.isfinite(v)) and np.std(v) > 0, name
    for name in ("sface", "mfn"):
        assert abs(np.linalg.norm(got[name]) - 1.0) < 1e-4  # embeddings are unit length
    again = deep.features(img, face, sets=("fas", "mesh"))
    for name in ("fas", "mesh"):
        np.testing.assert_allclose(again[name], got[name], rtol=1e-5, atol=1e-6)


def test_a_different_capture_moves_the_vectors(deep: DeepPadFeatures, astronaut) -> None:
    img, face = astronaut
    blurred = cv2.GaussianBlur(img, (0, 0), 3.0)
    a, b = deep.features(img, face), deep.features(blurred, face)
    for name in SET_DIMS:
        assert not np.allclose(a[name], b[name], atol=1e-4), name


def test_bad_inputs_are_typed_errors(deep: DeepPadFeatures, astronaut, tmp_path: Path, store: ModelStore) -> None:
    img, face = astronaut
    with pytest.raises(BadImageError):
        deep.features(img.astype(np.float32), face)
    with pytest.raises(PadFeatureError, match="landmarks"):
        deep.features(img, replace(face, landmarks=np.full((5, 2), np.nan, np.float32)))
    with pytest.raises(PadFeatureError, match="outside the image"):
        deep.features(img, replace(face, box=(img.shape[1] + 10.0, 0.0, 50.0, 50.0)))
    with pytest.raises(PadFeatureError, match="not loaded"):
        DeepPadFeatures(deep._runners, ("sface",)).features(img, face, sets=("mesh",))
    with pytest.raises(PadFeatureError, match="unknown"):
        set_names("nope")
    with pytest.raises(PadFeatureError, match="needs the"):
        DeepPadFeatures({}, ("fas",))
    with pytest.raises(PadFeatureError, match="no tensor"):
        tap_model(store.model_path("sface"), ["t139_StatefulPartitionedCall/sfl/dense/LeakyRelu"], tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half-written
