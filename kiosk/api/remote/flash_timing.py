"""When and how long the streamed session's colour flash runs (issue 21 items 2 and 6).

**When.** The server draws, with ``secrets``, the step the flash comes before: 0 (before the first step, once
the face is in view), k (after step k is done, before step k+1 is revealed) or n (after the last step). The page
learns of it only when the ``flash`` message comes, after a random settle pause (``SETTLE_S``) that also lets a
head that has just turned come back. While the colours play, the challenge's clock stops, so the next step
keeps its whole time.

**How long.** The kiosk's flash (``kiosk.workflow.controller.FLASH_CONFIG``, 12 segments of 0.34-0.45 s, 4.1-5.4
s) alone is over the 4 s the remote path may add. Where the time went, per flash: the settle pause (0.4-1.5 s
before), the sequence (4.1-5.4 s), and a fixed tail of the searched lag (0.3 s plus the round trip) waited in
full even when the face had long answered. Here:

- segments stay at least 0.34 s (under three colour changes a second, WCAG 2.3.1, as at the kiosk); the longest
  is 0.37 s, and there are 9 of them (3.1-3.3 s);
- the settle pause is 0.1-0.3 s;
- the tail ends as soon as the correlation at a lag whose whole window has arrived passes (the verdict the full
  window would give: the best correlation over more lags can only be higher); a face that does not answer waits
  the whole window, 0.3 s plus the round trip, and fails.

**The rule for the threshold** (fixed, not fitted to a test): an unrelated signal's correlation over N
independent segments on two axes spreads as about 1/sqrt(2N) (``inference/flash.py``), so keeping the kiosk's
chance of agreement (0.7 at 12 segments, 3.4 standard deviations) means a threshold of 0.7 x sqrt(12 / N):
0.81 at 9 segments. Fewer segments then cost genuine faces some margin, never attackers' odds.
"""
from __future__ import annotations

import math
import secrets
from typing import Any

SEGMENTS = 9
SEGMENT_S = (0.34, 0.37)  # at least 0.34 s: fewer than three colour changes a second (WCAG 2.3.1)
SETTLE_S = (0.1, 0.3)  # random pause between the moment the server picked and the first colour
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


def draw_slot(steps: int) -> int:
    """The step the flash comes before: 0..``steps`` (``steps``: after the last), uniform, unpredictable."""
    return secrets.randbelow(steps + 1)


def settle_pause() -> float:
    """A random settle pause in ``SETTLE_S`` (seconds)."""
    return secrets.SystemRandom().uniform(*SETTLE_S)
