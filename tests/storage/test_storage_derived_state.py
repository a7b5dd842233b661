"""The tables beside the chain decide nothing any more (probe 4 of issue 20): emptying or presetting
``attempts``, ``export_outbox`` or ``storage_state`` with raw SQL changes no attempt limit, no
``--only-new`` export and no ``config_change`` event, because each is derived from the audit chain
(and the sealed rows it announces); tampering with what they are derived from fails closed."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from storage.errors import IntegrityError
from storage.export import read_signed_export

DOC = ("D", "C01X00T47")


def _sql(store, *statements: str, **params: object) -> None:  # type: ignore[no-untyped-def]
    with store.db.write() as s:
        for st in statements:
            s.execute(text(st), params)


def _fail(store, make_record, n: int, doc: str = DOC[1]) -> list[str]:  # type: ignore[no-untyped-def]
    return [store.decisions.record_session(make_record("reject", doc=doc, with_images=False)).session_id
            for _ in range(n)]


def test_emptying_attempts_does_not_unlock_a_document(store, make_record) -> None:  # type: ignore[no-untyped-def]
    _fail(store, make_record, 5)
    assert store.attempts.for_document(*DOC).locked
    _sql(store, "DELETE FROM attempts")
    status = store.attempts.for_document(*DOC)
    assert status.locked and status.failures_in_window == 5
    assert store.attempts.for_kiosk("kiosk-7").failures_in_window == 5


def test_presetting_attempts_does_not_lock_an_innocent_document(store, make_record) -> None:  # type: ignore[no-untyped-def]
    innocent = store.keys.document_key("D", "INNOCENT1")
    now = store.clock.now().replace(tzinfo=None).isoformat(sep=" ")
    for _ in range(6):
        _sql(store, "INSERT INTO attempts (subject, subject_key, at, failed) VALUES ('document', :k, :at, 1)",
             k=innocent, at=now)
    assert not store.attempts.for_document("D", "INNOCENT1").locked
    assert store.attempts.for_document("D", "INNOCENT1").failures_in_window == 0


def test_a_sessions_statuses_from_one_walk_equal_each_alone(store, make_record) -> None:  # type: ignore[no-untyped-def]
    _fail(store, make_record, 5)
    _fail(store, make_record, 2, doc="C02X00T47")
    kiosk, document = store.attempts.for_session("kiosk-7", *DOC)
    assert kiosk == store.attempts.for_kiosk("kiosk-7") and kiosk.failures_in_window == 7 and not kiosk.locked
    assert document == store.attempts.for_document(*DOC) and document.locked
    assert store.attempts.for_session("kiosk-7", None, None) == [kiosk]  # no chip read: the kiosk's only


@pytest.mark.parametrize("tamper", ["session rows deleted", "failed flag edited", "document key edited"])
def test_tampering_with_what_attempts_derive_from_fails_closed(store, make_record, tamper) -> None:  # type: ignore[no-untyped-def]
    ids = _fail(store, make_record, 5)
    if tamper == "session rows deleted":
        _sql(store, "PRAGMA foreign_keys = ON")
        for sid in ids:
            _sql(store, "DELETE FROM decisions WHERE session_id = :s", "DELETE FROM sessions WHERE id = :s", s=sid)
    elif tamper == "failed flag edited":
        _sql(store, "UPDATE audit_events SET details = replace(details, :a, :b) WHERE kind = 'decision'",
             a='"failed":true', b='"failed":false')
    else:
        _sql(store, "UPDATE sessions SET document_key = 'x'")
    with pytest.raises(IntegrityError, match="attempt limits cannot be counted.*kiosk audit verify"):
        store.attempts.for_document(*DOC)


def _exported(path) -> list[str]:  # type: ignore[no-untyped-def]
    return [r["session_id"] for r in read_signed_export(path)]


def test_emptying_the_outbox_does_not_export_again(store, make_record, tmp_path) -> None:  # type: ignore[no-untyped-def]
    since = datetime(2020, 1, 1, tzinfo=timezone.utc)
    store.decisions.record_session(make_record("accept"))
    first = store.exporter.export(since, tmp_path / "a.jsonl", "cli:test", only_new=True)
    assert first.count == 1
    _sql(store, "DELETE FROM export_outbox")
    again = store.exporter.export(since, tmp_path / "b.jsonl", "cli:test", only_new=True)
    assert again.count == 0 and _exported(tmp_path / "b.jsonl") == []


def test_presetting_the_outbox_does_not_hold_a_session_back(store, make_record, tmp_path) -> None:  # type: ignore[no-untyped-def]
    since = datetime(2020, 1, 1, tzinfo=timezone.utc)
    store.decisions.record_session(make_record("accept"))
    store.exporter.export(since, tmp_path / "a.jsonl", "cli:test", only_new=True)
    hidden = store.decisions.record_session(make_record("reject", doc="C02X00T47")).session_id
    now = store.clock.now().replace(tzinfo=None).isoformat(sep=" ")
    _sql(store, "INSERT INTO export_outbox (session_id, batch_id, exported_at) VALUES (:s, :b, :at)",
         s=hidden, b="f" * 32, at=now)
    report = store.exporter.export(since, tmp_path / "b.jsonl", "cli:test", only_new=True)
    assert _exported(tmp_path / "b.jsonl") == [hidden] and report.count == 1


def test_presetting_the_state_table_does_not_hide_a_configuration_change(store) -> None:  # type: ignore[no-untyped-def]
    assert store.note_config("cfg-A", "system")
    _sql(store, "UPDATE storage_state SET value = 'cfg-B' WHERE key = 'config_hash'",
         "INSERT OR REPLACE INTO storage_state (key, value) VALUES ('config_hash', 'cfg-B')")
    assert store.note_config("cfg-B", "system")  # still recorded
    change = [e for e in store.audit.events() if e.kind == "config_change"][-1]
    assert change.details == {"previous": "cfg-A", "current": "cfg-B"}
    assert store.last_config_hash() == "cfg-B"


def test_emptying_the_state_table_forgets_nothing(store) -> None:  # type: ignore[no-untyped-def]
    store.note_config("cfg-A", "system")
    _sql(store, "DELETE FROM storage_state")
    assert store.last_config_hash() == "cfg-A"
    assert not store.note_config("cfg-A", "system")  # no spurious change with previous = None
    assert [e.kind for e in store.audit.events()].count("config_change") == 1
