"""The transition table on its own: every state can be cancelled and times out, faults go to staff,
unknown triggers change nothing, and the staff screen always leads back to attract."""
from __future__ import annotations

import pytest

from kiosk.workflow.machine import TRANSITIONS, State, StateMachine, Trigger

LIMITS = {s: 10.0 for s in State if s is not State.ATTRACT}


@pytest.mark.parametrize("state", [s for s in State if s is not State.ATTRACT])
def test_every_state_cancels_and_times_out_to_attract(state: State) -> None:
    assert TRANSITIONS[(state, Trigger.CANCEL)] is State.ATTRACT
    assert TRANSITIONS[(state, Trigger.TIMEOUT)] is State.ATTRACT


@pytest.mark.parametrize("state", [s for s in State if s not in (State.ATTRACT, State.STAFF)])
def test_every_working_state_faults_to_staff(state: State) -> None:
    assert TRANSITIONS[(state, Trigger.FAULT)] is State.STAFF


def test_attract_neither_times_out_nor_faults() -> None:
    m = StateMachine(LIMITS)
    assert m.tick(1e9) is None and m.fire(Trigger.FAULT, 0) is None and m.state is State.ATTRACT


def test_happy_path_in_order() -> None:
    m = StateMachine(LIMITS)
    for trigger, state in [(Trigger.START, State.DOCUMENT), (Trigger.DOCUMENT_ENTERED, State.CHIP),
                           (Trigger.CHIP_READ, State.FACE), (Trigger.FACE_READY, State.CHALLENGE),
                           (Trigger.CAPTURE_DONE, State.PROCESSING), (Trigger.DECIDED, State.RESULT),
                           (Trigger.FINISH, State.ATTRACT)]:
        assert m.fire(trigger, 0.0) is not None
        assert m.state is state


def test_trigger_out_of_place_is_ignored() -> None:
    m = StateMachine(LIMITS)
    m.fire(Trigger.START, 0.0)
    assert m.fire(Trigger.DECIDED, 1.0) is None  # a late worker event cannot jump the flow
    assert m.state is State.DOCUMENT


def test_deadline_and_activity() -> None:
    m = StateMachine(LIMITS)
    m.fire(Trigger.START, 100.0)
    assert m.tick(109.9) is None
    m.extend(105.0)  # the customer typed: the limit counts again from here
    assert m.tick(114.0) is None
    move = m.tick(115.0)
    assert move is not None and move.trigger is Trigger.TIMEOUT and m.state is State.ATTRACT
    assert m.deadline is None


def test_mrz_rejected_goes_back_to_document_and_retry_stays() -> None:
    m = StateMachine(LIMITS)
    m.fire(Trigger.START, 0.0)
    m.fire(Trigger.DOCUMENT_ENTERED, 0.0)
    assert m.fire(Trigger.CHIP_RETRY, 0.0).target is State.CHIP
    assert m.fire(Trigger.MRZ_REJECTED, 0.0).target is State.DOCUMENT
