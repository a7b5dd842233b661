"""When and how long the streamed session's colour flash runs (issue 21 items 2 and 6).

**When.** The server draws, with ``secrets``, the step the flash comes before: 0 (before the first step, once
the face is in view), k (after step k is done, before step k+1 is revealed) or n (after the last step). The page
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
- the settle pause is 0.1-0.3 s;
- the tail ends as soon as the correlation at a lag whose whole window has arrived passes (the verdict the full
  window would give: the best correlation over more lags can only be higher); a face that does not answer waits
  the whole window, 0.3 s plus the round trip, and fails.

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
