"""The operator console's site calibration (admin only): ``kiosk.pad.collect`` driven step by step.

The console runs on the kiosk (over its own store and data folder), so the admin captures at the kiosk's
own camera. Every method checks the ADMINISTER permission first and is meant for the console's worker
thread (a burst, loading the models and training each take up to a few seconds). Installing a model is
recorded in the audit chain (``config_change``, with the model's sha256 and the decision).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.console.auth import Permission
from kiosk.pad.calibrate import calibrate
from kiosk.pad.collect import CaptureModels, Collection, CollectPlan, Step, TooFewCapturesError, take_burst
from kiosk.pad.site import audit_install


@dataclass(frozen=True)
class CalibrationStatus:
    """Where the collection stands: the plan, the next step (None when all are taken) and the counts."""

    plan: CollectPlan
    step: Step | None
    taken: int
    total: int
    counts: dict[str, dict[int, int]]
    last: str = ""


class CalibrationDesk:
    """``start(plan)``, ``capture()``, ``evaluate()`` for the console; ``camera()`` opens the kiosk's camera."""

    def __init__(self, console: Any, data_dir: Path, camera: Callable[[], Any],
                 models: Callable[[], CaptureModels] | None = None) -> None:
        self.console = console
        self.data_dir = Path(data_dir)
        self._open_camera = camera
        self._load_models = models or (lambda: CaptureModels.load(cache_dir=self.data_dir / "compiled-models"))
        self._models: CaptureModels | None = None
        self._source: Any = None
        self.collection: Collection | None = None

    def _status(self, last: str = "") -> CalibrationStatus:
        col = self.collection
        assert col is not None
        remaining = col.remaining()
        return CalibrationStatus(col.plan, remaining[0] if remaining else None, len(col.captures),
                                 len(col.plan.steps()), col.counts(), last)

    def start(self, plan: CollectPlan, restart: bool = False) -> CalibrationStatus:
        """Open (resume, or with ``restart`` begin anew) the collection and the camera; load the models once."""
        self.console.session.require(Permission.ADMINISTER)
        if self._source is None:
            self._source = self._open_camera()
            self._source.start()
        self.collection = Collection.open(self.data_dir, plan, restart=restart, camera=self._source.camera_id)
        if self._models is None:
            self._models = self._load_models()
        return self._status()

    def capture(self) -> CalibrationStatus:
        """Take the next step's burst (``CaptureRefusedError`` / ``CameraUnavailableError`` say why not)."""
        self.console.session.require(Permission.ADMINISTER)
        if self.collection is None or self._models is None or self._source is None:
            raise TooFewCapturesError("start the collection first")
        remaining = self.collection.remaining()
        if not remaining:
            return self._status()
        rec = self.collection.capture(remaining[0], take_burst(self._source, self.collection.plan.frames_per_capture),
                                      self._models)
        return self._status(f"{len(rec['frames'])} frames captured")

    def evaluate(self) -> dict[str, Any]:
        """Train, evaluate on the held-back people, install if better (audited); the report."""
        op = self.console.session.require(Permission.ADMINISTER)
        if self.collection is None:
            raise TooFewCapturesError("start the collection first")
        report = calibrate(self.collection, self.data_dir)
        audit_install(self.console.storage, self.console.session.actor, report, by=op.username)
        return report

    def stop(self) -> None:
        """Release the camera (the console closes or logs out)."""
        if self._source is not None:
            self._source.stop()
            self._source = None
