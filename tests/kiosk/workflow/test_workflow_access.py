"""The accessible paths (issue 26): more time, help, declining the flash, a challenge without head movement.

Each one must work for a genuine customer (REVIEW with a reason that names it, never a silent REJECT) and add
no accepted attack: the demo's attackers (print, replay, puppet) that take these paths never end ACCEPT.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kiosk.policy import ACCESS_REASONS, PolicyConfig, Reason
from kiosk.workflow.config import DevicesConfig, KioskConfig, UiConfig
from kiosk.workflow.controller import KioskWorkflow
from kiosk.workflow.events import AccessChanged, ChallengeDrawn, ResultReady, SessionEnded, StateChanged
from kiosk.workflow.face_step import HEAD_FREE_ACTIONS
from kiosk.workflow.machine import State


class _Clock:
    """A clock the test moves by hand: no test here depends on how fast the machine is."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _on_state(wf: KioskWorkflow, state: State, action: Any) -> None:
    """Call ``action()`` once, when the session first reaches ``state`` (as the customer's tap would)."""
    done: list[bool] = []

    def listener(event: Any) -> None:
        if isinstance(event, StateChanged) and event.state is state and not done:
            done.append(True)
            action()
    wf.subscribe(listener)


def _result(events: list[Any]) -> ResultReady:
    return next(e for e in events if isinstance(e, ResultReady))


# -- more time ----------------------------------------------------------------------------------------------

def test_more_time_multiplies_every_limit_tenfold_and_ends_with_the_session(engine, demo, tmp_path: Path) -> None:
    clock = _Clock()
    wf = KioskWorkflow(engine, demo(), tmp_path, clock=clock)
    events: list[Any] = []
    wf.subscribe(events.append)
    try:
        wf.start()
        assert wf.machine.deadline == clock.now + 90.0
        wf.more_time()
        assert wf.machine.deadline == clock.now + 900.0
        assert [e.time_factor for e in events if isinstance(e, AccessChanged)] == [10.0]
        assert wf.machine.limit(State.CHALLENGE) == 400.0 and wf.machine.limit(State.RESULT) == 150.0
        assert wf.machine.limit(State.PROCESSING) == 30.0  # a stuck worker is still found in 30 s
        clock.now += 899.0
        wf.tick()
        assert wf.state is State.DOCUMENT  # the standard 90 s would have reset the kiosk long ago
        clock.now += 2.0
        wf.tick()
        assert wf.state is State.ATTRACT
        ended = next(e for e in events if isinstance(e, SessionEnded))
        assert ended.limit_s == 900.0  # the log names the limit that really applied
        wf.start()  # the next customer starts with the standard limits
        assert wf.machine.deadline == clock.now + 90.0
    finally:
        wf.shutdown()


def test_the_factor_is_configurable_but_never_below_ten() -> None:
    assert UiConfig().more_time_factor == 10.0
    assert UiConfig(more_time_factor=20).more_time_factor == 20.0
    with pytest.raises(ValidationError, match="more_time_factor"):
        UiConfig(more_time_factor=3)


def test_more_time_scales_each_challenge_step_and_the_evidence_records_it(engine, demo, run_session,
                                                                          tmp_path: Path) -> None:
    config = KioskConfig(devices=DevicesConfig(camera_stall_s=0.5), ui=UiConfig(screen_flash=False))
    wf, events = run_session(engine, demo(), tmp_path, config=config,
                             prepare=lambda wf: _on_state(wf, State.DOCUMENT, wf.more_time))
    result = _result(events)
    assert result.outcome == "ACCEPT", result.reasons  # more time alone costs the customer nothing
    access = wf.last_report["evidence"]["access"]  # type: ignore[index]
    assert access["time_factor"] == 10.0
    assert access["step_timeout_s"] == pytest.approx(10 * engine.challenge.step_timeout_s)
    assert wf.last_report["evidence"]["challenge"]["passed"]  # type: ignore[index]


# -- declining the flash, asking for help --------------------------------------------------------------------

def test_a_customer_who_declines_the_flash_goes_to_review_not_reject(engine, demo, run_session,
                                                                     tmp_path: Path) -> None:
    wf, events = run_session(engine, demo(), tmp_path,
                             prepare=lambda wf: _on_state(wf, State.CHIP, wf.decline_flash))
    flashes = [e for e in events if type(e).__name__ == "FlashRequested"]
    result = _result(events)
    assert result.outcome == "REVIEW" and result.reasons == ("FLASH_DECLINED",), result.reasons
    assert not flashes  # the screen never flashed
    assert wf.last_report["evidence"]["access"]["flash_declined"]  # type: ignore[index]


@pytest.mark.parametrize("actor", ["print", "replay", "puppet"])
def test_an_attacker_that_declines_the_flash_never_ends_accept(actor: str, engine, demo, run_session,
                                                               tmp_path: Path) -> None:
    wf, events = run_session(engine, demo(actor), tmp_path,
                             prepare=lambda wf: _on_state(wf, State.DOCUMENT, wf.decline_flash))
    result = _result(events)
    assert result.outcome != "ACCEPT" and "FLASH_DECLINED" in result.reasons, result.reasons


def test_a_print_that_asks_for_help_never_ends_accept(engine, demo, run_session, tmp_path: Path) -> None:
    wf, events = run_session(engine, demo("print"), tmp_path,
                             prepare=lambda wf: _on_state(wf, State.FACE, wf.request_help))
    result = _result(events)
    assert result.outcome != "ACCEPT" and "HELP_REQUESTED" in result.reasons, result.reasons
    assert any(isinstance(e, AccessChanged) and e.help_requested and e.time_factor >= 10 for e in events)


def test_a_customer_who_asks_for_help_is_recorded_as_assisted_and_reviewed(engine, demo, run_session,
                                                                           tmp_path: Path) -> None:
    from storage import open_storage

    def prepare(wf: KioskWorkflow) -> None:
        _on_state(wf, State.CHIP, lambda: (wf.request_help(), wf.assist("clerk-anna")))

    wf, events = run_session(engine, demo(), tmp_path, prepare=prepare)
    result = _result(events)
    assert result.outcome == "REVIEW" and "HELP_REQUESTED" in result.reasons
    st = open_storage(tmp_path)
    try:
        assisted = st.decisions.checks_of(wf.config.kiosk_id, "assisted")
    finally:
        st.close()
    assert assisted[result.session_id]["assisted_by"] == "clerk-anna"


# -- a challenge without head movement -----------------------------------------------------------------------

def test_a_customer_who_cannot_move_their_head_gets_blinks_and_closer(engine, demo, run_session,
                                                                      tmp_path: Path) -> None:
    wf, events = run_session(engine, demo(), tmp_path,
                             prepare=lambda wf: _on_state(wf, State.CHIP, wf.avoid_head_movement))
    drawn = [e for e in events if isinstance(e, ChallengeDrawn)]
    assert drawn and all(s.action in HEAD_FREE_ACTIONS for s in drawn[-1].steps)
    result = _result(events)
    assert result.outcome == "REVIEW", result.reasons
    assert "CHALLENGE_WITHOUT_HEAD_MOVEMENT" in result.reasons
    assert "LIVENESS_CHALLENGE_FAILED" not in result.reasons  # the customer could do what was asked
    assert wf.last_report["evidence"]["challenge"]["passed"]  # type: ignore[index]


def test_switching_during_the_challenge_restarts_it_without_head_movement(engine, demo, run_session,
                                                                          tmp_path: Path) -> None:
    wf, events = run_session(engine, demo(), tmp_path,
                             prepare=lambda wf: _on_state(wf, State.CHALLENGE, wf.avoid_head_movement))
    drawn = [e for e in events if isinstance(e, ChallengeDrawn)]
    assert len(drawn) == 2 and all(s.action in HEAD_FREE_ACTIONS for s in drawn[1].steps)
    steps = [s["action"] for s in wf.last_report["challenge_steps"]]  # type: ignore[index]
    assert set(steps) <= set(HEAD_FREE_ACTIONS)  # the evidence is the challenge that ran, not the first draw
    assert "CHALLENGE_WITHOUT_HEAD_MOVEMENT" in _result(events).reasons


def test_a_puppet_on_the_head_free_path_without_the_flash_never_ends_accept(engine, demo, run_session,
                                                                            tmp_path: Path) -> None:
    def prepare(wf: KioskWorkflow) -> None:
        _on_state(wf, State.DOCUMENT, lambda: (wf.avoid_head_movement(), wf.decline_flash()))

    wf, events = run_session(engine, demo("puppet"), tmp_path, prepare=prepare)
    result = _result(events)
    assert result.outcome != "ACCEPT", result.reasons
    assert {"CHALLENGE_WITHOUT_HEAD_MOVEMENT", "FLASH_DECLINED"} <= set(result.reasons)


def test_no_head_free_action_configured_gives_the_assisted_path(engine, demo, run_session, tmp_path: Path) -> None:
    turns_only = engine.challenge.model_copy(update={"actions": ("turn_left", "turn_right"), "length": 2})
    original = engine.challenge
    engine.challenge = turns_only
    try:
        wf, events = run_session(engine, demo(), tmp_path,
                                 prepare=lambda wf: _on_state(wf, State.CHIP, wf.avoid_head_movement))
    finally:
        engine.challenge = original
    assert "HELP_REQUESTED" in _result(events).reasons


# -- the policy ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", sorted(r.value for r in ACCESS_REASONS))
def test_an_accessible_path_can_never_be_made_a_reject(reason: str) -> None:
    assert PolicyConfig().severity_of(Reason(reason)) == "review"
    with pytest.raises(ValidationError, match="must stay 'review'"):
        PolicyConfig(severity={reason: "reject"})


def test_more_time_changes_only_the_step_time_out_never_a_motion_threshold(engine) -> None:
    """The liveness thresholds that depend on timing (speed limits, gaps, holds, freeze detection) are per frame:
    more time lengthens only how long a step may take, for this session only."""
    from kiosk.face_session import FaceSession
    from kiosk.workflow.face_step import scale_step_time

    session = FaceSession(engine, ["blink", "move_closer"])
    before = session.challenge.config.model_dump()
    scale_step_time(session, engine.challenge.step_timeout_s, 10.0)
    after = session.challenge.config.model_dump()
    assert {k for k in before if before[k] != after[k]} == {"step_timeout_s"}
    assert after["step_timeout_s"] == 10 * before["step_timeout_s"]
    assert engine.challenge.step_timeout_s == before["step_timeout_s"]  # the engine's shared config is untouched
