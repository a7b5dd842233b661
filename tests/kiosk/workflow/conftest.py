"""Shared pieces for the workflow tests: the face engine (loaded once) and a helper to run one session."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kiosk.face_session import FaceEngine
from kiosk.workflow.config import DevicesConfig, KioskConfig, TimeoutsConfig
from kiosk.workflow.controller import Devices, KioskWorkflow
from kiosk.workflow.demo import Autoplay, build_demo, demo_photo, run_until_attract


@pytest.fixture(scope="session")
def engine() -> FaceEngine:
    return FaceEngine.load()


@pytest.fixture(scope="session")
def photo_rgb() -> np.ndarray:
    return demo_photo()


FIXED_STEPS = "blink,turn_left,nose_to_target@0.62:0.55,move_closer"


def fast_config(**timeouts: float) -> KioskConfig:
    """Short time limits where a test waits for one to pass; a short camera watchdog."""
    return KioskConfig(timeouts=TimeoutsConfig(**timeouts), devices=DevicesConfig(camera_stall_s=0.5))


def _run_session(engine: FaceEngine, devices: Devices, data_dir: Path, config: KioskConfig | None = None,
                prepare: Callable[[KioskWorkflow], Any] | None = None, autoplay: bool = True,
                timeout_s: float = 180.0) -> tuple[KioskWorkflow, list[Any]]:
    """One session from attract back to attract, with the demo customer answering the screens."""
    from inference.challenge_steps import parse_steps

    # A fixed challenge (every kind of action across the tests' sessions) keeps the outcome deterministic;
    # the random draw itself is exercised by `kiosk run` and the window's flow test.
    steps = tuple(parse_steps(FIXED_STEPS, engine.challenge))
    wf = KioskWorkflow(engine, devices, data_dir, config=config or fast_config(), retry_pause_s=0.05,
                       challenge=lambda: steps)
    if autoplay:
        Autoplay(wf)
    if prepare is not None:
        prepare(wf)
    try:
        events = run_until_attract(wf, timeout_s=timeout_s)
    finally:
        wf.shutdown()
    return wf, events


@pytest.fixture()
def demo(engine: FaceEngine, photo_rgb: np.ndarray) -> Callable[..., Devices]:
    """Demo devices for an actor, with an instant chip link (the tests measure behaviour, not speed)."""
    def make(actor: str = "customer", **kw: Any) -> Devices:
        return build_demo(engine, actor, photo_rgb=photo_rgb, link=None, **kw)  # type: ignore[arg-type]
    return make


@pytest.fixture()
def run_session() -> Callable[..., tuple[KioskWorkflow, list[Any]]]:
    """``run_session(engine, devices, data_dir, config=None, prepare=None, autoplay=True)``."""
    return _run_session


@pytest.fixture()
def fast() -> Callable[..., KioskConfig]:
    """``fast(**timeouts)``: a config with short time limits and watchdog."""
    return fast_config
