"""Decision log, encrypted evidence and tamper-evident audit trail (SQLite by default, PostgreSQL too).

Entry point: :func:`open_storage` (``storage.store``). What is stored, how it is protected and when
it is deleted: the README section "Storage". Typical use by the kiosk::

    st = open_storage(data_dir, config)            # creates folder, keys, schema on first use
    st.startup(config_hash)                        # retention purge + config_change audit, once
    status = st.attempts.for_document(state, number)   # AttemptStatus(failures_in_window, locked_until)
    dup = st.duplicates.search_document(state, number, live_template)   # DuplicateMatch | None
    done = st.decisions.record_session(SessionRecord(...))  # durable when it returns
    st.decisions.pending_reviews(); st.decisions.load_session(sid, actor="operator:olga")
"""
from storage._fs import atomic_write
from storage.attempts import AttemptStatus
from storage.audit import AuditKind, AuditVerification
from storage.clock import Clock, FixedClock, SystemClock
from storage.config import StorageConfig, load_storage_config
from storage.duplicates import DuplicateMatch
from storage.errors import StorageError
from storage.records import (
    BankMembership,
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
    "AttemptStatus", "AuditKind", "BankMembership", "atomic_write", "AuditVerification", "Clock", "DecisionInput", "DuplicateMatch", "FixedClock",
    "IdentityFields", "ImageEvidence", "RecordedSession", "SessionDetail", "SessionRecord", "SessionSummary",
    "Storage", "StorageConfig", "StorageError", "SystemClock", "TemplateEvidence", "load_storage_config",
    "open_storage",
]
