"""One streamed remote session, run on a model worker (one face engine for the whole session).

The receiving side (the WebSocket handler) puts each frame in ``inbox`` stamped with the server's clock on
arrival; the client's own timestamps are never used, so footage rendered ahead of time, or slower than
real time, is judged by when it actually arrived. The worker:

1. plays the frames through a ``FaceSession`` on a challenge drawn by the server and never sent whole: each
   step is sent (``emit``) only when the previous one is done, so the client cannot know the next step;
2. at a moment the server drew (``flash_timing.draw_slot``: before the first step, between two steps, or after
   the last) and after a random settle pause, asks the page to paint a random colour sequence
   (``inference.flash.draw_sequence``, the kiosk's colours and WCAG 2.3.1-safe segments, shorter:
   ``flash_timing.remote_flash_config``) and checks the face's colour against it with the kiosk's correlation
   (``inference.flash``). The sequence starts, on the server's clock, when it is sent; the searched lag is the
   kiosk's (display + camera) plus the round trip measured before the session began, so a face that answers
   later than that, as a renderer must, does not correlate. While the colours play the challenge's clock
   stops (its frames are not fed to the challenge), so the next step keeps its whole time;
3. stops at ``max_s`` whatever the client does (a challenge still running then has failed).

A customer who must not see flashing colours declines the flash on the page (``decline`` in the inbox), before
or while it plays: no colours are sent (or those playing stop), the challenge goes on, and the session ends at
most in REVIEW with ``FLASH_DECLINED``, as at the kiosk (and ``REMOTE_NO_FLASH``: nothing told a live face from
a video). Declining never helps an attacker to an ACCEPT.
"""
from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kiosk.api.errors import ApiError
from kiosk.api.images import decode_image
from kiosk.api.remote.flash_timing import RemoteFlash, draw_slot, remote_flash_config
from kiosk.api.remote.signals import StreamSignals
from kiosk.evidence import AccessEvidence, Evidence, RemoteEvidence
from kiosk.face_session import (
    FaceEngine,
    FaceSession,
    FaceSessionResult,
    enrol_portrait,
    same_face,
)
from kiosk.policy import Decision, PolicyConfig, decide
from kiosk.verify import fit_frame

Emit = Callable[[dict[str, Any]], None]
Clock = Callable[[], float]
RESUME_GAP_S = 1 / 15  # the challenge's time between its last frame before the flash and its first after


@dataclass(frozen=True)
class StreamSettings:
    """Bounds of one streamed session."""

    max_s: float = 45.0  # the whole session, on the server's clock (below the pool's timeout)
    max_frames: int = 900
    max_bytes: int = 10 * 2**20
    max_pixels: int = 25_000_000


@dataclass(frozen=True)
class StreamOutcome:
    """A finished streamed session, ready to record."""

    session: FaceSessionResult
    evidence: Evidence
    decision: Decision
    best_frame: np.ndarray | None
    audit_frames: tuple[bytes, ...]
    report: dict[str, Any]


def flash_config(rtt_s: float) -> Any:
    """The remote flash's settings with the searched lag widened by the measured round trip."""
    return remote_flash_config(rtt_s)


def run_stream(engine: FaceEngine, steps: list[Any], portrait_bgr: np.ndarray, policy: PolicyConfig,
               rtt_s: float, inbox: queue.Queue[tuple[str, Any, float]], emit: Emit, clock: Clock,
               signals: StreamSignals, settings: StreamSettings, slot: int | None = None) -> StreamOutcome:
    """Run the session until it is decided, the client ends it, or ``settings.max_s`` passes (on a worker).

    ``slot``: the step the flash comes before (``len(steps)``: after the last); drawn at random when None.
    """
    cfg = flash_config(rtt_s)
    slot = draw_slot(len(steps)) if slot is None else slot
    session: FaceSession | None = None
    kept: list[bytes] = []  # the JPEG of every frame pushed to the session (for the audit frames)
    revealed = -1
    flash: RemoteFlash | None = None
    paused = 0.0  # time the challenge's clock stood still (the flash)
    last_t = 0.0  # the challenge's time of the last frame it saw
    ended_by = "time_limit"
    declined = False
    resume_after_decline = False  # declined while the flash held the challenge: it resumes at the next frame
    while clock() < settings.max_s:
        if flash is not None:
            flash.send_when_due(clock(), emit)
        try:
            kind, data, t = inbox.get(timeout=0.05)
        except queue.Empty:
            continue
        if kind == "end":
            ended_by = "client"
            break
        if kind == "decline":
            if not declined and (flash is None or flash.result is None):
                declined = True
                resume_after_decline = flash is not None
                flash = None
            continue
        if len(signals.arrivals) > settings.max_frames:
            ended_by = "frame_limit"
            break
        try:
            frame = fit_frame(decode_image(data, "frame", settings.max_bytes, settings.max_pixels).bgr)
        except ApiError:
            signals.frame(t, None)
            continue
        signals.frame(t, (frame.shape[1], frame.shape[0]))
        if flash is not None and flash.holds_challenge(t):  # settling or colours playing: the challenge waits
            if flash.playing(t):
                flash.feed(engine.pipeline.process(frame, t), frame, t, clock())
            continue
        if (flash is not None and flash.resumed_at is None) or resume_after_decline:
            # The colours are done (or declined): the challenge resumes now, its clock skipping the flash, so
            # this frame follows the last one it saw by a short frame interval.
            if flash is not None:
                flash.resumed_at = clock()
            resume_after_decline = False
            paused = t - (last_t + RESUME_GAP_S)
        if session is None:
            session = FaceSession(engine, list(steps), frame_size=(frame.shape[1], frame.shape[0]))
        ch = session.challenge
        analysis = None
        if ch.status == "running":
            last_t = t - paused
            analysis = session.push(frame, last_t)
            kept.append(data)
        if flash is not None and flash.result is None:  # the lag window's tail runs beside the next step
            flash.feed(analysis or engine.pipeline.process(frame, t), frame, t, clock())
        next_step = ch.step_index if ch.status == "running" else len(steps)
        if flash is None and not declined and ch.status != "failed" and next_step == slot:
            flash = RemoteFlash(cfg, t, last=slot == len(steps))  # its moment has come: the next step waits until the colours are done
            emit({"type": "hold"})
            continue
        if ch.status == "running" and ch.current is not None and ch.step_index != revealed:
            revealed = ch.step_index
            step = ch.current
            emit({"type": "step", "index": revealed, "of": len(ch.steps), "action": step.action,
                  "target": list(step.target) if step.target else None,
                  "timeout_s": ch.config.step_timeout_s})
        if session.done and (flash is None or flash.result is not None or ch.status == "failed"):
            ended_by = "challenge_failed" if ch.status != "passed" else "done"
            break
    if session is None:
        session = FaceSession(engine, list(steps))
    enrolment = enrol_portrait(engine, portrait_bgr)
    if flash is not None and flash.checker is not None:
        session.flash = same_face(engine, flash.result or flash.checker.result(), flash.face_frame,
                                  enrolment.embedding, policy.match_review)
    result = session.finish(enrolment)
    evidence = Evidence(face=result.evidence, remote=RemoteEvidence("stream", False, signals.findings()),
                        access=AccessEvidence(flash_declined=declined))
    # The stream always asks for the flash: one that failed or never ran is a reason, as at a kiosk with a screen.
    decision = decide(evidence, policy.model_copy(update={"require_flash": True}))
    wanted = sorted(i for i in result.audit_frames if i < len(kept))[:12]
    checker = flash.checker if flash is not None else None
    report = {"path": "stream", "ended_by": ended_by, "rtt_ms": round(rtt_s * 1000, 1),
              "flash": session.flash.to_dict() if session.flash else None,
              "flash_slot": slot, "flash_declined": declined, "flash_at_s": round(checker.t0, 3) if checker else None,
              **(flash.timing() if flash is not None else {"flash_added_s": None}),
              "flash_max_lag_ms": round(cfg.max_lag_s * 1000, 1), "signals": list(signals.findings()),
              "capture": signals.report()}
    return StreamOutcome(result, evidence, decision, session.best_frame(), tuple(kept[i] for i in wanted), report)
