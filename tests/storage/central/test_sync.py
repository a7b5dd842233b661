"""Sync from kiosk stores (SQLite, real recorded sessions) into a real central PostgreSQL store."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from fleet_helpers import central_count, central_ids, kiosk_config, local_ids, make_kiosk, register, snapshot
from storage.backoffice_keys import BackofficeKeyring, generate_key_pair
from storage.central import schema
from storage.central.errors import CentralConflictError, KioskNotRegisteredError
from storage.central.push import SyncOptions, Syncer
from storage.central.verify import verify_central
from storage.sealed_evidence import record_backoffice_key
from storage.sealing import open_evidence


def test_three_kiosks_sync_concurrently_every_session_once_every_chain_verifies(
        central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    stores = {k: make_kiosk(tmp_path, k, 10, make_record, clock, central) for k in ("branch-a", "branch-b", "branch-c")}
    errors: list[BaseException] = []

    def push(kiosk_id: str) -> None:
        try:
            Syncer(stores[kiosk_id], central, kiosk_id, SyncOptions(batch_sessions=3)).run()
        except BaseException as exc:  # noqa: BLE001 (re-raised in the test thread)
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(k,)) for k in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    expected = sorted((k, sid) for k, st in stores.items() for sid in local_ids(st))
    assert central_ids(central) == expected  # every session exactly once
    assert len(central_ids(central, "decisions")) == 30 and len(central_ids(central, "reviews")) == 3
    assert len(central_ids(central, "images")) == 60
    result = verify_central(central)
    assert result.ok, [k.problem for k in result.kiosks]
    assert [k.kiosk_id for k in result.kiosks] == sorted(stores)
    for k, st in stores.items():
        check = next(c for c in result.kiosks if c.kiosk_id == k)
        assert check.events == st.audit.head().seq and check.heads >= 4  # 10 sessions in batches of 3
        assert st.verify().ok  # the central_push events keep the local chain valid
        st.close()


def test_pushing_twice_changes_nothing_and_a_later_review_is_pushed(
        central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    st = make_kiosk(tmp_path, "k1", 6, make_record, clock, central, reviews=0)
    first = Syncer(st, central, "k1").run()
    assert first.rows["sessions"] == 6 and first.batches == 1
    before, head = snapshot(central), st.audit.head()
    again = Syncer(st, central, "k1").run()
    assert again.batches == 0 and again.events == 0
    assert snapshot(central) == before and st.audit.head() == head  # not even a central_push event
    # A review changes the decision row locally: the new version and the review row are pushed.
    sid = st.decisions.pending_reviews()[0].session_id
    st.decisions.record_review(sid, "olga", "reject", note="portrait does not match")
    third = Syncer(st, central, "k1").run()
    assert third.rows["decisions"] == 1 and third.rows["reviews"] == 1 and third.rows["sessions"] == 0
    with central.begin() as conn:
        t = schema.ROW_TABLES["decisions"]
        row = conn.execute(select(t).where(t.c.session_id == sid)).one()
    assert (row.review_state, row.final_outcome) == ("reviewed", "reject")
    assert verify_central(central).ok
    st.close()


def test_unregistered_kiosk_and_foreign_store_are_refused(central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    st = make_kiosk(tmp_path, "k1", 2, make_record, clock)
    with pytest.raises(KioskNotRegisteredError, match="kiosk k1 .* not registered"):
        Syncer(st, central, "k1").run()
    other = make_kiosk(tmp_path, "k2", 2, make_record, clock, central)
    with pytest.raises(CentralConflictError, match="registered for kiosk k2"):
        register(central, other, "k1")  # a key belongs to one kiosk
    with pytest.raises(KioskNotRegisteredError, match="key .* is not registered"):
        Syncer(st, central, "k1").run()
    assert central_count(central, schema.audit_events) == 0
    st.close()
    other.close()


def test_a_forked_copy_of_a_store_syncing_under_the_same_kiosk_id_is_a_named_conflict(
        central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from storage import open_storage

    st = make_kiosk(tmp_path, "k1", 3, make_record, clock, central)
    Syncer(st, central, "k1").run()
    st.close()
    shutil.copytree(tmp_path / "k1", tmp_path / "k1-copy")  # same keys, same chain so far
    a = open_storage(tmp_path / "k1", kiosk_config(), clock=clock)
    b = open_storage(tmp_path / "k1-copy", kiosk_config(), clock=clock)
    fork_seq = b.audit.head().seq + 1  # the first event after the fork
    a.decisions.record_session(make_record("accept", kiosk_id="k1", doc="FORKA1"))
    for doc in ("FORKB1", "FORKB2"):  # the copy's chain is as long as the centre's: it gets to the events
        b.decisions.record_session(make_record("reject", kiosk_id="k1", doc=doc))
    Syncer(a, central, "k1").run()
    with pytest.raises(CentralConflictError, match=f"audit event seq {fork_seq} with other content"):
        Syncer(b, central, "k1").run()
    assert verify_central(central).ok  # nothing of the fork went in
    a.close()
    b.close()


def test_purge_keeps_what_the_centre_has_not_acknowledged(central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    cfg = kiosk_config(central_url=central.url)
    st = make_kiosk(tmp_path, "k1", 6, make_record, clock, central, config=cfg, reviews=0)
    clock.advance(days=40)  # images and templates (30 days) are due, sessions are not
    nothing = st.retention.purge("t")
    assert (nothing.images, nothing.held_back) == (0, 12)  # never synced: everything is held back
    order = sorted(local_ids(st))
    # Stop after the first batch of 2 sessions: their 4 images are acknowledged, the other 8 are not.
    Syncer(st, central, "k1", SyncOptions(batch_sessions=2)).run(should_stop=lambda: len(central_ids(central)) >= 2)
    assert sorted(s for _, s in central_ids(central)) == order[:2]
    part = st.retention.purge("t")
    assert (part.images, part.held_back) == (4, 8)
    Syncer(st, central, "k1").run()  # the rest, and the purge events
    rest = st.retention.purge("t")
    assert (rest.images, rest.held_back) == (8, 0)
    clock.advance(days=6 * 365)
    st.decisions.record_session(make_record("accept", kiosk_id="k1", doc="LATE01"))  # not yet pushed
    gone = st.retention.purge("t")
    assert gone.sessions == 6 and gone.held_back == 0 and len(local_ids(st)) == 1  # the new one is not due
    Syncer(st, central, "k1").run()
    assert len(central_ids(central)) == 7  # the centre keeps what the kiosk purged
    assert verify_central(central).ok and st.verify().ok
    st.close()


def test_evidence_is_pushed_sealed_and_opens_with_the_back_office_key(
        central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    st = make_kiosk(tmp_path, "k1", 2, make_record, clock, central, reviews=0)
    skipped = Syncer(st, central, "k1", SyncOptions(push_evidence=True)).run()
    assert skipped.evidence == 0 and "no back-office public key" in (skipped.evidence_skipped or "")
    assert skipped.rows["sessions"] == 2  # the records go without evidence
    public, _, _ = generate_key_pair(tmp_path / "bo", "back office pass", log2_n=14)
    record_backoffice_key(st, public, "t")
    done = Syncer(st, central, "k1", SyncOptions(push_evidence=True)).run()
    assert done.evidence == 6  # 2 images and the identity fields of each session
    with central.begin() as conn:
        items = list(conn.execute(select(schema.evidence)))
    image = next(e for e in items if e.kind == "image/dg2")
    sid = image.session_id
    plain = open_evidence(image.sealed, private_keys=BackofficeKeyring(tmp_path / "bo", "back office pass"),
                          kiosk_id="k1", session_id=sid, evidence_id=image.evidence_id, kind=image.kind)
    assert plain == st.decisions.load_image(image.evidence_id, "t")[1]
    assert b"JFIF" not in image.sealed and plain[:2] == b"\xff\xd8"
    assert verify_central(central).ok
    # The evidence digest is in the signed history: a swapped blob is named.
    other = next(e for e in items if e.evidence_id != image.evidence_id)
    with central.begin() as conn:
        conn.execute(text("UPDATE fleet_evidence SET sealed = :b WHERE evidence_id = :i"),
                     {"b": other.sealed, "i": image.evidence_id})
    bad = verify_central(central).kiosks[0]
    assert not bad.ok and (bad.table, bad.row_id) == ("evidence", image.evidence_id)
    st.close()


def test_background_worker_retries_while_offline_and_then_pushes(central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    from kiosk.sync_worker import SyncWorker

    st = make_kiosk(tmp_path, "k1", 3, make_record, clock, central)
    st.close()

    def config(url: str) -> Path:
        path = tmp_path / f"kiosk-{len(url)}.toml"
        path.write_text(f'kiosk_id = "k1"\n[storage.sync]\ncentral_url = "{url}"\n')
        return path

    offline = SyncWorker(tmp_path / "k1", config("postgresql+psycopg://kiosk@127.0.0.1:9/none"), "k1", 3600)
    assert offline.sync_now() == 1  # nothing listens on port 9: said, not raised
    assert offline.last_error is not None and "unreachable" in offline.last_error
    worker = SyncWorker(tmp_path / "k1", config(central.url), "k1", 3600).start()
    try:
        deadline = time.monotonic() + 120
        while worker.rounds == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert worker.last_error is None and "3 sessions" in (worker.last_output or "")
    assert len(central_ids(central)) == 3


def test_a_store_rolled_back_to_an_older_copy_is_refused_by_the_centre(central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    """The whole data folder restored (database and head file together): the local checks cannot see
    it, the central store can."""
    import shutil

    from storage import open_storage

    st = make_kiosk(tmp_path, "k1", 2, make_record, clock, central)
    st.close()
    shutil.copytree(tmp_path / "k1", tmp_path / "old")
    st = open_storage(tmp_path / "k1", kiosk_config(), clock=clock)
    st.decisions.record_session(make_record("accept", kiosk_id="k1", doc="NEWER1"))
    Syncer(st, central, "k1").run()
    st.close()
    shutil.rmtree(tmp_path / "k1")
    shutil.copytree(tmp_path / "old", tmp_path / "k1")
    old = open_storage(tmp_path / "k1", kiosk_config(), clock=clock)
    assert old.verify().ok  # locally consistent
    with pytest.raises(CentralConflictError, match="restored from an older copy"):
        Syncer(old, central, "k1").run()
    old.close()


def test_a_key_rotation_re_encrypting_rows_without_naming_them_is_pushed(central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    st = make_kiosk(tmp_path, "k1", 3, make_record, clock, central)
    Syncer(st, central, "k1").run()
    st.rotation.rotate("t")  # identity fields and review notes re-encrypted, rows re-sealed; one key_rotation event
    report = Syncer(st, central, "k1").run()
    assert report.rows["sessions"] == 3 and report.rows["reviews"] == 1
    with central.begin() as conn:
        kids = set(conn.execute(select(schema.ROW_TABLES["sessions"].c.identity_kid)).scalars())
    assert kids == {st.keys.keys.active_data_key}
    assert verify_central(central).ok
    assert Syncer(st, central, "k1").run().batches == 0
    st.close()


def test_sync_config_is_validated() -> None:
    from storage.config import parse_storage_config
    from storage.errors import StorageConfigError

    assert parse_storage_config({}).sync.central_url is None  # no sync by default
    cfg = parse_storage_config({"sync": {"central_url": "postgresql+psycopg://k@h/c", "push_evidence": True}})
    assert cfg.sync.push_evidence and cfg.sync.interval_s == 60 and cfg.sync.batch_sessions == 50
    for bad in ({"central_url": "sqlite:///x.db"}, {"interval_s": 0}, {"batch_sessions": 0}, {"evidence": True}):
        with pytest.raises(StorageConfigError, match="sync"):
            parse_storage_config({"sync": bad})


def test_a_long_event_backlog_goes_in_bounded_events_only_batches_first(central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    st = make_kiosk(tmp_path, "k1", 5, make_record, clock, central)
    for i in range(12):  # events that announce no row (logins): the backlog of a kiosk offline for a while
        st.audit.record("login_failed", f"login:user{i}", {"where": "console"})
    report = Syncer(st, central, "k1", SyncOptions(max_events=4)).run()
    assert report.rows["sessions"] == 5 and report.batches >= 5
    result = verify_central(central)
    assert result.ok and result.kiosks[0].events == st.audit.head().seq
    st.close()
