"""Deep PAD feature sets from the face models the kiosk already ships (no new weights).

A network trained for another task still encodes how a face was captured: a face-recognition
embedding is meant to ignore capture conditions, but only partly does; the mesh network's face-presence
branch sees a re-captured face as less face-like; FaceAntiSpoofing's leaf features hold more than its one
score. Each set is a fixed-length vector, fused by the same logistic regression as the cue features:

- ``sface`` (128): the SFace embedding of the aligned face (unit length).
- ``mfn`` (192): the MobileFaceNet embedding of the aligned face (unit length; face and mirror image).
- ``fas`` (272): FaceAntiSpoofing's eight 256-d leaf features, weighted by its leaf routing mask and summed
  (256), then the eight raw leaf predictions and the eight mask values.
- ``mesh`` (66): the face mesh network's last activations of the landmark branch and of the face-presence
  branch, each a 3x3x32 map averaged over space (32 + 32), the face-presence logit, and the spread of
  the predicted depth (z) over the 468 points relative to the crop (a flat picture can still get a
  learnt depth, but the network's uncertainty shows in it).

The intermediate tensors are made outputs of an in-memory copy of the verified model ("tapped"): the
weights are those the manifest pins; the copy is written under the model cache's ``derived/`` folder
(named by its content hash) and loaded like any other model. Tensor names are those of our converted
graphs (``tap_model`` refuses a graph without them). ``DEEP_VERSION`` changes with a set's definition;
feature caches also name the converted model's pinned sha256 (``kiosk.pad.sets``), so vectors of another
graph are never mixed in.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from inference.align import align_face
from inference.antispoof import square_crop
from inference.config import RuntimeConfig
from inference.detect import Face
from inference.errors import InferenceError
from inference.image import check_bgr
from inference.runtime import OrtRunner, create_runner

DEEP_VERSION = "pad-deep-1"

FAS_LEAVES = tuple(f"t{n}_StatefulPartitionedCall/sfl{s}/dense{d}/LeakyRelu" for n, s, d in (
    (139, "", ""), (162, "_1", "_4"), (188, "_2", "_8"), (208, "_3", "_12"),
    (231, "_4", "_16"), (254, "_5", "_20"), (277, "_6", "_24"), (300, "_7", "_28")))
MESH_TAPS = ("t207_p_re_lu_20", "t205_p_re_lu_28")  # landmark branch, face-presence branch (1x3x3x32 each)

SET_DIMS: dict[str, int] = {"sface": 128, "mfn": 192, "fas": 272, "mesh": 66}
MODEL_OF: dict[str, str] = {"sface": "sface", "mfn": "mobilefacenet", "fas": "antispoof", "mesh": "face_mesh"}


class PadFeatureError(InferenceError):
    """A PAD feature could not be computed for this input (bad face box or landmarks, wrong model)."""


def set_names(name: str) -> tuple[str, ...]:
    """Column names of one deep set: ``sface_000`` ... (the fusion model stores them)."""
    if name not in SET_DIMS:
        raise PadFeatureError(f"unknown deep PAD feature set {name!r}; known: {sorted(SET_DIMS)}")
    return tuple(f"{name}_{i:03d}" for i in range(SET_DIMS[name]))


def tap_model(model_path: Path, outputs: Sequence[str], out_dir: Path) -> Path:
    """A copy of ``model_path`` that also outputs the named intermediate tensors (cached by content hash)."""
    import onnx

    data = Path(model_path).read_bytes()
    key = hashlib.sha256(data + "\0".join(outputs).encode()).hexdigest()[:16]
    dest = Path(out_dir) / f"{Path(model_path).stem}-tapped-{key}.onnx"
    if dest.is_file():
        return dest
    model = onnx.load_from_string(data)
    have = {o.name for o in model.graph.output}
    produced = {t for n in model.graph.node for t in n.output}
    missing = [t for t in outputs if t not in produced]
    if missing:
        raise PadFeatureError(f"{Path(model_path).name} has no tensor {missing[:2]}: the model is not the "
                              "converted graph this version expects; run 'kiosk models verify'")
    for t in outputs:
        if t not in have:
            model.graph.output.append(onnx.helper.make_empty_tensor_value_info(t))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    tmp.write_bytes(model.SerializeToString())
    tmp.replace(dest)  # never leave a half-written model where the next run would load it
    return dest


def _check_face(image: np.ndarray, face: Face) -> np.ndarray:
    image = check_bgr(image)
    lm = np.asarray(face.landmarks, dtype=np.float64)
    x, y, w, h = face.box
    if lm.shape != (5, 2) or not np.all(np.isfinite(lm)) or not all(np.isfinite(v) for v in face.box):
        raise PadFeatureError("face needs a finite box and five (x, y) landmarks")
    if w < 8 or h < 8 or x + w <= 0 or y + h <= 0 or x >= image.shape[1] or y >= image.shape[0]:
        raise PadFeatureError(f"face box {tuple(round(v) for v in face.box)} is empty or outside the image")
    return image


def _finite(v: np.ndarray, name: str) -> np.ndarray:
    v = np.asarray(v, np.float64).ravel()
    if v.shape != (SET_DIMS[name],) or not np.all(np.isfinite(v)):
        raise PadFeatureError(f"{name} features came out with shape {v.shape} or non-finite values")
    return v


class DeepPadFeatures:
    """``features(image_bgr, face) -> {set: vector}`` for the requested deep sets."""

    def __init__(self, runners: dict[str, OrtRunner], sets: Sequence[str]) -> None:
        from inference.embed import MobileFaceNetEmbedder, SFaceEmbedder

        self.sets = tuple(sets)
        for s in self.sets:
            set_names(s)
            if s not in runners:
                raise PadFeatureError(f"deep PAD feature set {s!r} needs the {MODEL_OF[s]} model")
        self._runners = runners
        self._sface = SFaceEmbedder(runners["sface"]) if "sface" in runners else None
        self._mfn = MobileFaceNetEmbedder(runners["mfn"]) if "mfn" in runners else None

    @classmethod
    def load(cls, sets: Sequence[str], config: RuntimeConfig | None = None, store=None) -> DeepPadFeatures:  # noqa: ANN001
        """Load (and tap where needed) the models the sets use, from the verified model cache."""
        from models.store import ModelStore

        store = store or ModelStore()
        taps = {"fas": [*FAS_LEAVES], "mesh": [*MESH_TAPS]}
        runners = {}
        for s in sets:
            set_names(s)
            mid = MODEL_OF[s]
            path = store.model_path(mid)  # verifies size and sha256 against the manifest
            if s in taps:
                path = tap_model(path, taps[s], Path(store.root) / "derived")
            entry = store.manifest.get(mid)
            runners[s] = create_runner(path, f"{mid}+pad-taps" if s in taps else mid, config,
                                       warmup_shapes={entry.input["name"]: entry.input["shape"]})
        return cls(runners, sets)

    def features(self, image: np.ndarray, face: Face, sets: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """Each set's vector (fixed length, finite) for one face (``sets``: a subset of the loaded ones).

        ``BadImageError`` for an image that is not 8-bit BGR, ``PadFeatureError`` for a bad face.
        """
        sets = self.sets if sets is None else tuple(sets)
        unknown = set(sets) - set(self.sets)
        if unknown:
            raise PadFeatureError(f"deep PAD feature sets {sorted(unknown)} were not loaded")
        image = _check_face(image, face)
        out: dict[str, np.ndarray] = {}
        aligned = align_face(image, face.landmarks) if {"sface", "mfn"} & set(sets) else None
        for s in sets:
            if s == "sface":
                out[s] = _finite(self._sface.embed_aligned(aligned).vector, s)  # type: ignore[union-attr]
            elif s == "mfn":
                out[s] = _finite(self._mfn.embed_aligned(aligned).vector, s)  # type: ignore[union-attr]
            elif s == "fas":
                out[s] = _finite(self._fas(image, face), s)
            elif s == "mesh":
                out[s] = _finite(self._mesh(image, face), s)
        return out

    def _fas(self, image: np.ndarray, face: Face) -> np.ndarray:
        r = self._runners["fas"]
        crop = square_crop(image, face.box, 1.0, 256)
        res = dict(zip(r.output_names, r.run1((crop[:, :, ::-1].astype(np.float32) / 255.0)[None])))
        mask = np.asarray(res["Identity_1"], np.float64).ravel()
        leaves = np.stack([np.asarray(res[t], np.float64).ravel() for t in FAS_LEAVES])  # (8, 256)
        return np.concatenate([mask @ leaves, np.asarray(res["Identity"], np.float64).ravel(), mask])

    def _mesh(self, image: np.ndarray, face: Face) -> np.ndarray:
        import cv2

        from inference.landmarks import FaceMesh

        r = self._runners["mesh"]
        m = FaceMesh(r).crop_transform(face)
        crop = cv2.warpAffine(image, m, (192, 192), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        res = dict(zip(r.output_names, r.run1((crop[:, :, ::-1].astype(np.float32) / 255.0)[None])))
        pooled = [np.asarray(res[t], np.float64).reshape(-1, 32).mean(axis=0) for t in MESH_TAPS]
        z = np.asarray(res["conv2d_21"], np.float64).reshape(468, 3)[:, 2]
        return np.concatenate([*pooled, [float(np.ravel(res["conv2d_31"])[0]), float(z.std() / 192.0)]])
