"""The live-puppet attacker (``kiosk run --headless --attack puppet``): the synthetic subject on a tablet
screen. Its frames go through one seeded screen, its nose targets are aimed into the screen's picture, it
follows the prompts, and it does not answer the kiosk's screen flash, which (on by default) keeps it from
ACCEPT: the session goes to a person."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference.challenge_steps import ChallengeStep
from kiosk.workflow.config import DevicesConfig, KioskConfig
from kiosk.workflow.demo import TabletPuppet
from kiosk.workflow.events import ResultReady


@dataclass
class _Subject:
    """A stand-in subject: a fixed smooth frame, and the steps it was asked to follow."""

    size: tuple[int, int] = (320, 240)
    asked: Any = None

    def render(self, state: Any) -> np.ndarray:
        yy, xx = np.mgrid[0:240, 0:320]
        return np.stack([xx % 256, yy % 256, (xx + yy) % 256], axis=2).astype(np.uint8)

    def follow(self, steps: Any) -> list[Any]:
        self.asked = list(steps)
        return []


def test_frames_come_through_one_seeded_screen() -> None:
    a, b, c = TabletPuppet(_Subject(), 1), TabletPuppet(_Subject(), 1), TabletPuppet(_Subject(), 2)
    assert a.screen.params == b.screen.params != c.screen.params
    frame = a.render(None)
    assert frame.shape == (240, 320, 3) and frame.dtype == np.uint8
    assert not np.array_equal(frame, _Subject().render(None))
    x, y, w, h = a.screen.content_box
    assert 0 <= x and 0 <= y and x + w <= 320 and y + h <= 240 and w >= 0.8 * 320 * 0.93 / 1.16


def test_nose_targets_are_aimed_into_the_screen_picture() -> None:
    subject = _Subject()
    puppet = TabletPuppet(subject, 3)
    steps = [ChallengeStep("nose_to_target", (0.3, 0.6)), ChallengeStep("blink")]
    puppet.follow(steps)
    x, y, w, h = puppet.screen.content_box
    tx, ty = subject.asked[0].target
    # Where the subject puts its nose in its own frame lands on the kiosk's target in the camera frame.
    assert abs((x + tx * w) / 320 - 0.3) < 1e-9 and abs((y + ty * h) / 240 - 0.6) < 1e-9
    assert subject.asked[1] == steps[1] and not hasattr(puppet, "project")  # nothing for the flash to light


def test_the_puppet_follows_the_prompts_but_not_the_flash(engine, demo, run_session, tmp_path: Path) -> None:
    config = KioskConfig(devices=DevicesConfig(camera_stall_s=0.5))  # the default ui: the flash is on
    wf, events = run_session(engine, demo("puppet"), tmp_path, config=config)
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome != "ACCEPT" and "FLASH_CHALLENGE_FAILED" in result.reasons
    severity = {f["code"]: f["severity"] for f in wf.last_report["findings"]}  # type: ignore[index]
    assert severity["FLASH_CHALLENGE_FAILED"] == "review"
    ev = wf.last_report["evidence"]  # type: ignore[index]
    assert ev["challenge"]["passed"], ev["challenge"]  # the active challenge alone does not stop it
    assert not ev["flash"]["passed"]
