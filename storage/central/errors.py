"""Typed errors of the central (fleet) store; all are ``StorageError`` subclasses, so the CLI shows them."""
from __future__ import annotations

from storage.errors import StorageError


class CentralError(StorageError):
    """Base of every central-store error."""


class CentralConfigError(CentralError):
    """The central URL is not a PostgreSQL SQLAlchemy URL, or the central schema was never created."""


class CentralUnavailableError(CentralError):
    """The central server could not be reached or dropped the connection; nothing of the batch in flight
    was acknowledged, so the next sync resumes where the last acknowledged batch ended."""


class KioskNotRegisteredError(CentralError):
    """The kiosk, or its head-signing key, is not registered at the central store."""


class CentralConflictError(CentralError):
    """The central store already holds a row under the same (kiosk id, local id) with other content:
    two stores sync under one kiosk id, or a store was restored from an older copy and forked its chain."""


class CentralBehindError(CentralError):
    """The central store lacks events the kiosk saw acknowledged (the central database was restored
    from an older backup, or rows were deleted there)."""
