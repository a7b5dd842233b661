"""Typed errors of the storage package (decision log, encrypted evidence, audit trail).

Every public function of ``storage`` raises a subclass of ``StorageError`` and nothing else for
foreseeable failures. Messages are written for a person and never contain personal data (names,
document numbers, images): they name rows by id and files by path only.
"""
from __future__ import annotations


class StorageError(Exception):
    """Base of every storage error."""


class StorageConfigError(StorageError):
    """The storage configuration is invalid or unsafe (bad URL, unsafe ``synchronous`` mode...)."""


class StorageInputError(StorageError):
    """A caller handed the repository something it must not store (bad outcome, personal data in clear...)."""


class ReviewNotAllowedError(StorageInputError):
    """A review or reopen the four-eyes or role rules forbid (``storage.review_rules``); the message says who may."""


class KeyStoreError(StorageError):
    """The key file or keyring backend is missing, unreadable, malformed or too widely readable."""


class KeysMissingError(KeyStoreError):
    """The store holds data but its keys are gone: new keys would orphan everything; restore the key file."""


class StoreBusyError(StorageError):
    """Another process held the database write lock longer than the busy timeout; nothing was written.

    The caller may simply try again (the operation was rolled back as a whole).
    """


class IntegrityError(StorageError):
    """A stored row fails its binding to the audit chain (edited, inserted or deleted outside storage).

    ``table``, ``row_id`` and ``field`` name the first bad row (``field`` is ``None`` when the whole row
    is missing or unbound).
    """

    def __init__(self, table: str | None, row_id: str | None, field: str | None, message: str) -> None:
        self.table = table
        self.row_id = row_id
        self.field = field
        super().__init__(message)


class DecryptionError(StorageError):
    """A ciphertext failed authentication: wrong key, tampered bytes, or moved to another row/purpose."""


class BlobError(StorageError):
    """An encrypted blob file is missing, truncated or not in the blob format."""


class NotFoundError(StorageError):
    """The requested row (session, image, operator) does not exist (or was purged)."""


class AuditChainError(StorageError):
    """The audit trail is broken; ``seq`` is the first bad row (``None`` when the head record is wrong)."""

    def __init__(self, seq: int | None, message: str) -> None:
        self.seq = seq
        super().__init__(message)


class AuthenticationFailed(StorageError):
    """Unknown operator, wrong password or disabled account (deliberately not told apart)."""


class AccountTamperedError(AuthenticationFailed):
    """The operator's account row fails its seal (role, password hash, lock or enabled state edited outside
    storage): the login is refused before the password is tried."""


class AccountLockedError(AuthenticationFailed):
    """Too many failed logins: the account is locked until ``locked_until`` (UTC)."""

    def __init__(self, locked_until: object, message: str) -> None:
        self.locked_until = locked_until
        super().__init__(message)


class ExportError(StorageError):
    """An export file cannot be written, or a signed export line does not verify."""
