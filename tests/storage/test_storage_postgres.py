"""The same storage code on a real PostgreSQL server, started by the test on 127.0.0.1.

Needs the Debian ``postgresql`` server binaries (``initdb``, ``postgres``) and the ``psycopg``
driver; skips with a reason otherwise. The server runs from a temporary folder, listens on
127.0.0.1 only (no Unix socket outside that folder), gets SIGINT at the end and a parent-death
signal so it also stops if the test process dies. As root it runs as the ``postgres`` user.
"""
from __future__ import annotations

import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from storage import StorageConfig, open_storage


def _pg_bin() -> Path | None:
    for cand in [os.environ.get("PG_BIN"), shutil.which("initdb") and str(Path(shutil.which("initdb")).resolve().parent),
                 *sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)]:
        if cand and (Path(cand) / "initdb").exists() and (Path(cand) / "postgres").exists():
            return Path(cand)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG: fast shutdown if the test process dies


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL server; yields an SQLAlchemy URL."""
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed (pip install 'psycopg[binary]')")
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian package 'postgresql')")
    user_kw: dict[str, object] = {}
    root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    if os.geteuid() == 0:  # postgres refuses to run as root
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        user_kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    data = root / "data"
    port = _free_port()
    proc = None
    try:
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", "kiosk", "--auth=trust", "-E", "UTF8",
                        "--no-sync"], check=True, capture_output=True, cwd=root, **user_kw)  # type: ignore[arg-type]
        proc = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port), "-k", str(root),
             "-c", "fsync=on", "-c", "synchronous_commit=on"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root, preexec_fn=_die_with_parent,
            **user_kw)  # type: ignore[arg-type]
        url = f"postgresql+psycopg://kiosk@127.0.0.1:{port}/postgres"
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(f"host=127.0.0.1 port={port} user=kiosk dbname=postgres", connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("PostgreSQL did not start")
                time.sleep(0.2)
        yield url
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_db(pg_url: str) -> str:
    """A fresh, empty database on the shared server (each test has its own keys, so its own chain)."""
    import uuid

    import psycopg

    name = "t" + uuid.uuid4().hex[:12]
    server = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_url.rsplit("/", 1)[0] + "/" + name


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
        assert full.ok and full.rows == 6 + 6 + 1, full  # sessions, decisions, review (images, templates purged)
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
