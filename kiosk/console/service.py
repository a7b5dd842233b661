"""``Console``: every action of the review console, with the role check in front of each.

The Qt screens call these from a worker thread (``ui/console/worker.py``); tests call them directly.
Storage enforces the rules that protect the record too (one review per case unless reopened, the four-eyes
rules of ``storage.review_rules``, disabled operators) under its write lock, so a bug up here still fails
closed; their refusals are ``storage.errors.ReviewNotAllowedError`` with a message naming who may act.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storage.accounts import OperatorInfo
from storage.audit import AuditEvent, AuditKind, AuditVerification
from storage.errors import NotFoundError
from storage.review_queries import ReviewEntry
from storage.store import Storage

from kiosk.console.auth import WHERE, ConsoleSession, Permission
from kiosk.console.case import CaseFile, assemble_case
from kiosk.console.chip_check import ChipEvidenceCheck, check_session_chip_evidence
from kiosk.console.errors import NotAllowedError, NoteRequiredError
from kiosk.console.export_html import write_case_html
from kiosk.console.queue import PAGE_SIZE, QueueFilter, QueuePage, review_queue, search
from kiosk.console.report import ReportData, daily_report
from kiosk.errors import BadInputError
from kiosk.policy import PolicyConfig

MIN_NOTE = 5  # characters: "ok" is not a note an auditor can read


def _note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) < MIN_NOTE:
        raise NoteRequiredError(f"write a note of at least {MIN_NOTE} characters saying why")
    return text


class Console:
    """The review console over one open storage."""

    def __init__(self, storage: Storage, idle_lock_s: float = 300.0, policy: PolicyConfig | None = None,
                 monotonic: Callable[[], float] = time.monotonic, where: str = WHERE) -> None:
        self.storage = storage
        self.policy = policy or PolicyConfig()
        self.session = ConsoleSession(storage, idle_lock_s, monotonic, where)
        self.trust: Any = None  # a TrustStore for the chip-evidence check; None: the kiosk's own (data dir/trust)

    # -- login -----------------------------------------------------------------------------------------
    def login(self, username: str, password: str) -> OperatorInfo:
        """Log in (audited; lockout after repeated failures)."""
        return self.session.login(username, password)

    def logout(self) -> None:
        """Log out (audited)."""
        self.session.logout()

    # -- queue and search --------------------------------------------------------------------------------
    def queue(self, f: QueueFilter = QueueFilter(), page: int = 0, page_size: int = PAGE_SIZE) -> QueuePage:
        """REVIEW sessions oldest first, filtered, one page."""
        self.session.require(Permission.REVIEW)
        return review_queue(self.storage, f, page, page_size)

    def search(self, f: QueueFilter, page: int = 0, page_size: int = PAGE_SIZE) -> QueuePage:
        """Every session matching ``f``, newest first."""
        self.session.require(Permission.REVIEW)
        return search(self.storage, f, page, page_size)

    def filter_choices(self) -> tuple[list[str], list[str]]:
        """Kiosk ids and modes present in the log."""
        self.session.require(Permission.REVIEW)
        return self.storage.queries.kiosks_and_modes()

    # -- cases -------------------------------------------------------------------------------------------
    def open_case(self, session_id: str, with_images: bool = True) -> CaseFile:
        """The whole case, images decrypted in memory (none read with ``with_images=False``); the opening is
        audited (not for an admin)."""
        self.session.require(Permission.REVIEW)
        return assemble_case(self.storage, session_id, self.session.actor, self.policy, with_images)

    def find_session(self, id_or_prefix: str) -> str:
        """The full id of the one session whose id starts with ``id_or_prefix`` (as the queue shows it)."""
        self.session.require(Permission.REVIEW)
        if not id_or_prefix.strip():
            raise BadInputError("give the session id of the case, or its first digits")
        found = search(self.storage, QueueFilter(session_id=id_or_prefix), page_size=2)
        if found.total == 0:
            raise NotFoundError(f"no session id starts with {id_or_prefix!r}")
        if found.total > 1:
            raise BadInputError(f"{found.total} session ids start with {id_or_prefix!r}: give more of its digits")
        return found.items[0].session_id

    def check_chip_evidence(self, session_id: str) -> ChipEvidenceCheck:
        """Re-check the session's chip evidence as ``kiosk evidence verify`` does (same words), against the
        kiosk's trust store and its own signing key; the reads are audited like opening the case."""
        self.session.require(Permission.REVIEW)
        return check_session_chip_evidence(self.storage, session_id, self.session.actor, self.trust)

    def approve(self, session_id: str, note: str) -> str:
        """Accept a flagged session with a note; returns the review id."""
        op = self.session.require(Permission.REVIEW)
        return self.storage.decisions.record_review(session_id, op.username, "accept", _note(note))

    def reject(self, session_id: str, note: str) -> str:
        """Reject a flagged session with a note; returns the review id."""
        op = self.session.require(Permission.REVIEW)
        return self.storage.decisions.record_review(session_id, op.username, "reject", _note(note))

    # -- supervisor --------------------------------------------------------------------------------------
    def reviews(self, since: dt.datetime | None = None, limit: int = 100, offset: int = 0) -> list[ReviewEntry]:
        """Every review, newest first."""
        self.session.require(Permission.SUPERVISE)
        return self.storage.queries.reviews(since, limit, offset)

    def reopen(self, session_id: str, note: str) -> str:
        """Put a reviewed session back in the queue, with a note (not your own verdict, not as the clerk)."""
        op = self.session.require(Permission.OVERSEE)
        return self.storage.decisions.reopen_review(session_id, op.username, _note(note))

    def audit_trail(self, last: int = 200) -> tuple[AuditVerification, list[AuditEvent]]:
        """The full verification result and the newest ``last`` events."""
        self.session.require(Permission.SUPERVISE)
        result = self.storage.verify()
        head = self.storage.audit.head().seq
        return result, self.storage.audit.events(since_seq=max(0, head - last), limit=last)[::-1]

    def report(self, last_day: dt.date | None = None, days: int = 14) -> ReportData:
        """The daily report ending ``last_day`` (today, UTC, by default)."""
        self.session.require(Permission.SUPERVISE)
        return daily_report(self.storage, last_day or self.storage.clock.now().date(), days)

    def export_case(self, session_id: str, path: Path, with_images: bool = False) -> Path:
        """An HTML file of one case for an auditor (images only if asked); audited."""
        self.session.require(Permission.OVERSEE)
        case = assemble_case(self.storage, session_id, self.session.actor, self.policy)
        out = write_case_html(case, path, self.session.actor, with_images)
        self.storage.audit.record(AuditKind.CASE_EXPORTED, self.session.actor,
                                  {"format": "html", "images": with_images}, session_id=session_id)
        return out

    # -- admin -------------------------------------------------------------------------------------------
    def accounts(self) -> list[OperatorInfo]:
        """Every operator account."""
        self.session.require(Permission.ADMINISTER)
        return self.storage.operators.list_accounts()

    def create_account(self, username: str, role: str, password: str) -> OperatorInfo:
        """A new account (audited)."""
        self.session.require(Permission.ADMINISTER)
        return self.storage.operators.add(username, role, password, self.session.actor)

    def disable_account(self, username: str) -> None:
        """Disable an account (audited); an admin cannot disable their own."""
        op = self.session.require(Permission.ADMINISTER)
        if username == op.username:
            raise NotAllowedError("you cannot disable your own account: ask another admin")
        self.storage.operators.disable(username, self.session.actor)

    def change_role(self, username: str, role: str) -> None:
        """Give an account another role (audited with the previous one); an admin cannot change their own."""
        op = self.session.require(Permission.ADMINISTER)
        if username == op.username:
            raise NotAllowedError("you cannot change your own role: ask another admin")
        self.storage.operators.set_role(username, role, self.session.actor)

    def reset_password(self, username: str, password: str) -> None:
        """Set a new password (clears a lockout; audited)."""
        self.session.require(Permission.ADMINISTER)
        self.storage.operators.set_password(username, password, self.session.actor)

    def unlock_account(self, username: str) -> None:
        """End a lockout (audited)."""
        self.session.require(Permission.ADMINISTER)
        self.storage.operators.unlock(username, self.session.actor)
