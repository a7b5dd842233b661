"""Issue 25: a session's chip record is evidence like the images: encrypted and bound to its row and session,
announced with its SHA-256 in the decision event, named by ``kiosk audit verify`` when swapped, edited or deleted,
and kept by its own retention period (``chip_records_days``), not the pictures' ``images_days``."""
from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from kiosk.cli import main
from storage import ImageEvidence
from storage.errors import StorageInputError
from storage.central.chain import GENESIS_HASH, event_hash_of
from storage.evidence_position import load_chip_record
from storage.tables import AuditEventRow


def _record_bytes(n: int) -> bytes:
    return json.dumps({"format": "idkiosk-session-chip-record/1", "chip_record": {"n": n}}, sort_keys=True,
                      separators=(",", ":")).encode()


def _with_record(make_record, n: int, **kw):  # type: ignore[no-untyped-def]
    rec = make_record(doc=f"D{n}XX", seed=10 * n, **kw)
    images = [*rec.images, ImageEvidence("chip_record", _record_bytes(n), "application/json")]
    return type(rec)(**{**rec.__dict__, "images": images})


@pytest.fixture
def two(store, make_record):  # type: ignore[no-untyped-def]
    out = [store.decisions.record_session(_with_record(make_record, n)) for n in (1, 2)]
    ids = [store.decisions.load_session(r.session_id, "t").chip_record.image_id for r in out]
    return out, ids


def test_the_record_is_announced_and_placed_in_the_chain(store, two) -> None:  # type: ignore[no-untyped-def]
    (a, _), (ida, _) = two[0], two[1]
    detail = store.decisions.load_session(a.session_id, "t")
    assert detail.chip_record is not None and [i.kind for i in detail.images] == ["dg2", "live"]
    stored = load_chip_record(store, a.session_id, "t")
    assert stored.data == _record_bytes(1) and stored.record_id == ida
    details = json.loads(stored.position.event["details"])
    assert details["chip_record"] == {"id": ida, "sha256": hashlib.sha256(_record_bytes(1)).hexdigest()}
    with store.db.read() as s:  # the position is the public chain hash anyone recomputes from the events
        prev = GENESIS_HASH
        for ev in s.query(AuditEventRow).order_by(AuditEventRow.seq):
            prev = event_hash_of(prev, ev)
            if ev.seq == stored.position.seq:
                break
    assert prev == stored.position.hash


def test_one_record_per_session(store, make_record) -> None:  # type: ignore[no-untyped-def]
    rec = _with_record(make_record, 1)
    rec = type(rec)(**{**rec.__dict__, "images": [*rec.images, ImageEvidence("chip_record", b"{}", "application/json")]})
    with pytest.raises(StorageInputError, match="at most one chip record"):
        store.decisions.record_session(rec)


@pytest.mark.parametrize("damage", ["swapped", "flipped", "deleted"])
def test_audit_verify_names_a_swapped_edited_or_deleted_record(store, two, capsys, damage) -> None:  # type: ignore[no-untyped-def]
    (ra, rb), (ida, idb) = two[0], two[1]
    blobs, data_dir = store.blobs, store.data_dir
    store.close()
    target = blobs.path_for(ida)
    if damage == "swapped":  # the two sessions' chip records trade places
        tmp = target.with_suffix(".x")
        shutil.move(target, tmp)
        shutil.move(blobs.path_for(idb), target)
        shutil.move(tmp, blobs.path_for(idb))
    elif damage == "flipped":
        raw = bytearray(target.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        target.write_bytes(bytes(raw))
    else:
        target.unlink()
    code = main(["audit", "verify", "--data-dir", str(data_dir)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 1, text
    first = min(ida, idb) if damage == "swapped" else ida
    owner = ra.session_id if first == ida else rb.session_id
    assert f"table images, id {first}, field blob" in text and f"session {owner}, chip record" in text, text


def test_retention_keeps_the_record_past_the_images_until_its_own_period(store, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    a = store.decisions.record_session(_with_record(make_record, 1))
    clock.advance(days=31)  # past images_days (30): the pictures go, the chip record stays
    r = store.retention.purge("test")
    assert r.images == 2
    detail = store.decisions.load_session(a.session_id, "t")
    assert detail.images == () and detail.chip_record is not None
    clock.advance(days=5 * 365 + 1 - 31 + 1)  # past chip_records_days: purged (and the session with it)
    store.retention.purge("test")
    assert list(store.blobs.scan()) == []
    assert store.verify().ok


def test_a_shorter_chip_record_period_purges_it_alone(tmp_path, clock, make_record) -> None:  # type: ignore[no-untyped-def]
    from storage import StorageConfig, open_storage

    config = StorageConfig.model_validate({"operators": {"scrypt_log2_n": 14},
                                           "retention": {"chip_records_days": 10}})
    st = open_storage(tmp_path / "d", config, clock=clock)
    try:
        a = st.decisions.record_session(_with_record(make_record, 1))
        clock.advance(days=11)
        r = st.retention.purge("test")
        assert r.images == 1
        detail = st.decisions.load_session(a.session_id, "t")
        assert detail.chip_record is None and len(detail.images) == 2
        assert st.verify().ok
    finally:
        st.close()
