"""The customer's session as data: states, triggers and the transition table (no Qt, no threads).

    attract -> document -> chip -> face -> challenge -> processing -> result -> attract

Every state has a time limit (``StateMachine.deadline``) and a cancel; an internal fault anywhere goes
to ``staff`` ("please ask a member of staff"), which returns to attract by itself. The table is the
whole behaviour: a trigger that is not in it for the current state is ignored (and logged by the
controller), so a late event from a worker that was already cancelled cannot move the kiosk.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    """Where the customer is. The UI shows one screen per state."""

    ATTRACT = "attract"
    DOCUMENT = "document"
    CHIP = "chip"
    FACE = "face"
    CHALLENGE = "challenge"
    PROCESSING = "processing"
    RESULT = "result"
    STAFF = "staff"


class Trigger(StrEnum):
    """What can happen. Workers, the customer and the clock each raise their own triggers."""

    START = "start"                  # customer touched the attract screen (or a clerk started a session)
    DOCUMENT_ENTERED = "document_entered"  # MRZ read or typed, or a CAN typed
    CHIP_READ = "chip_read"          # chip read and checked (whatever the verdicts: the policy decides)
    CHIP_RETRY = "chip_retry"        # a read failed in a way the customer can fix: stay, show guidance
    MRZ_REJECTED = "mrz_rejected"    # the chip refused the access key: the MRZ was misread or mistyped
    FACE_READY = "face_ready"        # one steady face: the challenge starts prompting
    CAPTURE_DONE = "capture_done"    # the challenge passed or failed: decide
    DECIDED = "decided"              # decision recorded
    FINISH = "finish"                # result acknowledged
    CANCEL = "cancel"                # customer or clerk cancelled
    TIMEOUT = "timeout"              # the state's time limit passed (idle reset)
    FAULT = "fault"                  # an internal error or a device that stopped: ask staff


# The whole flow. CANCEL, TIMEOUT and FAULT are added for every state below.
TRANSITIONS: dict[tuple[State, Trigger], State] = {
    (State.ATTRACT, Trigger.START): State.DOCUMENT,
    (State.DOCUMENT, Trigger.DOCUMENT_ENTERED): State.CHIP,
    (State.CHIP, Trigger.CHIP_READ): State.FACE,
    (State.CHIP, Trigger.CHIP_RETRY): State.CHIP,
    (State.CHIP, Trigger.MRZ_REJECTED): State.DOCUMENT,
    (State.FACE, Trigger.FACE_READY): State.CHALLENGE,
    (State.FACE, Trigger.CAPTURE_DONE): State.PROCESSING,  # e.g. the face left before any prompt
    (State.CHALLENGE, Trigger.CAPTURE_DONE): State.PROCESSING,
    (State.PROCESSING, Trigger.DECIDED): State.RESULT,
    (State.RESULT, Trigger.FINISH): State.ATTRACT,
    (State.STAFF, Trigger.FINISH): State.ATTRACT,
}
for _state in State:
    if _state is not State.ATTRACT:
        TRANSITIONS.setdefault((_state, Trigger.CANCEL), State.ATTRACT)
        TRANSITIONS.setdefault((_state, Trigger.TIMEOUT), State.ATTRACT)
    if _state not in (State.ATTRACT, State.STAFF):
        TRANSITIONS.setdefault((_state, Trigger.FAULT), State.STAFF)
# The attract screen never faults away (nothing runs there) and never times out.

# States in which the kiosk works and the customer waits: a timeout there means a worker is stuck.
BUSY_STATES = frozenset({State.PROCESSING})


@dataclass(frozen=True)
class Transition:
    """One accepted move (``source`` -> ``target``), with the trigger that caused it."""

    source: State
    trigger: Trigger
    target: State


@dataclass
class StateMachine:
    """The current state and its deadline; ``fire`` applies the table, ``tick`` applies the time limits.

    :param limits: seconds each state may last without progress (missing or 0: no limit).
    :param factor: the customer asked for more time (WCAG 2.2.1): every limit is multiplied by it until the
        session ends (back to attract or staff, where it returns to 1).
    """

    limits: dict[State, float]
    state: State = State.ATTRACT
    factor: float = 1.0
    entered_at: float = 0.0
    deadline: float | None = None
    history: list[Transition] = field(default_factory=list)

    def can(self, trigger: Trigger) -> bool:
        """Whether ``trigger`` moves the machine from the current state."""
        return (self.state, trigger) in TRANSITIONS

    def fire(self, trigger: Trigger, now: float) -> Transition | None:
        """Apply ``trigger`` at time ``now``; None (and no change) when the table has no such move."""
        target = TRANSITIONS.get((self.state, trigger))
        if target is None:
            return None
        move = Transition(self.state, trigger, target)
        self.state = target
        self.entered_at = now
        if target in (State.ATTRACT, State.STAFF):
            self.factor = 1.0  # the next customer starts with the standard limits
        limit = self.limit(target)
        self.deadline = now + limit if limit > 0 else None
        self.history.append(move)
        del self.history[:-64]  # a long-running kiosk keeps only the recent moves
        return move

    def limit(self, state: State) -> float:
        """Seconds ``state`` may last now (its configured limit times ``factor``; 0: no limit). A busy state's
        limit is the kiosk's, not the customer's: more time does not make a stuck worker wait longer."""
        base = self.limits.get(state) or 0.0
        return base if state in BUSY_STATES else base * self.factor

    def extend(self, now: float) -> None:
        """The customer is active in this state: restart its time limit (idle reset counts from here)."""
        limit = self.limit(self.state)
        self.deadline = now + limit if limit > 0 else None

    def tick(self, now: float) -> Transition | None:
        """Fire TIMEOUT when the current state's deadline has passed."""
        if self.deadline is not None and now >= self.deadline:
            return self.fire(Trigger.TIMEOUT, now)
        return None
