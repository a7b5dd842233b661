"""Operator accounts: roles, scrypt password hashes, lockout after repeated failures, audited logins.

Passwords are hashed with scrypt (RFC 7914; ``hashlib.scrypt``), N = 2**scrypt_log2_n, r = 8,
p = 1, a 16-byte random salt, 32-byte output; stored as ``scrypt$log2n$r$p$salt$hash`` (base64) so
the cost can be raised later and old hashes still verify. Unknown users cost the same hash as known
ones (no user enumeration by timing), and the error never says which part was wrong.

Each account row is sealed (``storage.binding``: role, password hash, lock state, failure count, enabled)
under the audit key and announced by an audited event (``operator_added``, or ``operators_bound`` for
accounts from before the seals), and every change to it is audited (role, password, disable, lock, unlock).
A row edited in the database (a forged role, a swapped hash, a cleared lock) fails its seal: the login is
refused with ``AccountTamperedError`` before the password is tried, and ``kiosk audit verify`` names it.

Lockout: the lock check and the count of an attempt are one write transaction (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL ``FOR UPDATE`` on the row) taken *before* the password is hashed, so N parallel wrong passwords
never get more than ``max_failures`` password checks between two lockouts.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.audit import AuditKind, AuditTrail
from storage.binding import check_seal, seal
from storage.clock import Clock
from storage.config import OperatorLoginConfig
from storage.crypto import KeyContext
from storage.db import Database
from storage.errors import (
    AccountLockedError,
    AccountTamperedError,
    AuthenticationFailed,
    NotFoundError,
    StorageInputError,
)
from storage.records import ROLES
from storage.tables import OperatorRow

_R, _P, _DKLEN = 8, 1, 32


def hash_password(password: str, log2_n: int) -> str:
    """An scrypt hash string for ``password``."""
    salt = secrets.token_bytes(16)
    dk = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**log2_n, r=_R, p=_P, dklen=_DKLEN,
                        maxmem=256 * 2**log2_n * _R + 2**20)
    salt_b64, dk_b64 = base64.b64encode(salt).decode("ascii"), base64.b64encode(dk).decode("ascii")
    return f"scrypt${log2_n}${_R}${_P}${salt_b64}${dk_b64}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a stored scrypt hash string (``False`` if malformed)."""
    try:
        algo, log2_n, r, p, salt_b64, dk_b64 = stored.split("$")
        if algo != "scrypt":
            return False
        n_log, r_i, p_i = int(log2_n), int(r), int(p)
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(dk_b64)
        if not (10 <= n_log <= 22 and 1 <= r_i <= 32 and 1 <= p_i <= 16):
            return False
        dk = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**n_log, r=r_i, p=p_i, dklen=len(expected),
                            maxmem=256 * 2**n_log * r_i * p_i + 2**20)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(dk, expected)


@dataclass(frozen=True)
class OperatorInfo:
    """An operator account without its secret; ``problem`` says why its row fails its seal (else ``None``)."""

    operator_id: int
    username: str
    role: str
    disabled: bool
    locked_until: datetime | None
    problem: str | None = None


def _info(row: OperatorRow, problem: str | None = None) -> OperatorInfo:
    return OperatorInfo(row.id, row.username, row.role, row.disabled, row.locked_until, problem)


def seal_problem(keys: KeyContext, row: OperatorRow) -> str | None:
    """Why an account row fails its seal, in words (``None`` when it is intact)."""
    bad = check_seal(keys.keys, row)
    return None if bad is None else f"operators row {row.id} {bad[1]}"


def tampered_error(username: str, problem: str) -> AccountTamperedError:
    """The refusal for an account whose row fails its seal: what happened and what to do."""
    return AccountTamperedError(
        f"operator account {username!r} was tampered with ({problem}): its role, password or lock was changed "
        f"outside the console, e.g. in the database file, so it is refused. Run 'kiosk audit verify'; an "
        f"administrator at the kiosk sets it again with 'kiosk operator restore {username} --role ROLE'")


def require_intact(keys: KeyContext, row: OperatorRow) -> OperatorRow:
    """``row`` when it passes its seal; ``AccountTamperedError`` otherwise (fail closed)."""
    problem = seal_problem(keys, row)
    if problem is not None:
        raise tampered_error(row.username, problem)
    return row


class OperatorAccounts:
    """Create, disable, re-password, re-role and authenticate operators; every change and login is audited."""

    def __init__(self, db: Database, audit: AuditTrail, config: OperatorLoginConfig, clock: Clock,
                 keys: KeyContext) -> None:
        self._db = db
        self._audit = audit
        self._config = config
        self._clock = clock
        self._keys = keys
        self._dummy: str | None = None

    @property
    def _dummy_hash(self) -> str:
        # Verified against for unknown users so they cost the same time as known ones.
        if self._dummy is None:
            self._dummy = hash_password(secrets.token_hex(16), self._config.scrypt_log2_n)
        return self._dummy

    def _check_password(self, password: str) -> None:
        if len(password) < self._config.min_password_length:
            raise StorageInputError(f"the password must be at least {self._config.min_password_length} characters")

    @staticmethod
    def _check_role(role: str) -> None:
        if role not in ROLES:
            raise StorageInputError(f"role must be one of {', '.join(ROLES)}")

    def _seal(self, row: OperatorRow) -> None:
        seal(self._keys.keys, row)

    def add(self, username: str, role: str, password: str, actor: str) -> OperatorInfo:
        """Create an account; ``role`` is operator, supervisor or admin."""
        self._check_role(role)
        if not username or len(username) > 64 or not username.isprintable() or username.strip() != username:
            raise StorageInputError("username must be 1..64 printable characters without surrounding spaces")
        self._check_password(password)
        hashed = hash_password(password, self._config.scrypt_log2_n)
        now = self._clock.now()
        with self._db.write() as s:
            if s.execute(select(OperatorRow.id).where(OperatorRow.username == username)).first() is not None:
                raise StorageInputError(f"operator {username!r} already exists")
            self._keys.refresh()
            row = OperatorRow(username=username, role=role, password_hash=hashed, disabled=False, failed_logins=0,
                              locked_until=None, created_at=now, password_changed_at=now)
            s.add(row)
            s.flush()
            self._seal(row)
            # operator_id announces the row to `kiosk audit verify` (storage.integrity).
            self._audit.append(s, AuditKind.OPERATOR_ADDED, actor,
                               {"username": username, "role": role, "operator_id": row.id})
            return _info(row)

    @staticmethod
    def _find(s: Session, username: str) -> OperatorRow | None:
        # FOR UPDATE: PostgreSQL holds the row until commit; SQLite's BEGIN IMMEDIATE already holds the database.
        return s.execute(select(OperatorRow).where(OperatorRow.username == username).with_for_update()
                         ).scalar_one_or_none()

    def _get(self, s: Session, username: str) -> OperatorRow:
        row = self._find(s, username)
        if row is None:
            raise NotFoundError(f"operator {username!r} not found")
        return row

    def _change(self, s: Session, username: str) -> OperatorRow:
        """The account row to change, refused if it fails its seal (a change must not bless a forgery)."""
        self._keys.refresh()
        return require_intact(self._keys, self._get(s, username))

    def disable(self, username: str, actor: str) -> None:
        """Disable an account (kept for the audit trail; it can no longer log in or review)."""
        with self._db.write() as s:
            row = self._change(s, username)
            row.disabled = True
            self._seal(row)
            self._audit.append(s, AuditKind.OPERATOR_DISABLED, actor, {"username": username})

    def set_password(self, username: str, password: str, actor: str) -> None:
        """Replace the password; also clears a lockout."""
        self._check_password(password)
        hashed = hash_password(password, self._config.scrypt_log2_n)
        with self._db.write() as s:
            row = self._change(s, username)
            row.password_hash = hashed
            row.password_changed_at = self._clock.now()
            row.failed_logins = 0
            row.locked_until = None
            self._seal(row)
            self._audit.append(s, AuditKind.PASSWORD_CHANGED, actor, {"username": username})

    def set_role(self, username: str, role: str, actor: str) -> None:
        """Give an account another role (audited with the previous one)."""
        self._check_role(role)
        with self._db.write() as s:
            row = self._change(s, username)
            previous, row.role = row.role, role
            self._seal(row)
            self._audit.append(s, AuditKind.OPERATOR_ROLE_CHANGED, actor,
                               {"username": username, "role": role, "previous": previous})

    def unlock(self, username: str, actor: str) -> None:
        """End a lockout and reset the failure counter (the password stays); audited."""
        with self._db.write() as s:
            row = self._change(s, username)
            row.failed_logins = 0
            row.locked_until = None
            self._seal(row)
            self._audit.append(s, AuditKind.OPERATOR_UNLOCKED, actor, {"username": username})

    def restore(self, username: str, role: str, password: str, actor: str) -> str | None:
        """Set an account again from scratch (role, new password, enabled, unlocked) and seal it: the way
        back for an account that fails its seal. Audited with the problem it had; returns that problem."""
        self._check_role(role)
        self._check_password(password)
        hashed = hash_password(password, self._config.scrypt_log2_n)
        with self._db.write() as s:
            self._keys.refresh()
            row = self._get(s, username)
            problem = seal_problem(self._keys, row)
            row.role, row.password_hash, row.password_changed_at = role, hashed, self._clock.now()
            row.disabled, row.failed_logins, row.locked_until = False, 0, None
            self._seal(row)
            # operator_id: a row that was never announced (inserted in the database) is announced now, by
            # someone at the kiosk who holds the keys, on the record.
            self._audit.append(s, AuditKind.OPERATOR_RESTORED, actor,
                               {"username": username, "role": role, "operator_id": row.id, "problem": problem})
            return problem

    def list_accounts(self) -> list[OperatorInfo]:
        """Every account, by user name, each with its seal problem if any (for the admin screen; no secrets)."""
        self._keys.refresh()
        with self._db.read() as s:
            return [_info(r, seal_problem(self._keys, r))
                    for r in s.execute(select(OperatorRow).order_by(OperatorRow.username)).scalars()]

    def get(self, username: str) -> OperatorInfo:
        """An account's public facts."""
        self._keys.refresh()
        with self._db.read() as s:
            row = s.execute(select(OperatorRow).where(OperatorRow.username == username)).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"operator {username!r} not found")
            return _info(row, seal_problem(self._keys, row))

    def _admit(self, username: str, where: str, now: datetime) -> tuple[str, int]:
        """First step of a login, one write transaction: refuse a tampered or locked account, otherwise count
        the attempt as a failure until the password proves otherwise (a crash in between leaves it counted)
        and lock the account when this is the last allowed attempt. Returns (stored hash, attempt number)."""
        actor = f"login:{username[:64]}"
        refused: AuthenticationFailed | None = None
        with self._db.write() as s:
            self._keys.refresh()
            row = self._find(s, username)
            if row is None:
                return self._dummy_hash, 0
            problem = seal_problem(self._keys, row)
            if problem is not None:
                self._audit.append(s, AuditKind.LOGIN_FAILED, actor, {"where": where, "known_user": True,
                                                                      "tampered": True})
                refused = tampered_error(username, problem)
            elif row.locked_until is not None and row.locked_until > now:
                self._audit.append(s, AuditKind.LOGIN_LOCKED, actor,
                                   {"where": where, "locked_until": row.locked_until.isoformat()})
                refused = AccountLockedError(row.locked_until,
                                             f"account locked until {row.locked_until:%Y-%m-%d %H:%M} UTC")
            else:
                row.failed_logins += 1
                if row.failed_logins >= self._config.max_failures:  # parallel attempts now wait for the lock
                    row.locked_until = now + timedelta(seconds=self._config.lockout_seconds)
                self._seal(row)
                return row.password_hash, row.failed_logins
        assert refused is not None
        raise refused  # after the commit: the refusal itself is on the record

    def authenticate(self, username: str, password: str, where: str = "review-screen") -> OperatorInfo:
        """Check a login. Raises ``AccountTamperedError`` when the account row fails its seal and
        ``AccountLockedError`` while locked (password not even tried), ``AuthenticationFailed`` otherwise on
        failure. Every attempt is audited."""
        now = self._clock.now()
        stored, attempt = self._admit(username, where, now)
        good = verify_password(password, stored)  # always hashed: same cost for unknown users
        error: AuthenticationFailed | None = None
        with self._db.write() as s:
            self._keys.refresh()
            row = self._find(s, username)
            problem = seal_problem(self._keys, row) if row is not None else None
            if row is not None and problem is not None:  # edited while the password was being checked
                error = tampered_error(username, problem)
                self._audit.append(s, AuditKind.LOGIN_FAILED, f"login:{username[:64]}",
                                   {"where": where, "known_user": True, "tampered": True})
            elif row is not None and good and not row.disabled:
                row.failed_logins = 0
                row.locked_until = None  # also a lock this very attempt set provisionally
                self._seal(row)
                self._audit.append(s, AuditKind.LOGIN_OK, f"operator:{username}", {"where": where, "role": row.role})
                return _info(row)
            else:
                details: dict[str, object] = {"where": where, "known_user": row is not None}
                if row is not None:
                    details["failures"] = attempt
                    if row.disabled:
                        details["disabled"] = True
                    if attempt >= self._config.max_failures and row.locked_until is not None:
                        row.failed_logins = 0  # the lock is the penalty; the count starts again after it
                        self._seal(row)
                        details["locked_until"] = row.locked_until.isoformat()
                        error = AccountLockedError(row.locked_until, f"too many failed logins: locked until "
                                                                     f"{row.locked_until:%Y-%m-%d %H:%M} UTC")
                self._audit.append(s, AuditKind.LOGIN_FAILED, f"login:{username[:64]}", details)
        raise error or AuthenticationFailed("unknown operator or wrong password")
