"""Configuration of the inference runtime (pure data; no I/O)."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RuntimeConfig(BaseModel):
    """How ONNX Runtime sessions are built."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Literal["openvino", "cpu"] = Field(
        "openvino", title="Preferred execution provider",
        description="'openvino' uses OpenVINOExecutionProvider with a CPU EP fallback; 'cpu' uses the CPU EP only.")
    device: Literal["CPU", "GPU", "NPU", "AUTO"] = Field(
        "CPU", title="OpenVINO device", description="OpenVINO device type for the OpenVINO EP.")
    cache_dir: Path | None = Field(
        None, title="Compiled-model cache",
        description="Folder where OpenVINO keeps compiled models so later starts are fast; None disables it.")
    intra_op_threads: int = Field(
        2, ge=1, le=64, title="Threads per model",
        description="Threads inside one inference; 2 suits a 2-core kiosk PC (more only adds contention).")
    landmark_threads: int = Field(
        1, ge=1, le=64, title="Threads for the face mesh and iris models",
        description="Threads inside one face-mesh or iris inference (run on every frame). Measured with OpenVINO "
                    "on a quiet 2-core machine, a second thread finishes a mesh run sooner (0.66 against 0.91 ms) "
                    "but costs more CPU time (1.31 against 0.91 ms; iris 1.62 against 1.05 ms), CPU the window "
                    "and the camera share; on a busy machine it is slower outright (iris 3.0 against 2.0 ms).")
    warmup_runs: int = Field(
        1, ge=0, le=10, title="Warm-up runs",
        description="Dummy inferences at load, so the first real frame is not slow (compilation happens here).")
