"""A console login session: who is logged in, what their role allows, and the idle auto-lock.

Logins go through ``storage.accounts`` (scrypt, lockout after repeated failures, every attempt audited);
a logout and an idle lock are audited here. The clock is injected so tests move it by hand.
"""
from __future__ import annotations

import enum
import time
from collections.abc import Callable

from storage.accounts import OperatorInfo
from storage.audit import AuditKind
from storage.store import Storage

from kiosk.console.errors import ConsoleLockedError, NotAllowedError, NotLoggedInError

WHERE = "review-console"


class Permission(enum.Enum):
    """What a role may do in the console."""

    REVIEW = "review"          # the queue and search, open cases (identity, images), approve, reject
    SUPERVISE = "supervise"    # every review (no identity), audit trail, daily report
    OVERSEE = "oversee"        # reopen a reviewed case, export a case
    ADMINISTER = "administer"  # operator accounts, site calibration


# An admin administers and audits but never sees a case's identity or images and takes no case decision
# (README, "Operator review"); storage.review_rules refuses an admin's review or reopen as well.
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "operator": frozenset({Permission.REVIEW}),
    "supervisor": frozenset({Permission.REVIEW, Permission.SUPERVISE, Permission.OVERSEE}),
    "admin": frozenset({Permission.ADMINISTER, Permission.SUPERVISE}),
}


class ConsoleSession:
    """One operator at a time; locks itself after ``idle_lock_s`` without activity."""

    def __init__(self, storage: Storage, idle_lock_s: float = 300.0,
                 monotonic: Callable[[], float] = time.monotonic, where: str = WHERE) -> None:
        self._st = storage
        self.where = where  # recorded with each login and logout: the window or the command line
        self.idle_lock_s = idle_lock_s
        self._now = monotonic
        self.operator: OperatorInfo | None = None
        self.locked = False
        self._last = monotonic()

    @property
    def actor(self) -> str:
        """The audit actor of the logged-in operator."""
        if self.operator is None:
            raise NotLoggedInError("log in first")
        return f"operator:{self.operator.username}"

    def login(self, username: str, password: str) -> OperatorInfo:
        """Log in (or unlock after idle: only the same operator, or another one after a logout of the first).

        Raises ``AuthenticationFailed`` / ``AccountLockedError`` from storage (audited there).
        """
        if self.operator is not None and self.operator.username != username:
            self.logout()  # someone else takes the desk: the first operator is logged out, on the record
        info = self._st.operators.authenticate(username, password, where=self.where)
        self.operator, self.locked, self._last = info, False, self._now()
        return info

    def logout(self) -> None:
        """End the session (audited); nothing happens when nobody is logged in."""
        if self.operator is None:
            return
        self._st.audit.record(AuditKind.LOGOUT, self.actor, {"where": self.where})
        self.operator, self.locked = None, False

    def touch(self) -> None:
        """The operator did something: restart the idle time (not while locked)."""
        if not self.locked:
            self._last = self._now()

    def idle_expired(self) -> bool:
        """Whether the idle time is up (memory only; :meth:`check_idle` then locks and audits)."""
        return self.operator is not None and not self.locked and self._now() - self._last >= self.idle_lock_s

    def check_idle(self) -> bool:
        """Lock the console when it has been idle too long (audited once); ``True`` when locked now."""
        if self.idle_expired():
            self.locked = True
            self._st.audit.record(AuditKind.CONSOLE_LOCKED, self.actor,
                                  {"where": self.where, "idle_s": round(self.idle_lock_s)})
        return self.locked

    def require(self, permission: Permission) -> OperatorInfo:
        """The logged-in operator if their role has ``permission``; raises otherwise (fail closed)."""
        if self.operator is None:
            raise NotLoggedInError("log in first")
        if self.check_idle():
            raise ConsoleLockedError("the console locked itself after idle time: enter your password again")
        if permission not in ROLE_PERMISSIONS.get(self.operator.role, frozenset()):
            raise NotAllowedError(f"a {self.operator.role} may not do this ({permission.value})")
        self.touch()
        return self.operator

    def may(self, permission: Permission) -> bool:
        """Whether the logged-in operator's role has ``permission`` (for showing or hiding screens)."""
        return self.operator is not None and permission in ROLE_PERMISSIONS.get(self.operator.role, frozenset())
