"""The same storage code on a real PostgreSQL server, started on 127.0.0.1 by the ``pg_url`` fixture
(``tests/storage/conftest.py``, server in ``tests/storage/pg_server.py``); skips when PostgreSQL is absent.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
from sqlalchemy import text

from storage import StorageConfig, open_storage


def test_storage_on_postgresql(pg_db, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    cfg = StorageConfig.model_validate({"database_url": pg_db, "operators": {"scrypt_log2_n": 14}})
    st = open_storage(tmp_path, cfg, clock=clock)
    try:
        assert st.db.backend == "postgresql"
        assert not (tmp_path / "kiosk.db").exists()
        st.operators.add("olga", "operator", "correct horse battery", "t")
        recs = [st.decisions.record_session(make_record("review" if i % 2 else "reject", doc=f"PG{i}XX",
                                                        template=np.full(16, i + 1.0) + np.arange(16)))
                for i in range(6)]
        assert len(st.decisions.pending_reviews()) == 3
        st.decisions.record_review(recs[1].session_id, "olga", "accept", note="ok")
        detail = st.decisions.load_session(recs[1].session_id, "operator:olga")
        assert detail.identity is not None and detail.reviews[0].note == "ok"
        assert st.decisions.load_image(recs[1].image_ids[0], "operator:olga")[1] == make_record(seed=0).images[0].data
        assert st.attempts.for_document("D", "PG0XX").failures_in_window == 1
        assert st.duplicates.search(np.full(16, 3.0) + np.arange(16), None).session_id == recs[2].session_id
        clock.advance(days=31)
        assert st.retention.purge("t").images == 12
        st.rotation.rotate("t")
        assert st.decisions.load_session(recs[1].session_id, "t").identity == detail.identity
        out = tmp_path / "e.jsonl"
        assert st.exporter.export(clock.now().replace(year=2020), out, "t").count == 6
        assert st.audit.verify().ok
        full = st.verify()  # row seals both ways, purge and rotation included, on PostgreSQL too
        assert full.ok and full.rows == 6 + 6 + 1 + 1, full  # sessions, decisions, review, operator (images purged)
        with st.db.engine.begin() as conn:
            conn.execute(text("UPDATE decisions SET outcome = 'accept', reasons = '[]' WHERE session_id = :s"),
                         {"s": recs[1].session_id})
        bad = st.verify()
        assert not bad.ok and (bad.table, bad.field) == ("decisions", "outcome"), bad
    finally:
        st.close()


def test_concurrent_appends_and_tamper_detection_on_postgresql(pg_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = StorageConfig(database_url=pg_db)
    stores = [open_storage(tmp_path, cfg) for _ in range(2)]  # two engines = two connection pools
    try:
        before = stores[0].audit.verify().events
        errors: list[BaseException] = []

        def work(st, name: str) -> None:  # type: ignore[no-untyped-def]
            try:
                for i in range(60):
                    st.audit.record("test_event", name, {"i": i})
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(s, f"t{k}")) for k, s in enumerate(stores)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        result = stores[0].audit.verify()
        assert result.ok and result.events == before + 120
        with stores[0].db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = :s"), {"s": before + 7})
        bad = stores[1].audit.verify()
        assert not bad.ok and bad.first_bad_seq == before + 7
    finally:
        for st in stores:
            st.close()


def test_postgresql_without_synchronous_commit_is_refused(pg_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    from storage.errors import StorageConfigError

    name = pg_db.rsplit("/", 1)[1]
    server = pg_db.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
    with pytest.raises(StorageConfigError, match="synchronous_commit"):
        open_storage(tmp_path, StorageConfig(database_url=pg_db))


def test_locked_postgresql_store_fails_typed_and_nothing_is_written(pg_db, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    """Issue #13 item 5c on PostgreSQL: a writer holding the chain lock makes record_session wait the
    bounded lock_timeout per try, then fail with StoreBusyError; nothing is stored; a retry works."""
    import psycopg

    from storage.errors import StoreBusyError

    cfg = StorageConfig.model_validate({"database_url": pg_db, "busy_timeout_ms": 200, "busy_retries": 1})
    st = open_storage(tmp_path, cfg, clock=clock)
    try:
        other = psycopg.connect(pg_db.replace("postgresql+psycopg://", "postgresql://"))
        try:
            other.execute("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")  # another writer mid-transaction
            with pytest.raises(StoreBusyError, match="locked by another writer"):
                st.decisions.record_session(make_record("accept"))
        finally:
            other.rollback()
            other.close()
        assert st.decisions.list_sessions() == []
        done = st.decisions.record_session(make_record("accept"))
        assert st.decisions.decision_exists(done.decision_id) and st.verify().ok
    finally:
        st.close()



def test_console_queries_reviews_and_reopen_on_postgresql(pg_db, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    """The review console's list queries (filters, count, pages, reason match inside the JSON list, id
    prefix), one review per case, reopen and the batch write, on PostgreSQL."""
    from storage import DecisionInput
    from storage.errors import StorageInputError
    from storage.review_queries import SessionQuery

    cfg = StorageConfig.model_validate({"database_url": pg_db, "operators": {"scrypt_log2_n": 14}})
    st = open_storage(tmp_path, cfg, clock=clock)
    try:
        st.operators.add("olga", "operator", "correct horse battery", "test")
        st.operators.add("sam", "supervisor", "correct horse battery", "test")
        recs = [make_record(o, doc=f"D{i}", with_images=False, kiosk_id=k, decision=DecisionInput(o, r, "p"))
                for i, (o, k, r) in enumerate((("review", "k1", ("FACE_MATCH_BORDERLINE",)),
                                               ("review", "k2", ("QUALITY_TOO_LOW",)),
                                               ("reject", "k1", ("FACE_MISMATCH",)), ("accept", "k2", ())))]
        ids = [r.session_id for r in st.decisions.record_sessions(recs)]
        q = st.queries
        assert q.count(SessionQuery(review_state="pending")) == 2
        assert [s.session_id for s in q.page(SessionQuery(reason="QUALITY_TOO_LOW"))] == [ids[1]]
        assert q.count(SessionQuery(reason="QUALITY")) == 0
        assert q.count(SessionQuery(kiosk_id="k1")) == 2 and q.count(SessionQuery(outcome="reject")) == 1
        assert [s.session_id for s in q.page(SessionQuery(session_id=ids[3][:6]))] == [ids[3]]
        assert len(q.page(SessionQuery(), limit=3)) == 3 and len(q.page(SessionQuery(), limit=3, offset=3)) == 1
        st.decisions.record_review(ids[0], "olga", "accept", "same person")
        clock.advance(minutes=5)
        with pytest.raises(StorageInputError, match="already reviewed"):
            st.decisions.record_review(ids[0], "sam", "reject", "no")
        st.decisions.reopen_review(ids[0], "sam", "look again at the ears")
        assert q.count(SessionQuery(review_state="pending")) == 2
        assert [r.verdict for r in q.reviews()] == ["reopen", "accept"]
        assert st.verify().ok
    finally:
        st.close()
