"""Integration-API keys: created with scopes, shown once, stored as SHA-256 only, revocable.

A key is ``idk_`` + 43 URL-safe characters (32 random bytes from ``secrets``). Only its SHA-256 is kept:
with 256 bits of entropy a plain hash is as good as a slow one (nothing to guess), and it lets a request
find its row with one indexed lookup. Rows are sealed (``storage.binding``) and announced by an
``api_key_created`` event, so a key row inserted or edited behind storage's back (say, to add a scope or
undo a revocation) fails its seal: :meth:`ApiKeys.authenticate` refuses it and ``kiosk audit verify``
names it.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from storage.audit import AuditKind, AuditTrail
from storage.binding import check_seal, seal
from storage.clock import Clock
from storage.crypto import KeyContext
from storage.db import Database
from storage.errors import NotFoundError, StorageError, StorageInputError
from storage.tables import ApiKeyRow, new_id

KEY_PREFIX = "idk_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
_SCOPE = re.compile(r"^[a-z][a-z_]{0,31}$")


class ApiKeyError(StorageError):
    """An API key was refused; ``code`` is ``invalid_api_key``, ``key_revoked`` or ``key_integrity``."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class ApiKeyInfo:
    """A key as listed (never the key itself)."""

    key_id: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None


def hash_key(key: str) -> str:
    """SHA-256 hex of the key text (what is stored and looked up)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _info(row: ApiKeyRow) -> ApiKeyInfo:
    return ApiKeyInfo(row.id, row.name, tuple(row.scopes), row.created_at, row.revoked_at)


class ApiKeys:
    """Repository of API keys (create, authenticate, revoke, list), each change audited."""

    def __init__(self, db: Database, keys: KeyContext, audit: AuditTrail, clock: Clock) -> None:
        self._db = db
        self._keys = keys
        self._audit = audit
        self._clock = clock

    def create(self, name: str, scopes: tuple[str, ...], actor: str) -> tuple[ApiKeyInfo, str]:
        """A new key with ``scopes``; returns its info and the key text (the only time it exists in clear)."""
        if not _NAME.match(name or ""):
            raise StorageInputError("an API key name is 1-64 letters, digits, spaces, '.', '_' or '-'")
        if not scopes or not all(_SCOPE.match(s) for s in scopes):
            raise StorageInputError("an API key needs at least one scope (lower-case words)")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = ApiKeyRow(id=new_id(), name=name, key_hash=hash_key(key), scopes=sorted(set(scopes)),
                        created_at=self._clock.now(), revoked_at=None)
        self._keys.refresh()
        with self._db.write() as s:
            self._audit.lock_chain(s)
            self._keys.refresh()
            seal(self._keys.keys, row)
            s.add(row)
            self._audit.append(s, AuditKind.API_KEY_CREATED, actor,
                               {"key_id": row.id, "name": name, "scopes": list(row.scopes)})
            info = _info(row)
        return info, key

    def authenticate(self, key: str) -> ApiKeyInfo:
        """The key's info; ``ApiKeyError`` when unknown, revoked, or its row fails its seal (fail closed)."""
        if not key.startswith(KEY_PREFIX) or len(key) > 128:
            raise ApiKeyError("invalid_api_key", "the API key is not valid")
        self._keys.refresh()
        with self._db.read() as s:
            row = s.execute(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_key(key))).scalar_one_or_none()
            if row is None:
                raise ApiKeyError("invalid_api_key", "the API key is not valid")
            if check_seal(self._keys.keys, row) is not None:
                raise ApiKeyError("key_integrity", f"API key {row.id} fails its seal (edited outside storage); "
                                  "run 'kiosk audit verify'")
            info = _info(row)
        if info.revoked_at is not None:
            raise ApiKeyError("key_revoked", f"API key {info.key_id} was revoked")
        return info

    def revoke(self, key_id: str, actor: str) -> ApiKeyInfo:
        """Revoke a key by id (idempotent: an already revoked key stays revoked, one event each time)."""
        self._keys.refresh()
        with self._db.write() as s:
            self._audit.lock_chain(s)
            self._keys.refresh()
            row = s.get(ApiKeyRow, key_id)
            if row is None:
                raise NotFoundError(f"API key {key_id} not found")
            if check_seal(self._keys.keys, row) is not None:
                raise ApiKeyError("key_integrity", f"API key {key_id} fails its seal; run 'kiosk audit verify'")
            if row.revoked_at is None:
                row.revoked_at = self._clock.now()
                seal(self._keys.keys, row)
            self._audit.append(s, AuditKind.API_KEY_REVOKED, actor, {"key_id": key_id})
            return _info(row)

    def list(self) -> list[ApiKeyInfo]:
        """Every key, oldest first."""
        with self._db.read() as s:
            return [_info(r) for r in s.execute(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id)).scalars()]
