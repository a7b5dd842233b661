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
        description="Threads inside one face-mesh or iris inference (run on every frame). These models take "
                    "1.3-2 ms; handing such small work to a second thread costs about what it saves, and on a "
                    "busy 2-core PC (the window, the camera, the other models) the second thread waits for a "
                    "core: measured with OpenVINO under load, iris 2.0 ms on 1 thread against 3.0 ms on 2.")
    warmup_runs: int = Field(
        1, ge=0, le=10, title="Warm-up runs",
        description="Dummy inferences at load, so the first real frame is not slow (compilation happens here).")
