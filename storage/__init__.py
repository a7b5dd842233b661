"""Decision log, encrypted evidence and tamper-evident audit trail (SQLite by default, PostgreSQL too).

Entry point: :func:`open_storage` (``storage.store``). What is stored, how it is protected and when
it is deleted: ``storage/README_SECTION.md``.
"""
from storage.attempts import AttemptStatus
from storage.audit import AuditKind, AuditVerification
from storage.clock import Clock, FixedClock, SystemClock
from storage.config import StorageConfig, load_storage_config
from storage.duplicates import DuplicateMatch
from storage.errors import StorageError
from storage.records import (
    DecisionInput,
    IdentityFields,
    ImageEvidence,
    RecordedSession,
    SessionDetail,
    SessionRecord,
    SessionSummary,
    TemplateEvidence,
)
from storage.store import Storage, open_storage

__all__ = [
    "AttemptStatus", "AuditKind", "AuditVerification", "Clock", "DecisionInput", "DuplicateMatch", "FixedClock",
    "IdentityFields", "ImageEvidence", "RecordedSession", "SessionDetail", "SessionRecord", "SessionSummary",
    "Storage", "StorageConfig", "StorageError", "SystemClock", "TemplateEvidence", "load_storage_config",
    "open_storage",
]
