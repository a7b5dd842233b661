"""The one place that builds ONNX Runtime sessions.

OpenVINOExecutionProvider first (device and compiled-model cache from config), CPUExecutionProvider as
fallback. It logs which provider really runs each model and why a fallback happened, and warms every
session up before the kiosk says it is ready (the first inference compiles the model and would
otherwise stall the first camera frame).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.config import RuntimeConfig
from inference.errors import ModelLoadError

log = logging.getLogger(__name__)

OPENVINO_EP = "OpenVINOExecutionProvider"
CPU_EP = "CPUExecutionProvider"

_ORT_TYPES = {"tensor(float)": np.float32, "tensor(int64)": np.int64, "tensor(int32)": np.int32,
              "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_}


@dataclass(frozen=True)
class InputSpec:
    """Name, static shape (dynamic dimensions as 1) and dtype of one model input."""

    name: str
    shape: tuple[int, ...]
    dtype: type


class OrtRunner:
    """A loaded model: ``run(feeds) -> outputs``. Thread-safe for concurrent ``run`` calls (ORT is)."""

    def __init__(self, session: object, model_id: str, fallback_reason: str | None) -> None:
        self._session = session
        self.model_id = model_id
        self.fallback_reason = fallback_reason
        sess = session  # typed as object to keep onnxruntime out of signatures
        self.provider: str = sess.get_providers()[0]  # type: ignore[attr-defined]
        self.inputs = tuple(
            InputSpec(i.name, tuple(d if isinstance(d, int) and d > 0 else 1 for d in i.shape), _ORT_TYPES.get(i.type, np.float32))
            for i in sess.get_inputs()  # type: ignore[attr-defined]
        )
        self.output_names = tuple(o.name for o in sess.get_outputs())  # type: ignore[attr-defined]

    def run(self, feeds: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """Run the model; returns the outputs in the model's order."""
        return self._session.run(None, dict(feeds))  # type: ignore[attr-defined,no-any-return]

    def run1(self, x: np.ndarray) -> list[np.ndarray]:
        """Run a single-input model on ``x``."""
        return self.run({self.inputs[0].name: x})

    def warm_up(self, runs: int = 1, shapes: Mapping[str, Sequence[int]] | None = None) -> float:
        """Run on zeros ``runs`` times (``shapes`` fills dynamic inputs); returns the seconds taken."""
        start = time.perf_counter()
        shapes = shapes or {}
        feeds = {i.name: np.zeros(tuple(shapes.get(i.name, i.shape)), i.dtype) for i in self.inputs}
        for _ in range(runs):
            self.run(feeds)
        return time.perf_counter() - start


def available_providers() -> list[str]:
    """Execution providers this onnxruntime build offers."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


def _session_options(config: RuntimeConfig):  # -> ort.SessionOptions
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = config.intra_op_threads
    opts.inter_op_num_threads = 1
    # Sequential execution: the kiosk's models are chains; parallel branches only add thread contention.
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    # No busy-waiting between inferences: with several sessions on 2 cores, spinning worker threads starve
    # the other models (measured: the CPU EP pipeline went from 15-19 to about 60 frames/s without it).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


def create_runner(model_path: Path, model_id: str, config: RuntimeConfig | None = None,
                  provider: str | None = None, warmup_shapes: Mapping[str, Sequence[int]] | None = None) -> OrtRunner:
    """Load ``model_path`` with the configured provider (or ``provider``: "openvino"/"cpu"), warmed up.

    ``warmup_shapes`` gives the shape to warm up with for inputs whose size is dynamic.
    """
    import onnxruntime as ort

    config = config or RuntimeConfig()
    want = provider or config.provider
    model_path = Path(model_path)
    if not model_path.is_file():
        raise ModelLoadError(f"model '{model_id}' file {model_path} is missing: run 'kiosk models pull'")
    opts = _session_options(config)
    fallback: str | None = None
    session = None
    if want == "openvino":
        if OPENVINO_EP not in available_providers():
            fallback = "this onnxruntime build has no OpenVINOExecutionProvider"
        else:
            ov_opts: dict[str, str] = {"device_type": config.device, "num_of_threads": str(config.intra_op_threads)}
            if config.cache_dir is not None:
                Path(config.cache_dir).mkdir(parents=True, exist_ok=True)
                ov_opts["cache_dir"] = str(config.cache_dir)
            try:
                session = ort.InferenceSession(str(model_path), opts, providers=[(OPENVINO_EP, ov_opts), CPU_EP])
            except Exception as exc:  # ORT raises its own RuntimeError subclasses
                fallback = f"OpenVINO EP failed to load it ({type(exc).__name__}: {str(exc)[:200]})"
    if session is None:
        try:
            session = ort.InferenceSession(str(model_path), opts, providers=[CPU_EP])
        except Exception as exc:
            raise ModelLoadError(
                f"model '{model_id}' cannot be loaded ({type(exc).__name__}); the file may be damaged: "
                f"run 'kiosk models verify'") from exc
    runner = OrtRunner(session, model_id, fallback)
    if want == "openvino" and runner.provider != OPENVINO_EP and fallback is None:
        fallback = "OpenVINO EP declined the model"
        runner.fallback_reason = fallback
    took = runner.warm_up(config.warmup_runs, warmup_shapes) if config.warmup_runs else 0.0
    if fallback:
        log.warning("model %s runs on %s (fallback: %s)", model_id, runner.provider, fallback)
    else:
        log.info("model %s runs on %s (warm-up %.0f ms)", model_id, runner.provider, took * 1000)
    return runner


def providers_for_bench() -> Sequence[str]:
    """The providers a side-by-side benchmark compares ("openvino" only when the EP exists)."""
    return ["openvino", "cpu"] if OPENVINO_EP in available_providers() else ["cpu"]
