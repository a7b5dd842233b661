"""The audit chain: ``kiosk audit verify`` (run in-process) passes when intact and names the first
bad row when events are edited, deleted, renumbered, reordered or cut off with raw SQL; appends from
two processes at once keep one unbroken chain."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from storage import open_storage
from storage.audit import GENESIS_MAC, canonical_details, event_mac


@pytest.fixture
def trail(store, make_record):  # type: ignore[no-untyped-def]
    """A store with 7 audit events of several kinds (seq 1 is the store's ``head_authenticated``), closed so
    raw SQL can edit the file."""
    store.operators.add("olga", "operator", "correct horse battery", "cli:root")
    for i in range(3):
        store.decisions.record_session(make_record("review" if i else "accept", doc=f"D{i}XX"))
    store.retention.purge("cli:root")
    store.note_config("cfg-2", "system")
    assert store.audit.verify().events == 7
    store.close()
    return store.data_dir


def sql(data_dir: Path, *statements: str) -> None:
    con = sqlite3.connect(data_dir / "kiosk.db")
    with con:
        for st in statements:
            con.execute(st)
    con.close()


def verify(data_dir: Path, capsys) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code = main(["audit", "verify", "--data-dir", str(data_dir)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_intact_chain_exits_zero(trail, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out = verify(trail, capsys)
    assert code == 0 and "intact: 7 events" in out


@pytest.mark.parametrize("statements, bad_seq", [
    (["UPDATE audit_events SET details = '{\"outcome\":\"accept\"}' WHERE seq = 4"], 4),
    (["UPDATE audit_events SET actor = 'cli:mallory' WHERE seq = 2"], 2),
    (["UPDATE audit_events SET at = '2020-01-01 00:00:00.000000' WHERE seq = 6"], 6),
    (["DELETE FROM audit_events WHERE seq = 5"], 5),
    # delete event 3 and renumber the rest to close the gap
    (["DELETE FROM audit_events WHERE seq = 3", "UPDATE audit_events SET seq = seq - 1 WHERE seq > 3",
      "UPDATE audit_head SET seq = 6"], 3),
    # swap events 3 and 5 (reorder)
    (["UPDATE audit_events SET seq = 100 WHERE seq = 3", "UPDATE audit_events SET seq = 3 WHERE seq = 5",
      "UPDATE audit_events SET seq = 5 WHERE seq = 100"], 3),
    # cut off the last event (and leave the head alone)
    (["DELETE FROM audit_events WHERE seq = 7"], 7),
    # cut off the last event and rewind the head to the new last row
    (["DELETE FROM audit_events WHERE seq = 7",
      "UPDATE audit_head SET seq = 6, mac = (SELECT mac FROM audit_events WHERE seq = 6)"], None),
])
def test_tampering_is_caught(trail, capsys, statements, bad_seq) -> None:  # type: ignore[no-untyped-def]
    sql(trail, *statements)
    code, out = verify(trail, capsys)
    if bad_seq is None:
        # Truncation with a rewound head leaves a valid chain, but the head record's own MAC (under the
        # audit key) was made for counter 7: the rewound head does not authenticate.
        assert code == 1
        assert "first bad row: head record" in out and "does not authenticate" in out, out
        return
    assert code == 1
    assert f"first bad row: seq {bad_seq}" in out, out


def test_forged_event_without_key_is_caught(trail, capsys) -> None:  # type: ignore[no-untyped-def]
    con = sqlite3.connect(trail / "kiosk.db")
    prev = con.execute("SELECT mac FROM audit_events WHERE seq = 7").fetchone()[0]
    con.close()
    from datetime import datetime, timezone

    at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    text = canonical_details({"outcome": "accept"})
    fake = event_mac(b"\x00" * 32, prev, 8, at, "decision", "kiosk:x", None, text, "a-00000000")
    sql(trail, f"INSERT INTO audit_events VALUES (8, '2026-03-01 00:00:00.000000', 'decision', 'kiosk:x', NULL, "
               f"'{text}', 'a-00000000', '{fake}')", f"UPDATE audit_head SET seq = 8, mac = '{fake}'")
    code, out = verify(trail, capsys)
    assert code == 1 and "seq 8" in out and "unknown audit key" in out


def test_event_mac_is_hmac_over_previous_and_event() -> None:
    import hashlib
    import hmac
    from datetime import datetime, timezone

    at = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    mac = event_mac(b"k" * 32, GENESIS_MAC, 1, at, "purge", "system", None, "{}", "a-1")
    body = b'[1,"2026-01-02T03:04:05.000006+00:00","purge","system",null,"{}","a-1"]'
    assert mac == hmac.new(b"k" * 32, GENESIS_MAC.encode() + b"\n" + body, hashlib.sha256).hexdigest()


APPENDER = """
import sys
from pathlib import Path
from storage import open_storage
st = open_storage(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    st.audit.record("test_event", "proc:" + sys.argv[3], {"i": i})
st.close()
"""


def test_two_processes_appending_keep_one_chain(tmp_path: Path) -> None:
    open_storage(tmp_path).close()  # create keys and schema first
    n = 150
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(tmp_path), str(n), name])
             for name in ("a", "b")]
    for p in procs:
        assert p.wait(timeout=120) == 0
    st = open_storage(tmp_path)
    try:
        result = st.audit.verify()
        assert result.ok, result.problem
        assert result.events == 2 * n + 1  # and the store's head_authenticated event
        actors = [e.actor for e in st.audit.events(limit=10 * n)]
        assert actors.count("proc:a") == n and actors.count("proc:b") == n
    finally:
        st.close()
