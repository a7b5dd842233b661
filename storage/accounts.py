"""Operator accounts: roles, scrypt password hashes, lockout after repeated failures, audited logins.

Passwords are hashed with scrypt (RFC 7914; ``hashlib.scrypt``), N = 2**scrypt_log2_n, r = 8,
p = 1, a 16-byte random salt, 32-byte output; stored as ``scrypt$log2n$r$p$salt$hash`` (base64) so
the cost can be raised later and old hashes still verify. Unknown users cost the same hash as known
ones (no user enumeration by timing), and the error never says which part was wrong.
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
from storage.clock import Clock
from storage.config import OperatorLoginConfig
from storage.db import Database
from storage.errors import AccountLockedError, AuthenticationFailed, NotFoundError, StorageInputError
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
    """An operator account without its secret."""

    operator_id: int
    username: str
    role: str
    disabled: bool
    locked_until: datetime | None


def _info(row: OperatorRow) -> OperatorInfo:
    return OperatorInfo(row.id, row.username, row.role, row.disabled, row.locked_until)


class OperatorAccounts:
    """Create, disable, re-password and authenticate operators; every change and login is audited."""

    def __init__(self, db: Database, audit: AuditTrail, config: OperatorLoginConfig, clock: Clock) -> None:
        self._db = db
        self._audit = audit
        self._config = config
        self._clock = clock
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

    def add(self, username: str, role: str, password: str, actor: str) -> OperatorInfo:
        """Create an account; ``role`` is operator, supervisor or admin."""
        if role not in ROLES:
            raise StorageInputError(f"role must be one of {', '.join(ROLES)}")
        if not username or len(username) > 64 or not username.isprintable() or username.strip() != username:
            raise StorageInputError("username must be 1..64 printable characters without surrounding spaces")
        self._check_password(password)
        hashed = hash_password(password, self._config.scrypt_log2_n)
        now = self._clock.now()
        with self._db.write() as s:
            if s.execute(select(OperatorRow.id).where(OperatorRow.username == username)).first() is not None:
                raise StorageInputError(f"operator {username!r} already exists")
            row = OperatorRow(username=username, role=role, password_hash=hashed, disabled=False, failed_logins=0,
                              locked_until=None, created_at=now, password_changed_at=now)
            s.add(row)
            s.flush()
            self._audit.append(s, AuditKind.OPERATOR_ADDED, actor, {"username": username, "role": role})
            return _info(row)

    def _get(self, s: Session, username: str) -> OperatorRow:
        row = s.execute(select(OperatorRow).where(OperatorRow.username == username)).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"operator {username!r} not found")
        return row

    def disable(self, username: str, actor: str) -> None:
        """Disable an account (kept for the audit trail; it can no longer log in or review)."""
        with self._db.write() as s:
            row = self._get(s, username)
            row.disabled = True
            self._audit.append(s, AuditKind.OPERATOR_DISABLED, actor, {"username": username})

    def set_password(self, username: str, password: str, actor: str) -> None:
        """Replace the password; also clears a lockout."""
        self._check_password(password)
        hashed = hash_password(password, self._config.scrypt_log2_n)
        with self._db.write() as s:
            row = self._get(s, username)
            row.password_hash = hashed
            row.password_changed_at = self._clock.now()
            row.failed_logins = 0
            row.locked_until = None
            self._audit.append(s, AuditKind.PASSWORD_CHANGED, actor, {"username": username})

    def unlock(self, username: str, actor: str) -> None:
        """End a lockout and reset the failure counter (the password stays); audited."""
        with self._db.write() as s:
            row = self._get(s, username)
            row.failed_logins = 0
            row.locked_until = None
            self._audit.append(s, AuditKind.OPERATOR_UNLOCKED, actor, {"username": username})

    def list_accounts(self) -> list[OperatorInfo]:
        """Every account, by user name (for the admin screen; no secrets)."""
        with self._db.read() as s:
            return [_info(r) for r in s.execute(select(OperatorRow).order_by(OperatorRow.username)).scalars()]

    def get(self, username: str) -> OperatorInfo:
        """An account's public facts."""
        with self._db.read() as s:
            return _info(self._get(s, username))

    def authenticate(self, username: str, password: str, where: str = "review-screen") -> OperatorInfo:
        """Check a login. Raises ``AccountLockedError`` while locked (password not even tried),
        ``AuthenticationFailed`` otherwise on failure. Every attempt is audited."""
        now = self._clock.now()
        with self._db.read() as s:
            row = s.execute(select(OperatorRow).where(OperatorRow.username == username)).scalar_one_or_none()
            stored = row.password_hash if row is not None else self._dummy_hash
            locked_until = row.locked_until if row is not None else None
        if locked_until is not None and locked_until > now:
            self._audit.record(AuditKind.LOGIN_LOCKED, f"login:{username[:64]}", {"where": where,
                               "locked_until": locked_until.isoformat()})
            raise AccountLockedError(locked_until, f"account locked until {locked_until:%Y-%m-%d %H:%M} UTC")
        good = verify_password(password, stored)  # always hashed: same cost for unknown users
        error: AuthenticationFailed | None = None
        with self._db.write() as s:
            row = s.execute(select(OperatorRow).where(OperatorRow.username == username)).scalar_one_or_none()
            if row is not None and good and not row.disabled:
                row.failed_logins = 0
                row.locked_until = None
                self._audit.append(s, AuditKind.LOGIN_OK, f"operator:{username}", {"where": where, "role": row.role})
                return _info(row)
            details: dict[str, object] = {"where": where, "known_user": row is not None}
            if row is not None:
                row.failed_logins += 1
                details["failures"] = row.failed_logins
                if row.disabled:
                    details["disabled"] = True
                if row.failed_logins >= self._config.max_failures:
                    row.locked_until = now + timedelta(seconds=self._config.lockout_seconds)
                    row.failed_logins = 0
                    details["locked_until"] = row.locked_until.isoformat()
                    error = AccountLockedError(row.locked_until,
                                               f"too many failed logins: locked until {row.locked_until:%Y-%m-%d %H:%M} UTC")
            self._audit.append(s, AuditKind.LOGIN_FAILED, f"login:{username[:64]}", details)
        raise error or AuthenticationFailed("unknown operator or wrong password")
