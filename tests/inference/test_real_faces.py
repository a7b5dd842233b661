"""Model wrappers on real faces fetched like models: astronaut.png (one face), t1.jpg (six faces)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.antispoof import AntiSpoof
from inference.config import RuntimeConfig
from inference.detect import FaceDetector
from inference.embed import MobileFaceNetEmbedder, SFaceEmbedder
from inference.errors import BadImageError
from inference.landmarks import FaceMesh
from inference.loader import load_runner
from models.store import ModelStore


@pytest.fixture(scope="module", params=["openvino", "cpu"])
def provider(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def stages(store: ModelStore, provider: str):
    cfg = RuntimeConfig(provider=provider)
    r = lambda mid: load_runner(mid, cfg, store=store)  # noqa: E731
    return {
        "detector": FaceDetector(r("yunet")),
        "mesh": FaceMesh(r("face_mesh"), r("iris")),
        "sface": SFaceEmbedder(r("sface")),
        "mfn": MobileFaceNetEmbedder(r("mobilefacenet")),
        "spoof": AntiSpoof(r("antispoof")),
    }


@pytest.fixture(scope="module")
def astronaut(store: ModelStore) -> np.ndarray:
    return cv2.imread(str(store.asset_path("astronaut")))


@pytest.fixture(scope="module")
def t1(store: ModelStore) -> np.ndarray:
    return cv2.imread(str(store.asset_path("t1")))


def test_one_face_on_astronaut_six_on_t1(stages, astronaut, t1) -> None:
    assert len(stages["detector"].detect(astronaut)) == 1
    assert len(stages["detector"].detect(t1)) == 6


def test_runner_reports_the_provider_it_uses(stages, provider) -> None:
    expected = "OpenVINOExecutionProvider" if provider == "openvino" else "CPUExecutionProvider"
    assert stages["detector"].runner.provider == expected


def test_five_points_inside_box_eyes_above_mouth(stages, astronaut, t1) -> None:
    for image in (astronaut, t1):
        for f in stages["detector"].detect(image):
            x, y, w, h = f.box
            lm = f.landmarks
            assert np.all((lm[:, 0] >= x) & (lm[:, 0] <= x + w) & (lm[:, 1] >= y) & (lm[:, 1] <= y + h))
            assert max(lm[0, 1], lm[1, 1]) < lm[2, 1] < min(lm[3, 1], lm[4, 1])  # eyes, nose, mouth
            assert lm[0, 0] < lm[1, 0] and lm[3, 0] < lm[4, 0]  # image-left first


def test_mesh_inside_face_and_ordered(stages, astronaut) -> None:
    face = stages["detector"].detect(astronaut)[0]
    lm = stages["mesh"].landmarks(astronaut, face)
    assert lm.points.shape == (468, 3) and lm.face_score > 0.9
    x, y, w, h = face.box
    pts = lm.points[:, :2]
    margin = 0.15 * max(w, h)
    assert np.all((pts[:, 0] > x - margin) & (pts[:, 0] < x + w + margin))
    assert np.all((pts[:, 1] > y - margin) & (pts[:, 1] < y + h + margin))
    eyes_y = pts[[33, 133, 362, 263], 1].max()
    assert eyes_y < pts[1, 1] < pts[13, 1]  # eyes above nose tip above upper lip
    # Iris centres sit between their eye corners.
    for eye, (a, b) in zip(lm.eyes, ((33, 133), (362, 263))):
        lo, hi = sorted((pts[a, 0], pts[b, 0]))
        assert lo < eye.iris[0, 0] < hi
        assert 0.1 < eye.iris_diameter / (hi - lo) < 0.9


def test_mesh_face_score_low_on_non_face(stages, astronaut) -> None:
    face = stages["detector"].detect(astronaut)[0]
    texture = np.random.default_rng(0).integers(0, 255, astronaut.shape, dtype=np.uint8)
    assert stages["mesh"].landmarks(texture, face, with_iris=False).face_score < 0.5


def _variants(image: np.ndarray) -> list[np.ndarray]:
    return [image[:, ::-1].copy(), cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
            cv2.convertScaleAbs(image, alpha=1.0, beta=50), cv2.convertScaleAbs(image, alpha=0.6, beta=0)]


@pytest.mark.parametrize("embedder", ["sface", "mfn"])
def test_same_face_survives_flip_scale_brightness(stages, astronaut, embedder) -> None:
    det, emb = stages["detector"], stages[embedder]
    ref = emb.embed(astronaut, det.detect(astronaut)[0].landmarks)
    for v in _variants(astronaut):
        assert ref.cosine(emb.embed(v, det.detect(v)[0].landmarks)) >= 0.6


def test_different_t1_faces_stay_apart(stages, t1) -> None:
    det, emb = stages["detector"], stages["sface"]
    es = [emb.embed(t1, f.landmarks) for f in det.detect(t1)]
    worst = max(es[i].cosine(es[j]) for i in range(len(es)) for j in range(i + 1, len(es)))
    assert worst <= 0.35


def test_antispoof_score_in_unit_interval(stages, astronaut, t1) -> None:
    for image in (astronaut, t1):
        for f in stages["detector"].detect(image):
            assert 0.0 <= stages["spoof"].score(image, f).score <= 1.0


@pytest.mark.parametrize("bad", [np.zeros((0, 0, 3), np.uint8), np.zeros((10, 10, 3), np.uint8),
                                 np.zeros((64, 64, 3), np.float32), np.zeros((64, 64, 5), np.uint8)])
def test_bad_images_are_typed_errors(stages, bad) -> None:
    with pytest.raises(BadImageError):
        stages["detector"].detect(bad)


def test_truncated_image_file_is_typed_error(tmp_path, store) -> None:
    from inference.image import read_image

    data = store.asset_path("t1").read_bytes()
    p = tmp_path / "cut.jpg"
    p.write_bytes(data[:200])
    with pytest.raises(BadImageError, match="cut.jpg"):
        read_image(p)
