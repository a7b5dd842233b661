"""Errors of the review console; each message tells the operator what to do."""
from __future__ import annotations

from kiosk.errors import BadInputError, UserFacingError


class ConsoleError(UserFacingError):
    """Base of the console's own errors."""


class NotLoggedInError(ConsoleError):
    """No operator is logged in: log in first."""


class ConsoleLockedError(ConsoleError):
    """The console locked itself after idle time: the same operator enters the password again."""


class NotAllowedError(ConsoleError):
    """The logged-in operator's role does not include this action."""


class NoteRequiredError(ConsoleError, BadInputError):
    """A review, reopen or account action needs a written note."""
