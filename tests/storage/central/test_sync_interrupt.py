"""A sync cut in the middle (central server stopped, or the kiosk's sync process SIGKILLed) resumes:
nothing lost, nothing duplicated, every chain verifies.

Deterministic, without timing: the test opens a central transaction that inserts (uncommitted) the
central row of the fifth session, so the sync (one session per batch) commits batches 1-4 and then
waits on that row's lock inside batch 5's transaction; the test waits until PostgreSQL reports the
sync's backend waiting for the lock, then cuts.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from fleet_helpers import SIGNER, central_ids, kiosk_config, local_ids, make_kiosk
from pg_server import PgServer, start_or_skip
from storage import open_storage
from storage.central.errors import CentralUnavailableError
from storage.central.push import SyncOptions, Syncer
from storage.central.store import CentralStore
from storage.central.verify import verify_central

REPO = Path(__file__).resolve().parents[3]


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _block_row(url: str, kiosk_id: str, session_id: str) -> psycopg.Connection:
    """An open transaction holding an uncommitted central sessions row under the sync's key."""
    conn = psycopg.connect(_dsn(url))
    conn.execute("INSERT INTO fleet_sessions (origin_kiosk, id, kiosk_id, mode, started_at, ended_at, created_at, "
                 "chip, checks, model_versions, config_hash, digest, announced_seq) VALUES (%s, %s, 'x', 'x', now(), "
                 "now(), now(), '{}', '{}', '{}', 'x', 'x', 0)", (kiosk_id, session_id))
    return conn


def _wait_for_lock_wait(url: str, timeout: float = 60.0) -> None:
    """Until a backend of this database waits for a lock (the sync, inside batch 5)."""
    name = url.rsplit("/", 1)[1]
    deadline = time.monotonic() + timeout
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND "
                                   "wait_event_type = 'Lock'", (name,)).fetchone()
            if waiting and waiting[0] > 0:
                return
            time.sleep(0.05)
    pytest.fail("the sync never reached the blocked batch")


@pytest.fixture
def own_server() -> Iterator[PgServer]:
    """A server of this test's own (it is stopped and restarted)."""
    server = start_or_skip()
    yield server
    server.close()


def _assert_complete(central: CentralStore, st, kiosk_id: str) -> None:  # type: ignore[no-untyped-def]
    assert central_ids(central) == [(kiosk_id, s) for s in local_ids(st)]  # nothing lost, nothing twice
    result = verify_central(central)
    assert result.ok, [k.problem for k in result.kiosks]
    assert result.kiosks[0].events == st.audit.head().seq
    assert st.verify().ok


def test_central_server_stopped_mid_sync_and_restarted(own_server, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    url = own_server.new_database()
    central = CentralStore(url)
    central.init_schema(SIGNER.public_key)
    st = make_kiosk(tmp_path, "k1", 8, make_record, clock, central)
    order = local_ids(st)
    blocker = _block_row(url, "k1", order[4])
    failure: list[BaseException] = []

    def sync() -> None:
        try:
            Syncer(st, central, "k1", SyncOptions(batch_sessions=1)).run()
        except BaseException as exc:  # noqa: BLE001 (checked below)
            failure.append(exc)

    worker = threading.Thread(target=sync)
    worker.start()
    _wait_for_lock_wait(url)
    # The customer flow is not blocked by a sync stuck at the centre: no local lock is held meanwhile.
    late = st.decisions.record_session(make_record("accept", kiosk_id="k1", doc="LATE1XX"))
    own_server.stop()  # fast shutdown: batch 5's transaction is aborted with the connection
    worker.join(60)
    assert len(failure) == 1 and isinstance(failure[0], CentralUnavailableError)
    assert "next sync resumes" in str(failure[0])
    blocker.close()
    own_server.start()
    assert [s for _, s in central_ids(central)] == order[:4]  # batches 1-4, all of them, and nothing of 5
    report = Syncer(st, central, "k1", SyncOptions(batch_sessions=3)).run()
    assert report.rows["sessions"] == 5 and report.batches == 2  # sessions 5-8 and the one recorded meanwhile
    assert ("k1", late.session_id) in central_ids(central)
    _assert_complete(central, st, "k1")
    st.close()
    central.dispose()


def test_sync_process_killed_mid_sync_resumes(central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    st = make_kiosk(tmp_path, "k1", 8, make_record, clock, central)
    order = local_ids(st)
    st.close()
    blocker = _block_row(central.url, "k1", order[4])
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "sync", "--central", central.url, "--data-dir",
                             str(tmp_path / "k1"), "--kiosk-id", "k1", "--batch-sessions", "1"],
                            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_lock_wait(central.url)
        assert [s for _, s in central_ids(central)] == order[:4]
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        blocker.rollback()
        blocker.close()
    assert proc.returncode == -signal.SIGKILL
    st = open_storage(tmp_path / "k1", kiosk_config(), clock=clock)
    assert st.verify().ok  # the kill left nothing half-written locally either
    report = Syncer(st, central, "k1").run()
    assert report.rows["sessions"] == 4
    _assert_complete(central, st, "k1")
    st.close()


def test_a_kill_between_the_central_commit_and_the_local_acknowledgement_resumes(
        central, tmp_path, make_record, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The other side of the window: the centre committed batch 2, the kiosk never wrote that it did."""
    st = make_kiosk(tmp_path, "k1", 6, make_record, clock, central)
    calls = {"n": 0}
    real = Syncer._save_ack

    def dies_on_second(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed after the central commit")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Syncer, "_save_ack", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        Syncer(st, central, "k1", SyncOptions(batch_sessions=2)).run()
    monkeypatch.setattr(Syncer, "_save_ack", real)
    assert len(central_ids(central)) == 4  # batches 1 and 2 are at the centre; only batch 1 is acknowledged
    report = Syncer(st, central, "k1", SyncOptions(batch_sessions=2)).run()
    assert report.rows["sessions"] == 4  # batch 2 re-announced (identical rows), batch 3 new
    _assert_complete(central, st, "k1")
    st.close()


def test_a_central_store_that_lost_acknowledged_batches_is_named_by_the_next_sync(
        central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from storage.central.errors import CentralBehindError

    st = make_kiosk(tmp_path, "k1", 4, make_record, clock, central)
    Syncer(st, central, "k1", SyncOptions(batch_sessions=2)).run()
    with central.begin() as conn:  # the newest batch and its head removed, as a restored central backup would
        last = conn.execute(text("SELECT max(seq) FROM fleet_signed_heads")).scalar()
        before = conn.execute(text("SELECT max(seq) FROM fleet_signed_heads WHERE seq < :s"), {"s": last}).scalar()
        conn.execute(text("DELETE FROM fleet_audit_events WHERE seq > :s"), {"s": before})
        conn.execute(text("DELETE FROM fleet_signed_heads WHERE seq > :s"), {"s": before})
        for t in ("sessions", "decisions", "reviews", "images"):
            conn.execute(text(f"DELETE FROM fleet_{t} WHERE announced_seq > :s"), {"s": before})
    assert verify_central(central).ok  # looks like a kiosk that has not pushed its last batch yet
    with pytest.raises(CentralBehindError, match=f"only up to seq {before}"):
        Syncer(st, central, "k1").run()
    st.close()
