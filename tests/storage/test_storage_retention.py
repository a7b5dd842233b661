"""Retention removes exactly what is due (injected clock), removes the blob files, sweeps orphans,
and audits every purge; ``kiosk purge`` runs it from the command line."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import text

from kiosk.cli import main
from storage import StorageConfig, open_storage

DAY = timedelta(days=1)


def counts(store) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with store.db.read() as s:
        return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("sessions", "decisions", "images", "templates", "attempts")}


def test_images_and_templates_expire_exactly_at_their_period(store, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    old = store.decisions.record_session(make_record(template=[1.0, 2.0, 3.0]))
    clock.advance(days=1)
    new = store.decisions.record_session(make_record(doc="NEWER1", template=[3.0, 2.0, 1.0]))
    # Exactly 30 days after the first session: not yet due (strictly older than the period is due).
    clock.set(old_time := clock.now() - DAY + 30 * DAY)
    r = store.retention.purge("test")
    assert (r.images, r.templates, r.sessions) == (0, 0, 0)
    clock.set(old_time + timedelta(microseconds=1))
    r = store.retention.purge("test")
    assert (r.images, r.templates, r.sessions, r.blob_files) == (2, 1, 0, 2)
    assert {b for b, _ in store.blobs.scan()} == set(new.image_ids)
    c = counts(store)
    assert c["sessions"] == 2 and c["images"] == 2 and c["templates"] == 1
    # The decision record and identity of the old session are still there (5-year period).
    assert store.decisions.load_session(old.session_id, "test").identity is not None
    assert store.decisions.load_session(old.session_id, "test").images == ()


def test_sessions_expire_after_the_decision_period(store, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    store.operators.add("olga", "operator", "correct horse battery", "t")
    a = store.decisions.record_session(make_record("review"))
    store.decisions.record_review(a.session_id, "olga", "accept", note="ok")
    clock.advance(days=2)
    store.decisions.record_session(make_record(doc="LATER1"))
    days = store.config.retention.decisions_days
    clock.advance(days=days - 2, seconds=1)  # first session now just past its period
    r = store.retention.purge("test")
    assert r.sessions == 1
    assert [s.session_id for s in store.decisions.list_sessions()] != [a.session_id]
    assert len(store.decisions.list_sessions()) == 1
    with store.db.read() as s:  # cascades: no review, no image row of the purged session remains
        assert s.execute(text("SELECT count(*) FROM reviews")).scalar_one() == 0
        assert s.execute(text("SELECT count(*) FROM images WHERE session_id = :i"), {"i": a.session_id}).scalar_one() == 0
    assert store.audit.verify().ok  # audit events are never purged


def test_attempt_rows_of_older_stores_expire(store, clock) -> None:  # type: ignore[no-untyped-def]
    """Attempts are derived from the chain now (storage.attempts); rows an older store wrote still expire."""
    from storage.tables import AttemptRow

    with store.db.write() as s:
        s.add_all([AttemptRow(subject="kiosk", subject_key="kiosk-7", at=clock.now(), failed=True),
                   AttemptRow(subject="document", subject_key="d" * 64, at=clock.now(), failed=True)])
    clock.advance(days=7, seconds=1)
    with store.db.write() as s:
        s.add(AttemptRow(subject="kiosk", subject_key="kiosk-7", at=clock.now(), failed=True))
    r = store.retention.purge("test")
    assert r.attempts == 2
    assert counts(store)["attempts"] == 1


def test_orphan_blobs_are_swept_only_when_old(store, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    from storage.crypto import aad

    kept = store.decisions.record_session(make_record())
    store.blobs.put("ab" * 16, b"left by a crash", aad("images.blob", "x"), store.keys.cipher)
    path = store.blobs.path_for("ab" * 16)
    now = clock.now().timestamp()
    os.utime(path, (now - 59 * 60, now - 59 * 60))
    assert store.retention.purge("test").orphan_blobs == 0
    os.utime(path, (now - 61 * 60, now - 61 * 60))
    assert store.retention.purge("test").orphan_blobs == 1
    assert not path.exists()
    assert {b for b, _ in store.blobs.scan()} == set(kept.image_ids)


def test_partial_blob_writes_are_swept_when_old(store, clock) -> None:  # type: ignore[no-untyped-def]
    sub = store.blobs.root / "ab"
    sub.mkdir()
    partial = sub / (".ab" + "0" * 30 + ".blob.1a2b3c.tmp")
    partial.write_bytes(b"ciphertext cut short by a crash")
    now = clock.now().timestamp()
    os.utime(partial, (now - 30 * 60, now - 30 * 60))
    assert store.retention.purge("t").orphan_blobs == 0 and partial.exists()
    os.utime(partial, (now - 90 * 60, now - 90 * 60))
    assert store.retention.purge("t").orphan_blobs == 1 and not partial.exists()


def test_every_purge_is_audited(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.retention.purge("cli:root")
    store.startup(config_hash="cfg-A")
    store.startup(config_hash="cfg-A")
    kinds = [(e.kind, e.actor) for e in store.audit.events()]
    assert kinds == [("head_authenticated", "system:upgrade"), ("purge", "cli:root"), ("config_change", "system:startup"), ("purge", "system:startup"),
                     ("purge", "system:startup")]
    purge = store.audit.events()[1]
    assert purge.details["images"] == 0 and "image_cutoff" in purge.details


def test_retention_periods_come_from_config(tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    cfg = StorageConfig.model_validate({"retention": {"images_days": 2}})
    st = open_storage(tmp_path, cfg, clock=clock)
    try:
        st.decisions.record_session(make_record())
        clock.advance(days=2, seconds=1)
        assert st.retention.purge("t").images == 2
    finally:
        st.close()


def test_purge_cli(store, make_record, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    store.decisions.record_session(make_record())
    store.close()
    assert main(["purge", "--data-dir", str(store.data_dir)]) == 0  # real clock: years later, all images due
    out = capsys.readouterr().out
    assert "purged: 2 images" in out
    st = open_storage(store.data_dir)
    try:
        assert st.audit.events()[-1].kind == "purge"
    finally:
        st.close()


@pytest.mark.parametrize("bad", [{"images_days": 0}, {"decisions_days": -1}])
def test_bad_retention_is_refused(bad) -> None:  # type: ignore[no-untyped-def]
    from storage.config import parse_storage_config
    from storage.errors import StorageConfigError

    with pytest.raises(StorageConfigError):
        parse_storage_config({"retention": bad})
