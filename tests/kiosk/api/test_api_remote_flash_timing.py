"""The remote flash's early verdict (kiosk.api.remote.flash_timing.RemoteFlash), without a camera or a clock: a
face whose colour follows the sequence is decided as soon as the lag it answers at has all its frames, with the
verdict the full window gives; a face that does not follow waits the whole window and fails. Frames are fed with
made-up arrival times, so nothing here depends on speed."""
from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from inference.flash import FlashSample, correlate, draw_sequence
from kiosk.api.remote.flash_timing import RemoteFlash, remote_flash_config

FPS = 15.0
NO_FACE = SimpleNamespace(landmarks=None, faces_count=0)  # samples are put in by hand below


def _run(lag_s: float | None, rtt_s: float = 0.2, seed: int = 1) -> tuple[RemoteFlash, float, list[FlashSample]]:
    """Feed a flash frames at 15 frames/s; ``lag_s`` None: a face that ignores the colours. The decision time
    and every sample made (also those the flash never needed)."""
    from inference.flash import FlashChecker

    flash = RemoteFlash(remote_flash_config(rtt_s), due=0.0, last=True)
    flash.sequence = draw_sequence(flash.cfg, random.Random(seed))  # repeatable (the server draws with secrets)
    t0 = 0.1
    flash.checker = FlashChecker(flash.sequence, t0, flash.cfg)
    seq, rng = flash.sequence, random.Random(7)
    samples: list[FlashSample] = []
    t = t0
    while t <= t0 + seq.total_s + flash.cfg.max_lag_s + 0.5:
        rgb = seq.colour_at(t - t0 - lag_s) if lag_s is not None else None
        rgb = rgb or (0.0, 0.0, 0.0)
        noise = [rng.gauss(0, 0.2) for _ in range(3)]
        face = tuple(150 + 12 * c + n for c, n in zip(rgb[::-1], noise))  # BGR
        samples.append(FlashSample(t, face, (120.0, 120.0, 120.0)))  # type: ignore[arg-type]
        if flash.result is None:
            flash.checker.samples.append(samples[-1])
            flash.feed(NO_FACE, None, t, now=t)
            if flash.result is not None:
                decided = t
        t += 1 / FPS
    return flash, decided, samples


@pytest.mark.parametrize("seed", range(8))
def test_a_face_that_follows_is_decided_once_its_lag_has_all_its_frames(seed: int) -> None:
    flash, decided, samples = _run(lag_s=0.1, seed=seed)
    c = flash.checker
    end = c.t0 + c.sequence.total_s
    assert flash.result is not None and flash.result.passed
    assert end <= decided < end + 0.1 + 2 / FPS  # not before the colours end, nor long after the face answered
    assert flash.result.lag_s <= decided - end  # decided on a lag whose whole window had arrived
    full = correlate(samples, c.sequence, c.t0, flash.cfg)  # every frame of the window, every lag
    assert full.passed  # the same verdict
    assert flash.timing()["flash_added_s"] == round(decided - flash.due_at, 3)


def test_a_face_that_does_not_follow_waits_the_whole_window_and_fails() -> None:
    flash, decided, _ = _run(lag_s=None)
    c = flash.checker
    assert flash.result is not None and not flash.result.passed
    assert decided >= c.t0 + c.sequence.total_s + flash.cfg.max_lag_s


def test_a_face_later_than_the_searched_lag_fails() -> None:
    flash, _decided, _ = _run(lag_s=0.3 + 0.2 + 0.4, rtt_s=0.2)  # the kiosk's lag plus the round trip, and more
    assert flash.result is not None and not flash.result.passed
