"""The audit head cannot be moved back without the audit key: the newest events and their rows deleted, and
the head table and head file rewritten to an earlier event from what is on disk alone, is named by
``kiosk audit verify`` (probe 1 of issue 20); stripping the head's MAC is not re-authenticated at the next
open; a store from before authenticated heads is authenticated once, when first opened."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from kiosk.cli import main
from storage import open_storage

from storage_helpers import downgrade_store, events_before_head_auth, write_legacy_chain  # noqa: E402


def _verify(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify", "--data-dir", str(data_dir)])
    out = capsys.readouterr()
    return code, out.out + out.err


def _roll_back_two(data_dir: Path, strip_head_mac: bool) -> None:
    """Delete the newest two events (two decisions) and their sessions' rows, then point the head table and
    the head file at the event before, using only what the database and the head file hold."""
    con = sqlite3.connect(data_dir / "kiosk.db")
    con.execute("PRAGMA foreign_keys = ON")
    with con:
        top = con.execute("SELECT seq FROM audit_head").fetchone()[0]
        sessions = [r[0] for r in con.execute("SELECT session_id FROM audit_events WHERE seq > ?", (top - 2,))]
        assert len(sessions) == 2 and all(sessions)
        for sid in sessions:
            for table in ("images", "templates", "attempts", "export_outbox", "decisions"):
                con.execute(f"DELETE FROM {table} WHERE session_id = ?", (sid,))
            con.execute("DELETE FROM sessions WHERE id = ?", (sid,))
        con.execute("DELETE FROM audit_events WHERE seq > ?", (top - 2,))
        mac = con.execute("SELECT mac FROM audit_events WHERE seq = ?", (top - 2,)).fetchone()[0]
        con.execute("UPDATE audit_head SET seq = ?, mac = ?", (top - 2, mac))
        columns = [r[1] for r in con.execute("PRAGMA table_info(audit_head)")]
        if strip_head_mac and "head_mac" in columns:
            con.execute("UPDATE audit_head SET head_mac = NULL, key_id = NULL")
    con.close()
    head_file = data_dir / "audit_head.json"
    doc = json.loads(head_file.read_text())
    doc.update(seq=top - 2, mac=mac)
    if strip_head_mac:
        doc = {"format": "idkiosk-audit-head/1", "seq": top - 2, "mac": mac}
    head_file.write_text(json.dumps(doc))


@pytest.mark.parametrize("strip_head_mac", [False, True], ids=["stale-head-mac", "head-mac-stripped"])
def test_head_moved_back_from_disk_alone_is_named(store, make_record, capsys, strip_head_mac) -> None:  # type: ignore[no-untyped-def]
    for i in range(4):
        store.decisions.record_session(make_record("reject", doc=f"D{i}XX", seed=i))
    store.close()
    _roll_back_two(store.data_dir, strip_head_mac)
    code, out = _verify(store.data_dir, capsys)
    assert code == 1, out
    assert "first bad row: head record" in out and ("does not authenticate" in out or "no head MAC" in out), out
    # A second open does not bless the rewound head either.
    code, out = _verify(store.data_dir, capsys)
    assert code == 1 and "head record" in out, out


def test_head_file_rewritten_to_an_earlier_event_is_named(store, make_record, capsys) -> None:  # type: ignore[no-untyped-def]
    """The database is left alone; only the head file is rewound (to an earlier event's MAC, which is on disk)."""
    for i in range(3):
        store.decisions.record_session(make_record("accept", doc=f"D{i}XX", seed=i))
    store.close()
    con = sqlite3.connect(store.data_dir / "kiosk.db")
    mac = con.execute("SELECT mac FROM audit_events WHERE seq = 2").fetchone()[0]
    con.close()
    head_file = store.data_dir / "audit_head.json"
    doc = json.loads(head_file.read_text())
    doc.update(seq=2, mac=mac)
    head_file.write_text(json.dumps(doc))
    code, out = _verify(store.data_dir, capsys)
    assert code == 1 and "audit_head.json" in out and "does not authenticate" in out, out


def test_store_from_before_authenticated_heads_opens_and_verifies_once(tmp_path, test_config, clock,  # type: ignore[no-untyped-def]
                                                                      make_record, capsys) -> None:
    """A store as today's code left it (schema 0005, head without MAC, a format-1 head file, no
    ``head_authenticated`` event): the first open authenticates the head, once, and verify passes."""
    data = tmp_path / "data"
    st = open_storage(data, test_config, clock=clock)
    st.decisions.record_session(make_record("accept"))
    st.decisions.record_session(make_record("reject", doc="C02X00T47", seed=3))
    events = events_before_head_auth(st)
    st.close()
    downgrade_store(data, test_config, "0005")
    write_legacy_chain(data, events)
    con = sqlite3.connect(data / "kiosk.db")
    seq, mac = con.execute("SELECT seq, mac FROM audit_head").fetchone()
    con.close()
    (data / "audit_head.json").write_text(json.dumps({"format": "idkiosk-audit-head/1", "seq": seq, "mac": mac}))

    code, out = _verify(data, capsys)
    assert code == 0 and f"intact: {seq + 1} events" in out, out
    doc = json.loads((data / "audit_head.json").read_text())
    assert doc["format"] == "idkiosk-audit-head/2" and doc["seq"] == seq + 1 and len(doc["head_mac"]) == 64
    st = open_storage(data, test_config, clock=clock)
    try:
        assert [e.kind for e in st.audit.events()].count("head_authenticated") == 1
        assert st.verify().ok
    finally:
        st.close()


def test_review_load_refuses_a_store_whose_head_does_not_authenticate(store, make_record) -> None:  # type: ignore[no-untyped-def]
    from storage.errors import IntegrityError

    r = store.decisions.record_session(make_record("review"))
    with store.db.write() as s:
        from sqlalchemy import text

        s.execute(text("UPDATE audit_head SET head_mac = :m"), {"m": "0" * 64})
    with pytest.raises(IntegrityError, match="audit head record .* does not authenticate"):
        store.decisions.load_session(r.session_id, "operator:olga")
