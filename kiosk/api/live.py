"""A remote challenge's frames through a face session: liveness alone, or the whole verification.

The same ``FaceSession``, policy and recording as ``kiosk verify``: the client's frames replace the
camera, and the challenge the server issued replaces the one the kiosk would draw. Frames are decoded
one at a time on a worker (a 300-frame upload never sits in memory as pixels), each checked against the
size limits first; timestamps are checked for order before anything is decoded. A clip is decoded from
memory by the one clip decoder (allow-listed containers and codecs; never written to a temporary file)
and only until the session is done.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from inference.challenge import ChallengeStep
from inference.image import InputLimits

from kiosk.api.errors import ApiError, bad_input
from kiosk.api.images import decode_image, encode_jpeg
from kiosk.errors import BadInputError
from kiosk.evidence import Evidence, RemoteEvidence
from kiosk.face_session import FaceEngine, FaceSession, FaceSessionResult, PortraitEnrolment
from kiosk.policy import Decision, PolicyConfig, Reason, decide
from kiosk.verify import fit_frame, video_frames

# Reasons that speak about liveness (not about the match or the document).
LIVENESS_REASONS = frozenset({Reason.FACE_NOT_FOUND, Reason.MULTIPLE_FACES, Reason.QUALITY_TOO_LOW,
                              Reason.LIVENESS_CHALLENGE_FAILED, Reason.LIVENESS_NOT_PERFORMED,
                              Reason.PAD_SUSPECTED_PRINT, Reason.PAD_SUSPECTED_REPLAY, Reason.PAD_PASSIVE_HIGH,
                              Reason.FLASH_CHALLENGE_FAILED, Reason.REMOTE_NO_FLASH})
NO_PORTRAIT = PortraitEnrolment(None, None, "liveness only: no portrait")
AUDIT_FRAMES = 12


@dataclass(frozen=True)
class FramesUpload:
    """What the client sent: JPEG/PNG frames with timestamps (seconds), or a video clip."""

    frames: Sequence[tuple[bytes, float]] = ()
    clip: bytes | None = None


@dataclass(frozen=True)
class LiveRun:
    """A finished face session on uploaded frames."""

    session: FaceSessionResult
    decision: Decision
    best_frame: np.ndarray | None
    audit_frames: tuple[bytes, ...]  # JPEG bytes of the frames that prove the challenge steps
    flash_waived: bool = False  # REMOTE_NO_FLASH waived for this key (recorded in the evidence)


def check_upload(upload: FramesUpload, max_frames: int) -> None:
    """Refuse an upload before decoding: nothing, both kinds, too many frames, bad or unordered timestamps."""
    if (not upload.frames) == (upload.clip is None):
        raise bad_input("frames_missing", "send either 'frames' (images with timestamps) or one 'clip', not both")
    if len(upload.frames) > max_frames:
        raise ApiError(413, "too_many_frames", f"{len(upload.frames)} frames, over the limit of {max_frames}")
    last = None
    for i, (_data, t) in enumerate(upload.frames):
        if not math.isfinite(t) or t < 0:
            raise bad_input("bad_timestamp", f"frame {i}: the timestamp must be a finite number of seconds >= 0")
        if last is not None and t <= last:
            raise bad_input("non_monotonic_timestamps", f"frame {i}: timestamp {t:g} s is not after the previous "
                            f"frame's {last:g} s (timestamps must strictly increase)")
        last = t


def _decoded(upload: FramesUpload, max_bytes: int, max_pixels: int, max_frames: int | None
             ) -> Iterator[tuple[np.ndarray, float]]:
    if upload.clip is not None:
        yield from _clip_frames(upload.clip, max_pixels, max_frames)
        return
    for i, (data, t) in enumerate(upload.frames):
        yield fit_frame(decode_image(data, f"frame {i}", max_bytes, max_pixels).bgr), t


def _clip_frames(clip: bytes, max_pixels: int, max_frames: int | None) -> Iterator[tuple[np.ndarray, float]]:
    """A clip's frames, decoded from memory (never written to disk), at most ``max_frames``; 400 ``bad_clip``."""
    try:
        yield from video_frames(clip, InputLimits(frame_max_pixels=max_pixels), max_frames, what="the clip")
    except BadInputError as exc:
        raise bad_input("bad_clip", f"the clip cannot be used: {exc}") from exc


def run_frames(engine: FaceEngine, steps: Sequence[ChallengeStep], upload: FramesUpload,
               portrait: PortraitEnrolment | None, policy: PolicyConfig, max_bytes: int, max_pixels: int,
               chip: Any = None, max_frames: int | None = None, flash_waived: bool = False) -> LiveRun:
    """Play the upload through a face session on the challenge's steps and decide (on a worker).

    The session is decided as a remote upload: no colour flash ran, so the policy adds ``REMOTE_NO_FLASH``
    (review by default) unless ``flash_waived`` (the key's ``upload_accept`` scope, recorded in the evidence).

    A clip is decoded from memory and only as far as needed: the session stops reading when it is done
    (or at ``max_frames``), and the audit frames are taken in a second pass that stops at the last one.
    """
    session: FaceSession | None = None
    for frame, t in _decoded(upload, max_bytes, max_pixels, max_frames):
        if session is None:
            session = FaceSession(engine, list(steps), frame_size=(frame.shape[1], frame.shape[0]))
        session.push(frame, t)
        if session.done:
            break
    if session is None:
        raise bad_input("frames_missing", "the upload holds no frames")
    result = session.finish(portrait or NO_PORTRAIT)
    decision = decide(upload_evidence(result, chip, flash_waived), policy)
    wanted = sorted(result.audit_frames)[:AUDIT_FRAMES]
    if upload.clip is not None:
        keep = set(wanted)
        last = wanted[-1] + 1 if wanted else 0
        audit = tuple(encode_jpeg(f) for i, (f, _) in enumerate(_clip_frames(upload.clip, max_pixels, last))
                      if i in keep) if last else ()
    else:
        audit = tuple(upload.frames[i][0] for i in wanted if i < len(upload.frames))
    return LiveRun(result, decision, session.best_frame(), audit, flash_waived)


def upload_evidence(result: FaceSessionResult, chip: Any, flash_waived: bool) -> Evidence:
    """The evidence of an uploaded session: the face, the chip if any, and the path it came by."""
    return Evidence(face=result.evidence, chip=chip, remote=RemoteEvidence("upload", flash_waived))


def liveness_summary(run: LiveRun) -> dict[str, Any]:
    """The liveness answer: live or not, the liveness reasons, and the evidence (no pixels)."""
    findings = [f for f in run.decision.findings if f.code in LIVENESS_REASONS]
    ev = run.session.evidence
    # REMOTE_NO_FLASH is a review, not a reject, yet "live" must not be read as proof: the upload could be a
    # rendered puppet. So an un-waived flash-less upload is never "live"; ``review`` says a person should look.
    return {
        "live": bool(ev.challenge_passed) and not any(f.severity == "reject" or f.code == Reason.REMOTE_NO_FLASH
                                                      for f in findings),
        "review": any(f.severity == "review" for f in findings),
        "reasons": [f.code.value for f in findings],
        "findings": [{"code": f.code.value, "severity": f.severity, "detail": f.detail} for f in findings],
        "challenge": run.session.challenge.to_dict(),
        "planar_motion": ev.planar_motion,
        "passive": run.session.passive.to_dict() if run.session.passive else None,
        "quality_passed": ev.quality_passed,
        "frames": run.session.frames,
    }
