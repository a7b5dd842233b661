"""What the workflow tells its screens: small frozen records, no pixels, no personal data.

The window re-emits them as Qt signals on the GUI thread (``ui.bridge``); tests collect them in a list.
Message fields are stable keys (``MessageKey``); the window translates them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kiosk.workflow.machine import State, Trigger


class MessageKey(StrEnum):
    """Things the kiosk says to the customer besides the screen's own text."""

    MRZ_REJECTED = "mrz_rejected"          # the chip refused the data: check it and try again
    KEEP_ON_READER = "keep_on_reader"      # lifted mid-read
    READ_AGAIN = "read_again"              # unreadable: lay it down again
    CAMERA_STOPPED = "camera_stopped"      # the camera stopped: ask staff
    DOCUMENT_REFUSED = "document_refused"  # the chip broke a read limit: ask staff
    INTERNAL_ERROR = "internal_error"      # anything else: ask staff
    TIMED_OUT = "timed_out"                # the session timed out
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class StateChanged:
    """The kiosk moved to ``state`` (show its screen); ``message`` explains an unusual move."""

    state: State
    previous: State
    trigger: Trigger
    message: MessageKey | None = None


@dataclass(frozen=True)
class AccessChanged:
    """The customer used an accessible path (issue 26): the window shows and speaks what changed."""

    time_factor: float = 1.0
    help_requested: bool = False
    flash_declined: bool = False
    head_free_challenge: bool = False


@dataclass(frozen=True)
class DocumentScanned:
    """The MRZ was read by the camera (the fields are not in the event: they are personal data)."""

    document_type: str  # TD1, TD2 or TD3


@dataclass(frozen=True)
class ChipProgress:
    """Reader progress: the phase name (stable, lower case), overall fraction 0..1 and bytes of the file."""

    phase: str
    fraction: float
    bytes_read: int = 0
    bytes_expected: int = 0


@dataclass(frozen=True)
class ChipRetry:
    """A read failed in a way the customer can fix; ``attempt`` of ``attempts`` so far."""

    message: MessageKey
    attempt: int
    attempts: int


@dataclass(frozen=True)
class ChallengeDrawn:
    """The random challenge for this session (actions and nose targets, camera-image coordinates)."""

    steps: tuple[Any, ...]  # inference.challenge_steps.ChallengeStep


@dataclass(frozen=True)
class FlashRequested:
    """Show this colour sequence now, full screen, and report when its first colour is on screen
    (``KioskWorkflow.flash_shown`` with the camera's clock, ``time.monotonic()`` for a real camera)."""

    sequence: Any  # inference.flash.FlashSequence


@dataclass(frozen=True)
class FaceUpdate:
    """One analysed frame, for the overlay: where the face is, one hint, the challenge's state.

    Coordinates are fractions of the camera frame (un-mirrored); the window mirrors what it draws.
    """

    frame_index: int
    box: tuple[float, float, float, float] | None  # x, y, w, h as fractions of the frame
    faces: int
    hint: str | None                               # the most important quality hint (English source text)
    good: bool
    step: str | None = None                        # the action to prompt now
    step_index: int = 0
    steps_total: int = 0
    step_progress: float = 0.0
    seconds_left: float | None = None
    target: tuple[float, float] | None = None      # nose target, camera-image fractions


@dataclass(frozen=True)
class ResultReady:
    """The decision. ``summary`` is for a clerk (assisted mode) and the screenshots, never a raw score for
    the customer's screen."""

    outcome: str                                   # ACCEPT / REVIEW / REJECT
    reasons: tuple[str, ...]
    session_id: str | None
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionEnded:
    """A session ended without a decision: in ``state``, because of ``trigger`` (a screen's time limit, a
    cancel or a fault). ``limit_s`` is the screen's time limit when it ran out; ``detail`` names a fault."""

    state: State
    trigger: Trigger
    limit_s: float | None = None
    detail: str | None = None

    def describe(self) -> str:
        """One line for a log, the demo or a clerk (no personal data)."""
        if self.trigger is Trigger.TIMEOUT:
            return f"the {self.state} screen's time limit ({self.limit_s:g} s) ran out"
        if self.trigger is Trigger.CANCEL:
            return f"cancelled on the {self.state} screen"
        return f"fault on the {self.state} screen: {self.detail or 'see the log'}"

