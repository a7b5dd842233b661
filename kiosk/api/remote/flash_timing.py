"""When and how long the streamed session's colour flash runs (issue 21 items 2 and 6).

**When.** The server draws, with ``secrets``, the step the flash comes before: 0 (before the first step, from
the first frame), k (once the k-th step is done, before the next is revealed) or n (after the last step). The page
learns of it only when the ``flash`` message comes, after a random settle pause (``SETTLE_S``) that also lets a
head that has just turned come back. While the colours play, the challenge's clock stops, so the next step
keeps its whole time.

**How long.** The kiosk's flash (``kiosk.workflow.controller.FLASH_CONFIG``: 12 segments of 0.34-0.45 s, 4.1-5.4
s) alone is over the 4 s the remote path may add. Where the time went, per flash: a pause before it (0.4-1.5 s),
the sequence (4.1-5.4 s), and a tail of the searched lag (0.3 s plus the round trip) waited in full even when the
face had long answered. The decision needs the number of segments (chance agreement falls as 1/sqrt(2N),
``inference/flash.py``) and the threshold, not the kiosk's segment lengths, whose floor of 0.34 s reads every
colour change as a flash. WCAG 2.3.1 counts a flash as a *pair* of opposing changes, at most three in any
second: segments of at least 0.25 s make at most five changes, two flashes, in any second. Here:

- the kiosk's 12 segments and its 0.7 threshold, unchanged (the same chance agreement), of 0.25-0.28 s each
  (3.0-3.4 s): the segment lengths ``inference.flash.FlashConfig`` was first measured with start at 0.25 s;
- the settle pause is 0.05-0.2 s;
- the next step is revealed as soon as the colours are done: the lag window's tail (the face still answering the
  last colours) is watched beside it, from the challenge's own frames. Only after the last step does the result
  wait for the verdict, and that tail ends as soon as the correlation at a lag whose whole window has arrived
  passes (the verdict the full window would give: the best correlation over more lags can only be higher); a face
  that does not answer waits the whole window, 0.3 s plus the round trip, and fails.

By configuration the flash adds at most 0.2 + 12 x 0.28 = 3.56 s between steps, and 3.56 + 0.3 = 3.86 s after the
last step for a face that answers within the kiosk's lag on a zero round trip.

**The rule for the threshold** (fixed, not fitted to a test): an unrelated signal's correlation over N
independent segments on two axes spreads as about 1/sqrt(2N), so keeping the kiosk's chance of agreement (0.7
at 12 segments, 3.4 standard deviations) means a threshold of 0.7 x sqrt(12 / N): 0.7 at the 12 segments used
here. Tried and rejected: 9 segments of 0.34-0.37 s (the kiosk's floor) need 0.81 by this rule, and passed
only 94 of 120 genuine draws at 5% light on the 12 live clips.
"""
from __future__ import annotations

import math
import secrets
from typing import Any

SEGMENTS = 12  # the kiosk's: the same chance agreement at the same threshold
SEGMENT_S = (0.25, 0.28)  # at least 0.25 s: at most 5 colour changes, 2 flashes (pairs), in any second
WCAG_FLASHES_PER_S = 3  # WCAG 2.3.1: no more than three flashes in any one-second period
SETTLE_S = (0.05, 0.2)  # random pause between the moment the server picked and the first colour
KIOSK_SEGMENTS, KIOSK_THRESHOLD = 12, 0.7  # the kiosk's flash, whose chance agreement the rule keeps


def chance_matched_threshold(segments: int) -> float:
    """The correlation N segments need for the kiosk's chance agreement: 0.7 x sqrt(12 / N), rounded up."""
    return math.ceil(KIOSK_THRESHOLD * math.sqrt(KIOSK_SEGMENTS / segments) * 1000) / 1000


def remote_flash_config(rtt_s: float) -> Any:
    """The remote flash: the kiosk's colours, correlation and lag, shorter (see the module docstring), the
    searched lag widened by the measured round trip."""
    from kiosk.workflow.controller import FLASH_CONFIG

    return FLASH_CONFIG.model_copy(update={
        "segments": SEGMENTS, "segment_min_s": SEGMENT_S[0], "segment_max_s": SEGMENT_S[1],
        "min_correlation": chance_matched_threshold(SEGMENTS), "max_lag_s": FLASH_CONFIG.max_lag_s + rtt_s})


def flashes_per_second(segment_min_s: float) -> int:
    """Most flashes (pairs of opposing colour changes, WCAG 2.3.1) in any one second with segments this short."""
    changes = math.floor(1 / segment_min_s) + 1  # a closed one-second window can hold both ends' changes
    return changes // 2


def draw_slot(steps: int) -> int:
    """The step the flash comes before: 0..``steps`` (``steps``: after the last), uniform, unpredictable."""
    return secrets.randbelow(steps + 1)


def settle_pause() -> float:
    """A random settle pause in ``SETTLE_S`` (seconds)."""
    return secrets.SystemRandom().uniform(*SETTLE_S)


class RemoteFlash:
    """One flash from the moment it is due: settle, paint (the ``flash`` message), watch, decide.

    The challenge waits while the flash settles and the colours play (``holds_challenge``). Once the colours are
    done the next step may be revealed: the frames of the lag window's tail (the face still answering the last
    colours) are fed from the challenge's own analysis, so the customer does not wait for the tail, except after
    the last step, where the result needs the verdict.
    """

    def __init__(self, cfg: Any, due: float, last: bool) -> None:
        from inference.flash import draw_sequence

        self.cfg = cfg
        self.due_at = due
        self.last = last  # after the last step: the result waits for the verdict
        self.start_at = due + settle_pause()
        self.sequence = draw_sequence(cfg)
        self.checker: Any = None
        self.result: Any = None
        self.resumed_at: float | None = None  # worker's clock when the challenge went on
        # A frame from the middle of the colours whose one face answered them: checked against the document's
        # portrait once the session ends, so a stand-in cannot answer the colours for a puppet (``same_face``).
        self.face_frame: Any = None
        self.decided_at: float | None = None  # worker's clock when the verdict was reached

    def send_when_due(self, now: float, emit: Any) -> None:
        """Send the colours once the settle pause is over; the sequence starts now, on the server's clock."""
        from inference.flash import FlashChecker

        if self.checker is None and now >= self.start_at:
            self.checker = FlashChecker(self.sequence, now, self.cfg)
            emit({"type": "flash", "colours": [s.colour for s in self.sequence.segments],
                  "durations_ms": [round(s.duration_s * 1000) for s in self.sequence.segments]})

    def holds_challenge(self, t: float) -> bool:
        """Whether a frame that arrived at ``t`` belongs to the flash alone (settling, or colours playing)."""
        return self.checker is None or t < self.checker.t0 + self.sequence.total_s

    def playing(self, t: float) -> bool:
        """Whether ``t`` is inside the colours (frames before them need no work)."""
        return self.checker is not None and self.checker.t0 <= t < self.checker.t0 + self.sequence.total_s

    def feed(self, analysis: Any, frame: Any, t: float, now: float) -> None:
        """One analysed frame; decides once a lag whose whole window has arrived passes, or the window is over
        (the best correlation over more lags can only be higher: an early pass is the full window's verdict)."""
        from inference.flash import correlate

        c = self.checker
        if c is None or self.result is not None:
            return
        if analysis.landmarks is not None and analysis.faces_count == 1:
            c.observe(t, frame, analysis.landmarks.points)
            if self.face_frame is None and t >= c.t0 + c.sequence.total_s / 2:
                self.face_frame = frame.copy()
        waited = t - c.t0 - c.sequence.total_s  # lags up to this one have all their frames
        if waited >= self.cfg.max_lag_s:
            self.result = c.result()
        elif waited >= 0:
            # Only lags on the search grid at or below ``waited``: a lag whose window is not whole is not tried.
            whole = math.floor(waited / self.cfg.lag_step_s + 1e-9) * self.cfg.lag_step_s
            early = correlate(c.samples, c.sequence, c.t0, self.cfg.model_copy(update={"max_lag_s": whole}))
            self.result = early if early.passed else None
        if self.result is not None:
            self.decided_at = now

    def timing(self) -> dict[str, Any]:
        """Where the flash's time went (seconds, server clock): settle pause, colours, the wait the customer had
        (``flash_added_s``: until the challenge went on, or until the verdict after the last step)."""
        if self.checker is None:
            return {"flash_added_s": None}
        seq = self.sequence.total_s
        out = {"flash_settle_s": self.checker.t0 - self.due_at, "flash_sequence_s": seq}
        if self.decided_at is not None:
            out["flash_tail_s"] = self.decided_at - self.checker.t0 - seq
        end = self.decided_at if self.last else self.resumed_at
        if end is not None:
            out["flash_added_s"] = end - self.due_at
        return {k: round(v, 3) for k, v in out.items()}

