"""Check a converted model against its original on a real face image.

The original runs in its source runtime: OpenVINO (which reads ``.onnx`` and ``.tflite`` directly), or,
for SFace int8bq, which no runtime here loads, the ONNX specification's reference evaluator. The
converted model runs in ONNX Runtime's CPU EP, the stricter of the two providers the kiosk uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.errors import ConversionError
from models.manifest import Entry


@dataclass(frozen=True)
class ParityResult:
    """Largest absolute difference per output and the bound it was held to."""

    max_abs_diff: dict[str, float]
    bound: dict[str, float]

    @property
    def passed(self) -> bool:
        """Every output within its bound."""
        return all(self.max_abs_diff[k] <= self.bound[k] for k in self.max_abs_diff)


def make_input(entry: Entry, image_path: Path) -> np.ndarray:
    """The parity input: the manifest's crop of the image, resized and scaled as the model expects."""
    import cv2

    if entry.parity is None:
        raise ConversionError(f"{entry.id}: no parity check declared in the manifest")
    img = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
    if img is None:
        raise ConversionError(f"{entry.id}: cannot read parity image {image_path.name}")
    x0, y0, x1, y1 = entry.parity.box
    crop = img[y0:y1, x0:x1]
    spec = entry.input
    shape = list(spec["shape"])
    nchw = spec["layout"] == "NCHW"
    h, w = (shape[2], shape[3]) if nchw else (shape[1], shape[2])
    crop = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA)
    if spec.get("colour") == "RGB":
        crop = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)
    x = crop.astype(np.float32)
    scale = spec.get("scale", "0..255")
    if scale == "0..1":
        x /= 255.0
    elif scale == "-1..1":
        x = x / 127.5 - 1.0
    x = x.transpose(2, 0, 1)[None] if nchw else x[None]
    return np.ascontiguousarray(np.repeat(x, shape[0], axis=0))


def _run_original(entry: Entry, original: Path, x: np.ndarray) -> list[np.ndarray]:
    if entry.reference == "onnx-reference":
        import onnx
        from onnx.reference import ReferenceEvaluator

        model = onnx.load(str(original))
        return [np.asarray(o) for o in ReferenceEvaluator(model).run(None, {entry.input["name"]: x})]
    import openvino as ov

    # f32 precision: the CPU plugin may otherwise run bf16/f16 and blur the comparison.
    compiled = ov.Core().compile_model(str(original), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    result = compiled(x)
    return [np.asarray(result[o]) for o in compiled.outputs]


def check_parity(entry: Entry, original: Path, converted: Path, image_path: Path) -> ParityResult:
    """Run both models on the same real-face input and compare every output."""
    import onnxruntime as ort

    x = make_input(entry, image_path)
    try:
        ref = _run_original(entry, original, x)
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        sess = ort.InferenceSession(str(converted), opts, providers=["CPUExecutionProvider"])
        out = sess.run(None, {sess.get_inputs()[0].name: x})
        names = [o.name for o in sess.get_outputs()]
    except Exception as exc:  # runtimes raise their own exception types
        raise ConversionError(f"{entry.id}: parity run failed: {type(exc).__name__}: {exc}") from exc
    if len(ref) != len(out):
        raise ConversionError(f"{entry.id}: original has {len(ref)} outputs, converted {len(out)}")
    assert entry.parity is not None
    diffs, bounds = {}, {}
    for name, r, o in zip(names, ref, out):
        if r.size != o.size:
            raise ConversionError(f"{entry.id}: output {name} has {r.size} values in the original, {o.size} converted")
        diffs[name] = float(np.max(np.abs(r.astype(np.float64).ravel() - o.astype(np.float64).ravel())))
        bounds[name] = entry.parity.atol + entry.parity.rtol * float(np.max(np.abs(r)))
    return ParityResult(diffs, bounds)
