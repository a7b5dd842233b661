"""``kiosk verify``: the whole face side of a session on a recording (headless).

Frames come from a video file (or any iterator of (frame, timestamp)); a recording cannot follow a
random challenge it has never seen, which is exactly what the replay test relies on.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference.image import read_image
from kiosk.errors import BadInputError
from kiosk.evidence import Evidence
from kiosk.face_session import FaceEngine, FaceSession, FaceSessionResult, PortraitEnrolment, enrol_portrait
from kiosk.policy import Decision, PolicyConfig, decide

FRAME_SIZE = (640, 480)


def fit_frame(frame: np.ndarray, size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """Scale a frame down (never up) so it fits ``size`` (width, height), keeping its aspect ratio."""
    import cv2

    h, w = frame.shape[:2]
    scale = min(size[0] / w, size[1] / h, 1.0)
    if scale >= 1.0:
        return frame
    return cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def video_frames(path: Path) -> Iterator[tuple[np.ndarray, float]]:
    """Frames of a video file with timestamps from its frame rate; ``BadInputError`` if unreadable."""
    import cv2

    if not Path(path).is_file():
        raise BadInputError(f"video {path} not found")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise BadInputError(f"{Path(path).name} is not a readable video")
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    n = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            yield fit_frame(frame), n / fps
            n += 1
    finally:
        cap.release()
    if n == 0:
        raise BadInputError(f"{Path(path).name} holds no decodable frames")


@dataclass(frozen=True)
class VerifyRun:
    """A decided face session."""

    decision: Decision
    evidence: Evidence
    session: FaceSessionResult
    steps: tuple[str, ...]
    best_frame: np.ndarray | None
    started_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: ``decision``, ``reasons``, ``evidence`` (and the findings behind the reasons)."""
        d = self.decision.to_dict()
        return {"decision": d["decision"], "reasons": d["reasons"], "findings": d["findings"],
                "challenge_steps": list(self.steps), "evidence": self.session.to_dict()}


def run_session(engine: FaceEngine, portrait: PortraitEnrolment, frames: Iterable[tuple[np.ndarray, float]],
                steps: list[str] | None = None, policy: PolicyConfig | None = None, chip: Any = None) -> VerifyRun:
    """Play ``frames`` through a face session (random challenge unless ``steps``) and decide."""
    started = dt.datetime.now(dt.timezone.utc)
    session: FaceSession | None = None
    for frame, t in frames:
        if session is None:
            session = FaceSession(engine, steps, frame_size=(frame.shape[1], frame.shape[0]))
        session.push(frame, t)
        if session.done:
            break
    if session is None:
        raise BadInputError("the recording holds no frames")
    result = session.finish(portrait)
    evidence = Evidence(face=result.evidence, chip=chip)
    decision = decide(evidence, policy)
    return VerifyRun(decision, evidence, result, tuple(s.action for s in session.challenge.steps),
                     session.best_frame(), started)


def load_portrait(engine: FaceEngine, path: Path) -> PortraitEnrolment:
    """Read (JPEG, PNG, JPEG 2000) and enrol a portrait file."""
    if not Path(path).is_file():
        raise BadInputError(f"portrait {path} not found")
    return enrol_portrait(engine, read_image(Path(path)))
