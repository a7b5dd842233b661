"""Stores written before row seals (schema 0001, decision events without row ids) are bound once at the
first open after the upgrade, with a ``rows_bound`` audit event; only rows the chain vouches for are
bound, and a hand-set ``pending`` state never binds again."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from storage import StorageConfig, open_storage

from storage_helpers import downgrade_store, events_before_head_auth, write_legacy_chain  # noqa: E402


def make_legacy_store(data: Path, config: StorageConfig, clock, make_record) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """Sessions written by today's code, then turned into what schema 0001 code left behind: seal
    columns dropped, and the chain re-written with the old decision-event details (no row ids)."""
    st = open_storage(data, config, clock=clock)
    st.operators.add("olga", "supervisor", "correct horse battery", actor="cli:test")
    a = st.decisions.record_session(make_record("reject", template=[0.1] * 128))
    b = st.decisions.record_session(make_record("review", doc="C02X00T47", seed=4))
    st.decisions.record_review(b.session_id, "olga", "reject")
    c = st.decisions.record_session(make_record("review", doc="C03X00T47", seed=8))
    events = events_before_head_auth(st)
    st.close()
    downgrade_store(data, config, "0001")
    write_legacy_chain(data, [(kind, actor, sid, {k: v for k, v in details.items()
                                                  if k not in ("image_ids", "template_ids")}, at)
                              for kind, actor, sid, details, at in events])
    (data / "audit_head.json").unlink()  # old stores had no anchor
    return a.session_id, b.session_id, c.session_id


def test_legacy_rows_are_bound_once_with_an_audit_event(tmp_path, test_config, clock, make_record) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    a, b, c = make_legacy_store(data, test_config, clock, make_record)
    st = open_storage(data, test_config, clock=clock)
    try:
        result = st.verify()
        assert result.ok and result.rows == 15, result  # 3 sessions, 3 decisions, 1 review, 6 images, 1 template, 1 operator
        bound = [e for e in st.audit.events() if e.kind == "rows_bound"]
        assert len(bound) == 1 and bound[0].details["refused"] == 0
        assert set(bound[0].details["bound"]["sessions"]) == {a, b, c}
        assert (data / "audit_head.json").exists()
        assert st.decisions.load_session(b, actor="operator:olga").reviews[0].verdict == "reject"
    finally:
        st.close()
    # Someone sets the state back by hand and strips a seal: nothing is bound a second time.
    con = sqlite3.connect(data / "kiosk.db")
    con.execute("UPDATE storage_state SET value = 'pending' WHERE key = 'row_binding'")
    con.execute("UPDATE sessions SET seal = NULL, checks = '{\"match\": 0.99}' WHERE id = ?", (a,))
    con.commit()
    con.close()
    st = open_storage(data, test_config, clock=clock)
    try:
        result = st.verify()
        assert not result.ok and (result.table, result.row_id) == ("sessions", a), result
        assert [e.kind for e in st.audit.events()].count("rows_bound") == 1
    finally:
        st.close()


def test_legacy_rows_the_chain_contradicts_stay_unbound(tmp_path, test_config, clock, make_record) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    _a, _b, c = make_legacy_store(data, test_config, clock, make_record)
    con = sqlite3.connect(data / "kiosk.db")  # forged before the upgrade: the event still says "review"
    con.execute("UPDATE decisions SET outcome = 'accept', review_state = 'none', final_outcome = 'accept' "
                "WHERE session_id = ?", (c,))
    con.commit()
    con.close()
    st = open_storage(data, test_config, clock=clock)
    try:
        result = st.verify()
        assert not result.ok and result.table == "sessions" and result.row_id == c, result
        assert "has no seal" in str(result.problem)
        bound = [e for e in st.audit.events() if e.kind == "rows_bound"][0]
        assert bound.details["refused"] == 3  # the session (with its decision) and its two images
        assert c not in json.dumps(bound.details["bound"])
    finally:
        st.close()
