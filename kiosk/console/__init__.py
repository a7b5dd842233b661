"""The operator review console without Qt: login sessions with idle auto-lock, the review queue and
search, case assembly, review actions (four eyes), supervisor reopen, admin account actions, the daily
report and case export. ``ui/console`` renders it; the tests drive it directly.

Entry point: :class:`kiosk.console.service.Console` over an open ``storage.Storage``.
"""
from kiosk.console.auth import ConsoleSession, Permission
from kiosk.console.errors import ConsoleError, ConsoleLockedError, NotAllowedError, NotLoggedInError
from kiosk.console.queue import QueueFilter, QueuePage
from kiosk.console.service import Console

__all__ = ["Console", "ConsoleError", "ConsoleLockedError", "ConsoleSession", "NotAllowedError",
           "NotLoggedInError", "Permission", "QueueFilter", "QueuePage"]
