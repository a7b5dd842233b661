"""Errors the kiosk turns into outcomes.

``UserFacingError`` carries a message a person can act on. Lower packages raise their own typed
errors (``ModelError``, ``InferenceError``, ``EmrtdError``, ``StorageError``); the CLI and the UI
show their ``str()``, which every one of them writes for a person, never with personal data.
"""
from __future__ import annotations


class UserFacingError(Exception):
    """A failure whose message tells the person what to do next."""


class BadInputError(UserFacingError):
    """The command's input is unusable (missing file, malformed CSV, wrong MRZ...). Exit status 2."""
