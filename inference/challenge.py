"""Active challenge engine (issue 4, item 3; DESIGN.md section 1, step 5).

A random sequence of actions (drawn with ``secrets``, so no recording can know it in advance) is checked
frame by frame from landmarks, each with hysteresis (an enter threshold to start, a looser exit threshold
to stop, a minimum number of frames held) and a per-step timeout, while continuity holds: exactly one
face, no jumps of the face between consecutive frames, no frozen landmarks (a replayed still or a
stalled feed), strictly increasing timestamps, and the same identity at the start and the end.

Directions are the CUSTOMER's, not the image's. The camera sees the customer face-on, so when the
customer turns to THEIR left the nose moves towards the image's RIGHT: ``turn_left`` is yaw > 0 in
``inference.pose`` terms (and the kiosk's usual mirrored preview shows the nose moving to the screen's
left, the way a mirror would, which is what the customer expects). ``look_up`` is pitch > 0. Angles are
measured relative to the customer's own frontal pose at the start (a camera above the screen makes
"frontal" read as a few degrees of pitch). ``nose_to_target`` targets are in camera-image coordinates,
normalised to [0, 1]; a UI with a mirrored preview draws them at ``ChallengeStep.display_target(True)``.

Frame indices in the evidence count ``observe`` calls from 0, so the caller can keep those frames as
audit frames. Embeddings are supplied by the caller (``observe(..., embedding=...)``) whenever
``wants_embedding`` is true: once at the start and once after the last step.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import numpy as np

from inference.challenge_steps import (ALL_ACTIONS, Action, ChallengeConfig, ChallengeError, ChallengeStep,
                                       draw_steps, parse_step, parse_steps, random_target)
from inference.detect import Face
from inference.embed import Embedding
from inference.landmarks import FaceLandmarks
from inference.planarity import upper_face_points
from inference.pose import HeadPose, eye_aspect_ratio

log = logging.getLogger(__name__)

# The vocabulary lives in inference.challenge_steps; it is re-exported here for callers of the engine.
__all__ = ["ALL_ACTIONS", "Action", "ChallengeConfig", "ChallengeEngine", "ChallengeError", "ChallengeResult",
           "ChallengeStep", "Failure", "StepEvidence", "draw_steps", "eye_openness", "face_scale", "parse_step",
           "parse_steps", "random_target"]

# Eye-contour indices (the iris model's 71 contour points follow MediaPipe's mesh order 33, 7, 163, 144,
# 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173, ...): corners 0 and 8, lid pairs 12/4, 13/5.
_CONTOUR_EAR = (0, 8, 12, 4, 13, 5)


class Failure(StrEnum):
    """Why a challenge failed (stable codes for the decision policy and the audit log)."""

    MULTIPLE_FACES = "MULTIPLE_FACES"
    FACE_LOST = "FACE_LOST"
    FACE_JUMP = "FACE_JUMP"
    FROZEN_FRAMES = "FROZEN_FRAMES"
    NON_MONOTONIC_TIME = "NON_MONOTONIC_TIME"
    FRAME_GAP = "FRAME_GAP"
    STEP_TIMEOUT = "STEP_TIMEOUT"
    WRONG_ACTION = "WRONG_ACTION"
    IDENTITY_CHANGED = "IDENTITY_CHANGED"
    IDENTITY_MISSING = "IDENTITY_MISSING"
    INCOMPLETE = "INCOMPLETE"


@dataclass(frozen=True)
class StepEvidence:
    """What was seen for one step: times (s), the peak measure, frames held and the proving frames."""

    action: Action
    target: tuple[float, float] | None
    passed: bool
    started_t: float | None
    completed_t: float | None
    peak: float | None
    frames_held: int
    frame_indices: tuple[int, ...]
    measure: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {"action": self.action, "target": list(self.target) if self.target else None, "passed": self.passed,
                "started_t": self.started_t, "completed_t": self.completed_t, "peak": self.peak,
                "frames_held": self.frames_held, "frame_indices": list(self.frame_indices), "measure": self.measure}


@dataclass(frozen=True)
class ChallengeResult:
    """Outcome: ``passed``, a ``reason`` code when not, per-step evidence and the audit frame indices."""

    passed: bool
    reason: Failure | None
    detail: str
    steps: tuple[StepEvidence, ...]
    frames_observed: int
    started_t: float | None
    ended_t: float | None
    identity_cosine: float | None
    audit_frames: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {"passed": self.passed, "reason": self.reason.value if self.reason else None, "detail": self.detail,
                "steps": [s.to_dict() for s in self.steps], "frames_observed": self.frames_observed,
                "started_t": self.started_t, "ended_t": self.ended_t, "identity_cosine": self.identity_cosine,
                "audit_frames": list(self.audit_frames)}


def _contour_ear(c: np.ndarray) -> float:
    c = np.asarray(c, np.float64)
    o, i, u1, l1, u2, l2 = _CONTOUR_EAR
    width = float(np.linalg.norm(c[o] - c[i]))
    return float((np.linalg.norm(c[u1] - c[l1]) + np.linalg.norm(c[u2] - c[l2])) / 2 / width) if width > 0 else 0.0


def eye_openness(landmarks: FaceLandmarks) -> tuple[float, float]:
    """(image-left, image-right) eye aspect ratios, from the iris model's eye contours when present.

    The face mesh alone barely follows a closing lid (its EAR fell only from 0.36 to 0.28 on a fully shut
    synthetic eye, where the iris model's contour fell from 0.39 to 0.09), so the contour is preferred.
    """
    if landmarks.eyes is not None:
        return _contour_ear(landmarks.eyes[0].contour), _contour_ear(landmarks.eyes[1].contour)
    return eye_aspect_ratio(landmarks.points)


def face_scale(points: np.ndarray) -> float:
    """Forehead-to-chin distance (mesh 10 to 152) in pixels: a face size that does not shrink with yaw."""
    p = np.asarray(points)
    return float(np.linalg.norm(p[10, :2] - p[152, :2]))


@dataclass
class _StepState:
    step: ChallengeStep
    started_t: float | None = None
    ready: bool = False  # neutral reached, the action may begin
    ref: float | None = None  # step-start reference (face size, or 'away from target' flag)
    away: bool = False
    active: bool = False
    held: int = 0
    peak: float | None = None
    peak_index: int | None = None
    indices: list[int] = field(default_factory=list)
    completed_t: float | None = None
    entered_t: float | None = None  # when the measure last crossed 'enter'
    last: float | None = None  # the latest measure, for the UI's progress bar
    ref_distance: float | None = None  # nose-target distance when the step became ready


class ChallengeEngine:
    """Feed frames with ``observe``; read ``status``/``current``; ``result()`` when done (or to abort).

    ``steps`` defaults to a random draw (``draw_steps``); pass a fixed list for scripted recordings.
    """

    def __init__(self, config: ChallengeConfig | None = None, steps: list[ChallengeStep] | list[str] | None = None,
                 frame_size: tuple[int, int] = (640, 480)) -> None:
        self.config = config or ChallengeConfig()
        if steps is None:
            self.steps = draw_steps(self.config)
        else:
            fixed = [s if isinstance(s, ChallengeStep) else parse_step(s, self.config) for s in steps]
            if not fixed:
                raise ChallengeError("a challenge needs at least one action")
            self.steps = tuple(fixed)
        self.frame_size = frame_size
        self._states = [_StepState(s) for s in self.steps]
        self._index = -1
        self._step = 0
        self._last_t: float | None = None
        self._first_t: float | None = None
        self._prev: tuple[float, np.ndarray, float] | None = None  # t, centre, scale of the last face
        self._prev_points: np.ndarray | None = None
        self._same = 0
        self._missing = 0
        self._baseline: list[tuple[float, float, float]] = []
        self._base: tuple[float, float, float] | None = None  # yaw, pitch, openness
        self._emb_start: tuple[int, float, Embedding] | None = None
        self._emb_end: tuple[int, float, Embedding] | None = None
        self._failure: tuple[Failure, str] | None = None
        self._cosine: float | None = None
        self._upper: np.ndarray | None = None
        self._wrong = 0

    # -- state for the UI ---------------------------------------------------------------------------------

    @property
    def status(self) -> Literal["running", "passed", "failed"]:
        """'running' until every step passed and identity is settled ('passed'), or a rule broke ('failed')."""
        if self._failure is not None:
            return "failed"
        if self._step >= len(self.steps) and (not self.config.require_identity or self._cosine is not None):
            return "passed"
        return "running"

    @property
    def current(self) -> ChallengeStep | None:
        """The step to prompt now (None before the baseline is set or after the last step)."""
        return self.steps[self._step] if self._base is not None and self._step < len(self.steps) else None

    @property
    def progress(self) -> float:
        """How far into the current step's action the customer is, 0..1 (1 = at the enter threshold): for a
        progress bar. 0 while waiting for the neutral pose or before the baseline is set."""
        if self.current is None:
            return 1.0 if self._step >= len(self.steps) else 0.0
        st = self._states[self._step]
        if not st.ready or st.last is None:
            return 0.0
        enter, _, _ = self._thresholds(st.step.action)
        start = {"move_closer": 1.0, "nose_to_target": -(st.ref_distance or 0.0)}.get(st.step.action, 0.0)
        if enter == start:
            return 0.0
        return float(min(1.0, max(0.0, (st.last - start) / (enter - start))))

    @property
    def step_index(self) -> int:
        """Index of the step being prompted (``len(steps)`` once every step is done)."""
        return min(self._step, len(self.steps))

    def seconds_left(self, t: float) -> float | None:
        """Time left at ``t`` for the current step (None when no step has been prompted yet)."""
        if self.current is None:
            return None
        started = self._states[self._step].started_t
        return None if started is None else max(0.0, self.config.step_timeout_s - (t - started))

    @property
    def wants_embedding(self) -> bool:
        """True when the caller should pass an identity embedding with the next frame."""
        if not self.config.require_identity or self._failure is not None:
            return False
        return self._emb_start is None or (self._step >= len(self.steps) and self._emb_end is None)

    def _fail(self, reason: Failure, detail: str) -> None:
        if self._failure is None:
            self._failure = (reason, detail)
            log.info("challenge failed: %s (%s)", reason.value, detail)

    # -- per frame ------------------------------------------------------------------------------------------

    def observe(self, t: float, faces_count: int, face: Face | None = None, landmarks: FaceLandmarks | None = None,
                pose: HeadPose | None = None, embedding: Embedding | None = None) -> str:
        """Feed one frame (timestamp in seconds, number of faces detected, the tracked face's box, landmarks
        and pose, optionally its embedding). Returns ``status``."""
        if self._failure is not None or self.status == "passed":
            return self.status
        self._index += 1
        cfg = self.config
        if self._last_t is not None:
            if not t > self._last_t:
                self._fail(Failure.NON_MONOTONIC_TIME, f"timestamp {t:.3f} s after {self._last_t:.3f} s")
                return self.status
            if t - self._last_t > cfg.max_gap_s:
                self._fail(Failure.FRAME_GAP, f"{t - self._last_t:.2f} s without frames")
                return self.status
        self._last_t = t
        if self._first_t is None:
            self._first_t = t
        if faces_count > 1:
            self._fail(Failure.MULTIPLE_FACES, f"{faces_count} faces in frame {self._index}")
            return self.status
        if faces_count == 0 or face is None or landmarks is None or pose is None:
            self._missing += 1
            if self._missing > cfg.max_missing_frames:
                self._fail(Failure.FACE_LOST, f"no face for {self._missing} frames")
            self._check_timeout(t)
            return self.status
        self._missing = 0
        if not self._continuity(t, face, landmarks):
            return self.status
        if embedding is not None:
            self._take_embedding(t, embedding)
        openness = min(eye_openness(landmarks))
        if self._base is None:
            # A sliding window of steady frames: a customer still settling (turning, nodding) sets no baseline.
            self._baseline = [*self._baseline, (pose.yaw, pose.pitch, openness)][-cfg.baseline_frames:]
            window = np.array(self._baseline)
            steady = np.ptp(window[:, 0]) < cfg.neutral_yaw and np.ptp(window[:, 1]) < cfg.neutral_pitch
            if len(self._baseline) >= cfg.baseline_frames and steady:
                b = np.median(window, axis=0)
                self._base = (float(b[0]), float(b[1]), float(b[2]))
            return self.status
        if self._step < len(self.steps):
            self._advance(t, landmarks, pose, openness)
        return self.status

    def _continuity(self, t: float, face: Face, landmarks: FaceLandmarks) -> bool:
        cfg = self.config
        pts = np.asarray(landmarks.points, np.float64)[:, :2]
        if self._upper is None:
            self._upper = upper_face_points(pts)
        rigid = pts[self._upper]
        centre = rigid.mean(axis=0)
        scale = max(2.0 * float(np.sqrt(((rigid - centre) ** 2).sum(axis=1).mean())), 1.0)
        if self._prev is not None:
            pt, pc, ps = self._prev
            dt = max(t - pt, cfg.min_jump_dt)
            move = float(np.linalg.norm(centre - pc)) / ps
            grow = abs(math.log(scale / ps))
            if move > cfg.max_centre_speed * dt or grow > cfg.max_scale_speed * dt:
                self._fail(Failure.FACE_JUMP, f"face moved {move:.2f} face sizes, size x{scale / ps:.2f} "
                           f"in {t - pt:.3f} s (frame {self._index})")
                return False
        self._prev = (t, centre, scale)
        if self._prev_points is not None and np.max(np.abs(pts - self._prev_points)) <= cfg.freeze_epsilon_px:
            self._same += 1
            if self._same + 1 >= cfg.freeze_frames:
                self._fail(Failure.FROZEN_FRAMES, f"{self._same + 1} frames with identical landmarks")
                return False
        else:
            self._same = 0
        self._prev_points = pts
        return True

    def _take_embedding(self, t: float, embedding: Embedding) -> None:
        if self._emb_start is None:
            self._emb_start = (self._index, t, embedding)
        elif self._step >= len(self.steps):
            self._emb_end = (self._index, t, embedding)
            self._cosine = float(self._emb_start[2].cosine(embedding))
            if self._cosine < self.config.identity_threshold:
                self._fail(Failure.IDENTITY_CHANGED, f"start/end cosine {self._cosine:.3f} below "
                           f"{self.config.identity_threshold}")

    def _check_timeout(self, t: float) -> None:
        if self._step < len(self.steps):
            st = self._states[self._step]
            if st.started_t is not None and t - st.started_t > self.config.step_timeout_s:
                self._fail(Failure.STEP_TIMEOUT, f"step {self._step + 1} ({st.step.action}) not done in "
                           f"{self.config.step_timeout_s:.1f} s")

    def _measure(self, st: _StepState, landmarks: FaceLandmarks, pose: HeadPose, openness: float) -> float:
        """The step's signed measure: larger is further into the action."""
        assert self._base is not None
        a = st.step.action
        if a == "turn_left":
            return pose.yaw - self._base[0]
        if a == "turn_right":
            return -(pose.yaw - self._base[0])
        if a == "look_up":
            return pose.pitch - self._base[1]
        if a == "look_down":
            return -(pose.pitch - self._base[1])
        if a == "blink":
            return 1.0 - openness / max(self._base[2], 1e-6)  # closure: 0 open, 1 shut
        if a == "move_closer":
            return face_scale(landmarks.points) / (st.ref or 1.0)
        w, h = self.frame_size
        assert st.step.target is not None
        nose = np.asarray(landmarks.points)[1, :2]
        return -float(np.linalg.norm(nose / w - np.array([st.step.target[0], st.step.target[1] * h / w])))

    def _wrong_action(self, st: _StepState, pose: HeadPose) -> bool:
        """Count frames of a clearly different movement than the prompted one; fail after ``hold_frames``."""
        assert self._base is not None
        cfg = self.config
        a = st.step.action
        if a == "nose_to_target":  # any turn or nod may be how the nose gets there
            self._wrong = 0
            return False
        dy, dp = pose.yaw - self._base[0], pose.pitch - self._base[1]
        k = cfg.wrong_action_factor
        if a in ("turn_left", "turn_right"):
            opposite = (dy if a == "turn_right" else -dy) >= cfg.yaw_enter
            wrong = opposite or abs(dp) >= k * cfg.pitch_enter
        elif a in ("look_up", "look_down"):
            opposite = (dp if a == "look_down" else -dp) >= cfg.pitch_enter
            wrong = opposite or abs(dy) >= k * cfg.yaw_enter
        else:  # blink, move_closer: the head should keep facing the screen
            wrong = abs(dy) >= k * cfg.yaw_enter or abs(dp) >= k * cfg.pitch_enter
        self._wrong = self._wrong + 1 if wrong else 0
        if self._wrong >= cfg.hold_frames:
            self._fail(Failure.WRONG_ACTION, f"step {self._step + 1} asked {a}; yaw {dy:+.0f}, pitch {dp:+.0f} degrees "
                       f"from the start instead (frame {self._index})")
            return True
        return False

    def _thresholds(self, action: str) -> tuple[float, float, int]:
        c = self.config
        return {
            "turn_left": (c.yaw_enter, c.yaw_exit, c.hold_frames), "turn_right": (c.yaw_enter, c.yaw_exit, c.hold_frames),
            "look_up": (c.pitch_enter, c.pitch_exit, c.hold_frames),
            "look_down": (c.pitch_enter, c.pitch_exit, c.hold_frames),
            "blink": (1 - c.blink_enter, 1 - c.blink_exit, c.blink_hold_frames),
            "move_closer": (c.closer_enter, c.closer_exit, c.hold_frames),
            "nose_to_target": (-c.target_enter, -c.target_exit, c.hold_frames),
        }[action]

    def _advance(self, t: float, landmarks: FaceLandmarks, pose: HeadPose, openness: float) -> None:
        assert self._base is not None
        cfg = self.config
        st = self._states[self._step]
        if st.started_t is None:
            st.started_t = t
        self._check_timeout(t)
        if self._failure is not None:
            return
        if not st.ready:
            dy, dp = abs(pose.yaw - self._base[0]), abs(pose.pitch - self._base[1])
            eyes_open = openness >= cfg.blink_exit * self._base[2]
            if dy < cfg.neutral_yaw and dp < cfg.neutral_pitch and eyes_open:
                st.ready = True
                st.ref = face_scale(landmarks.points)
            else:
                return
        if cfg.reject_wrong_action and self._wrong_action(st, pose):
            return
        value = self._measure(st, landmarks, pose, openness)
        st.last = value
        if st.ref_distance is None and st.step.action == "nose_to_target":
            st.ref_distance = -value
        enter, exit_, hold = self._thresholds(st.step.action)
        if st.step.action == "nose_to_target" and not st.away:
            st.away = value < exit_  # the nose must start (or first get) clear of the target
            if not st.away:
                return
        if st.peak is None or value > st.peak:
            st.peak, st.peak_index = value, self._index
        if not st.active:
            if value >= enter:
                st.active, st.held, st.indices, st.entered_t = True, 1, [self._index], t
        elif value >= exit_:
            st.held += 1
            st.indices.append(self._index)
        elif st.step.action == "blink" and st.held >= hold:
            self._complete(st, t)  # closed long enough, and now reopened
            return
        else:
            st.active, st.held, st.indices, st.entered_t = False, 0, [], None
        if st.step.action != "blink" and st.active and st.held >= hold:
            if st.step.action == "nose_to_target":
                if st.entered_t is None:
                    st.entered_t = t
                if t - st.entered_t < self.config.target_hold_s:
                    return
            self._complete(st, t)

    def _complete(self, st: _StepState, t: float) -> None:
        self._wrong = 0
        st.completed_t = t
        st.indices.append(self._index)
        self._step += 1
        if self._step < len(self.steps):
            self._states[self._step].started_t = t

    # -- result ------------------------------------------------------------------------------------------------

    def result(self) -> ChallengeResult:
        """The outcome so far; a challenge still running when asked counts as failed (INCOMPLETE)."""
        failure = self._failure
        if failure is None and self._step < len(self.steps):
            failure = (Failure.INCOMPLETE, f"{self._step} of {len(self.steps)} steps done")
        if failure is None and self.config.require_identity and self._cosine is None:
            failure = (Failure.IDENTITY_MISSING, "no identity embedding at the start and after the last step")
        evidence = []
        audit: set[int] = set()
        for k, st in enumerate(self._states):
            done = st.completed_t is not None
            proof = tuple(sorted({*st.indices, *([st.peak_index] if st.peak_index is not None else [])})) if done else ()
            audit.update(proof[:1] + proof[-1:] + ((st.peak_index,) if done and st.peak_index is not None else ()))
            evidence.append(StepEvidence(st.step.action, st.step.target, done, st.started_t, st.completed_t,
                                         None if st.peak is None else float(st.peak), st.held if done else 0, proof,
                                         _MEASURES[st.step.action]))
        for emb in (self._emb_start, self._emb_end):
            if emb is not None:
                audit.add(emb[0])
        return ChallengeResult(failure is None, failure[0] if failure else None, failure[1] if failure else "",
                               tuple(evidence), self._index + 1, self._first_t, self._last_t, self._cosine,
                               tuple(sorted(audit)))


_MEASURES = {
    "turn_left": "yaw change, degrees (customer's left = nose to image right)",
    "turn_right": "negative yaw change, degrees", "look_up": "pitch change, degrees",
    "look_down": "negative pitch change, degrees", "blink": "eye closure, 1 - openness / baseline",
    "move_closer": "face height / height at step start",
    "nose_to_target": "negative nose-target distance, fraction of frame width",
}
