"""``kiosk verify``: the whole face side of a session on a recording (headless).

Frames come from a video file (or any iterator of (frame, timestamp)); a recording cannot follow a
random challenge it has never seen, which is exactly what the replay test relies on.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference.clip_decode import open_clip
from inference.errors import BadClipError, BadImageError
from inference.image import InputLimits, read_image
from kiosk.errors import BadInputError, UserFacingError
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


def video_frames(source: Path | bytes, limits: InputLimits | None = None, max_frames: int | None = None,
                 what: str | None = None) -> Iterator[tuple[np.ndarray, float]]:
    """Frames of a video file or in-memory clip, fitted to 640x480, with timestamps; ``BadInputError``.

    Decoded by the one clip decoder (``inference.clip_decode``): MP4/QuickTime, Matroska/WebM or AVI by
    magic bytes, H.264/VP8/VP9/AV1/MPEG-4/Motion JPEG. The byte size, the container, the codec and the frame
    size it declares are checked here, when called, before any frame is decoded; bytes are decoded from
    memory (never written to disk). Reading stops after ``max_frames`` frames.
    """
    limits = limits or InputLimits()
    fileobj: Any = None
    if isinstance(source, (bytes, bytearray)):
        name, size = what or "the clip", len(source)
    else:
        path = Path(source)
        name = what or path.name
        if not path.is_file():
            raise BadInputError(f"video {path} not found")
        size = path.stat().st_size
    if size > limits.video_max_bytes:
        raise BadInputError(f"{name} has {size:,} bytes, over the limit of {limits.video_max_bytes:,} bytes "
                            "for a video file; not read")
    if size == 0:
        raise BadInputError(f"{name} is empty")
    if not isinstance(source, (bytes, bytearray)):
        try:
            fileobj = open(path, "rb")  # read through PyAV's I/O: FFmpeg never opens a path or URL itself
        except OSError as exc:
            raise BadInputError(f"cannot read video {name}: {exc.strerror}") from exc
    try:
        reader = open_clip(bytes(source) if fileobj is None else fileobj, name,
                           max_pixels=limits.frame_max_pixels, max_frames=max_frames)
    except BadClipError as exc:
        if fileobj is not None:
            fileobj.close()
        raise BadInputError(str(exc)) from exc
    return _frames(reader, fileobj)


def _frames(reader: Any, fileobj: Any) -> Iterator[tuple[np.ndarray, float]]:
    try:
        for frame, t in reader:
            yield fit_frame(frame), t
    except BadClipError as exc:
        raise BadInputError(str(exc)) from exc
    finally:
        reader.close()
        if fileobj is not None:
            fileobj.close()


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


def read_portrait(path: Path, limits: InputLimits | None = None) -> np.ndarray:
    """Read a portrait file (JPEG, PNG, JPEG 2000) within ``limits``; ``BadInputError`` when unusable."""
    if not Path(path).is_file():
        raise BadInputError(f"portrait {path} not found")
    try:
        return read_image(Path(path), limits)
    except BadImageError as exc:  # another format, over the limits, too costly to decode, or corrupt
        raise BadInputError(f"portrait: {exc}") from exc


def load_portrait(engine: FaceEngine, path: Path, limits: InputLimits | None = None) -> PortraitEnrolment:
    """Read (JPEG, PNG, JPEG 2000) and enrol a portrait file."""
    return enrol_portrait(engine, read_portrait(path, limits))


class ReportFile:
    """The ``--json`` report, checked and opened before the session runs.

    A folder, or a path that cannot be written, is refused before anything is decided or recorded: a
    report failing after the session was recorded would make the person run it again, and count a second
    attempt. The report is written to a temporary file opened now, then renamed into place.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise BadInputError(f"--json {self.path} is a folder: give a file name, e.g. {self.path / 'verify.json'}")
        self._tmp = self.path.with_name(f".{self.path.name}.part")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self._tmp, "w", encoding="utf-8")
        except OSError as exc:
            raise BadInputError(f"cannot write the report {self.path}: {exc.strerror or exc}") from exc

    def write(self, report: dict[str, Any]) -> None:
        """Write ``report`` as JSON and move it into place (``OSError`` if the disk fails now)."""
        try:
            json.dump(report, self._fh, indent=2, default=str)
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            os.replace(self._tmp, self.path)
        finally:
            self.discard()

    def discard(self) -> None:
        """Close and remove the temporary file (nothing is left behind on failure)."""
        if not self._fh.closed:
            self._fh.close()
        self._tmp.unlink(missing_ok=True)


def write_report(out: ReportFile, report: dict[str, Any]) -> None:
    """Write the report; if that fails after the session was recorded, say so instead of crashing."""
    try:
        out.write(report)
    except OSError as exc:
        sid = report.get("session_id")
        done = (f"the session was recorded as {sid} (decision {report['decision']}); do not run it again, "
                "that would count a second attempt. " if sid else "")
        raise UserFacingError(f"{done}The report {out.path} could not be written: {exc.strerror or exc}") from exc


_MEDIA = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".jp2": "image/jp2", ".j2k": "image/jp2"}


def _jpeg(frame: np.ndarray) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise BadInputError("a frame could not be encoded for the evidence store")
    return buf.tobytes()


def _audit_frames(video: Path, indices: tuple[int, ...], limits: InputLimits, limit: int = 12) -> list[bytes]:
    """The challenge's proving frames, re-read from the file by index (the live kiosk keeps them)."""
    wanted = set(sorted(indices)[:limit])
    return [_jpeg(f) for i, (f, _) in enumerate(video_frames(video, limits)) if i in wanted]


def verify_recording(portrait_path: Path, video: Path, report_path: Path, *, steps: list[str] | None = None,
                     data_dir: Path | None = None, pad_model: Path | None = None, provider: str = "openvino",
                     limits: InputLimits | None = None) -> tuple[dict[str, Any], VerifyRun]:
    """``kiosk verify``: decide a recording against a portrait file, record it (with ``data_dir``), report.

    The report path, the portrait and the video are checked before any model loads and before anything
    is recorded; returns the report written to ``report_path`` and the run.
    """
    from inference.config import RuntimeConfig
    from inference.liveness import LivenessConfig

    limits = limits or InputLimits()
    out = ReportFile(report_path)
    try:
        portrait_image = read_portrait(portrait_path, limits)
        frames = video_frames(video, limits)
        engine = FaceEngine.load(RuntimeConfig(provider=provider), liveness=LivenessConfig(model_path=pad_model))
        policy = PolicyConfig()
        run = run_session(engine, enrol_portrait(engine, portrait_image), frames, steps, policy)
        report = run.to_dict()
        if data_dir is not None:
            from storage import ImageEvidence

            from kiosk.recording import record

            images = [ImageEvidence("dg2", portrait_path.read_bytes(),
                                    _MEDIA.get(portrait_path.suffix.lower(), "application/octet-stream"))]
            if run.best_frame is not None:
                images.append(ImageEvidence("live", _jpeg(run.best_frame), "image/jpeg"))
            images += [ImageEvidence("audit_frame", b, "image/jpeg")
                       for b in _audit_frames(video, run.session.audit_frames, limits)]
            report["session_id"] = record(data_dir, mode="face_verify", started_at=run.started_at,
                                          evidence=run.evidence, decision=run.decision, policy=policy,
                                          checks={"face_session": run.session.to_dict()}, images=images)
            # No template: a portrait file carries no document, and storage groups templates per document
            # (keyed hash) for the 1:N duplicate search. Sessions with a chip record theirs (kiosk run).
        write_report(out, report)
    finally:
        out.discard()  # no-op once the report is in place
    return report, run
