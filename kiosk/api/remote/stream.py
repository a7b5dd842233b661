"""One streamed remote session, run on a model worker (one face engine for the whole session).

The receiving side (the WebSocket handler) puts each frame in ``inbox`` stamped with the server's clock on
arrival; the client's own timestamps are never used, so footage rendered ahead of time, or slower than
real time, is judged by when it actually arrived. The worker:

1. plays the frames through a ``FaceSession`` on a challenge drawn by the server and never sent whole: each
   step is sent (``emit``) only when the previous one is done, so the client cannot know the next step;
2. when the challenge has passed, waits a random moment, then asks the page to paint a random colour
   sequence (``inference.flash.draw_sequence`` with the kiosk's ``FLASH_CONFIG``: its WCAG 2.3.1-safe
   segment lengths) and checks the face's colour against it with the kiosk's correlation
   (``inference.flash.FlashChecker``). The sequence starts, on the server's clock, when it is sent; the
   searched lag is the kiosk's (display + camera) plus the round trip measured before the session began, so
   a face that answers later than that, as a renderer must, does not correlate;
3. stops at ``max_s`` whatever the client does (a challenge still running then has failed).
"""
from __future__ import annotations

import queue
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kiosk.api.errors import ApiError
from kiosk.api.images import decode_image
from kiosk.api.remote.signals import StreamSignals
from kiosk.evidence import Evidence, RemoteEvidence
from kiosk.face_session import FaceEngine, FaceSession, FaceSessionResult, enrol_portrait
from kiosk.policy import Decision, PolicyConfig, decide
from kiosk.verify import fit_frame

Emit = Callable[[dict[str, Any]], None]
Clock = Callable[[], float]
FLASH_DELAY_S = (0.4, 1.5)  # random pause between the last step and the flash: its moment is not predictable


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
    """The kiosk's flash settings with the searched lag widened by the measured round trip."""
    from kiosk.workflow.controller import FLASH_CONFIG

    return FLASH_CONFIG.model_copy(update={"max_lag_s": FLASH_CONFIG.max_lag_s + rtt_s})


def run_stream(engine: FaceEngine, steps: list[Any], portrait_bgr: np.ndarray, policy: PolicyConfig,
               rtt_s: float, inbox: queue.Queue[tuple[str, Any, float]], emit: Emit, clock: Clock,
               signals: StreamSignals, settings: StreamSettings) -> StreamOutcome:
    """Run the session until it is decided, the client ends it, or ``settings.max_s`` passes (on a worker)."""
    from inference.flash import FlashChecker, draw_sequence

    cfg = flash_config(rtt_s)
    session: FaceSession | None = None
    kept: list[bytes] = []  # the JPEG of every frame pushed to the session (for the audit frames)
    revealed = -1
    phase = "challenge"
    flash_at = 0.0
    checker: FlashChecker | None = None
    ended_by = "time_limit"
    while clock() < settings.max_s:
        try:
            kind, data, t = inbox.get(timeout=0.25)
        except queue.Empty:
            continue
        if kind == "end":
            ended_by = "client"
            break
        if len(signals.arrivals) > settings.max_frames:
            ended_by = "frame_limit"
            break
        try:
            frame = fit_frame(decode_image(data, "frame", settings.max_bytes, settings.max_pixels).bgr)
        except ApiError:
            signals.frame(t, None)
            continue
        signals.frame(t, (frame.shape[1], frame.shape[0]))
        if phase == "challenge":
            if session is None:
                session = FaceSession(engine, list(steps), frame_size=(frame.shape[1], frame.shape[0]))
            session.push(frame, t)
            kept.append(data)
            ch = session.challenge
            if ch.current is not None and ch.step_index != revealed:
                revealed = ch.step_index
                step = ch.current
                emit({"type": "step", "index": revealed, "of": len(ch.steps), "action": step.action,
                      "target": list(step.target) if step.target else None,
                      "timeout_s": ch.config.step_timeout_s})
            if session.done:
                if ch.status != "passed":
                    ended_by = "challenge_failed"
                    break
                phase = "hold"
                flash_at = t + secrets.SystemRandom().uniform(*FLASH_DELAY_S)
                emit({"type": "hold"})
        elif phase == "hold" and t >= flash_at:
            sequence = draw_sequence(cfg)
            checker = FlashChecker(sequence, clock(), cfg)  # starts when sent, on the server's clock
            emit({"type": "flash", "colours": [s.colour for s in sequence.segments],
                  "durations_ms": [round(s.duration_s * 1000) for s in sequence.segments]})
            phase = "flash"
        elif phase == "flash" and checker is not None:
            if t > checker.t0 + checker.sequence.total_s + cfg.max_lag_s:
                ended_by = "done"
                break
            a = engine.pipeline.process(frame, t)
            if a.landmarks is not None and a.faces_count == 1:
                checker.observe(t, frame, a.landmarks.points)
    if session is None:
        session = FaceSession(engine, list(steps))
    if checker is not None:
        session.flash = checker.result()
    enrolment = enrol_portrait(engine, portrait_bgr)
    result = session.finish(enrolment)
    evidence = Evidence(face=result.evidence, remote=RemoteEvidence("stream", False, signals.findings()))
    # The stream always asks for the flash: one that failed or never ran is a reason, as at a kiosk with a screen.
    decision = decide(evidence, policy.model_copy(update={"require_flash": True}))
    wanted = sorted(i for i in result.audit_frames if i < len(kept))[:12]
    report = {"path": "stream", "ended_by": ended_by, "rtt_ms": round(rtt_s * 1000, 1),
              "flash": session.flash.to_dict() if session.flash else None,
              "flash_max_lag_ms": round(cfg.max_lag_s * 1000, 1), "signals": list(signals.findings()),
              "capture": signals.report()}
    return StreamOutcome(result, evidence, decision, session.best_frame(), tuple(kept[i] for i in wanted), report)
