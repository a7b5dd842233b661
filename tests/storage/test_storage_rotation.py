"""``kiosk keys rotate``: everything re-encrypted under a new key, old key gone, data intact."""
from __future__ import annotations

import json

import numpy as np
from sqlalchemy import text

from kiosk.cli import main
from storage import open_storage


def test_rotate_round_trip(store, make_record, capsys) -> None:  # type: ignore[no-untyped-def]
    store.operators.add("olga", "operator", "correct horse battery", "t")
    recs = [make_record("review", doc=f"ROT{i}XX", seed=i, template=np.full(8, i + 1.0)) for i in range(3)]
    done = [store.decisions.record_session(r) for r in recs]
    store.decisions.record_review(done[0].session_id, "olga", "accept", note="looked fine")
    old_kid = store.keys.keys.active_data_key
    old_key = store.keys.keys.data_keys[old_kid]
    blob_before = store.blobs.path_for(done[0].image_ids[0]).read_bytes()
    data_dir = store.data_dir
    store.close()

    assert main(["keys", "rotate", "--audit-key", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "re-encrypted 7 fields and 6 images" in out and f"retired {old_kid}" in out

    keyfile = json.loads((data_dir / "keys.json").read_text())
    assert old_kid not in keyfile["data_keys"] and len(keyfile["data_keys"]) == 1
    assert len(keyfile["audit_keys"]) == 2  # old audit key kept to verify earlier events
    st = open_storage(data_dir)
    try:
        new_kid = st.keys.keys.active_data_key
        assert new_kid != old_kid and old_key not in st.keys.keys.data_keys.values()
        with st.db.read() as s:
            for col, table in (("identity_kid", "sessions"), ("note_kid", "reviews"), ("key_id", "templates"),
                               ("key_id", "images")):
                kids = set(s.execute(text(f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL")).scalars())
                assert kids == {new_kid}, table
        assert st.blobs.path_for(done[0].image_ids[0]).read_bytes() != blob_before
        for rec, d in zip(recs, done):
            detail = st.decisions.load_session(d.session_id, "t")
            assert detail.identity == rec.identity
            for img, image_id in zip(rec.images, d.image_ids):
                assert st.decisions.load_image(image_id, "t")[1] == img.data
        assert st.decisions.load_session(done[0].session_id, "t").reviews[0].note == "looked fine"
        m = st.duplicates.search(np.full(8, 2.0), None)
        assert m is not None and m.score > 0.999
        assert st.audit.verify().ok
        events = [e for e in st.audit.events(limit=100) if e.kind == "key_rotation"]
        assert events and events[0].details["retired"] == [old_kid]
        # New writes use the new key and the new audit key; the chain stays verifiable.
        st.decisions.record_session(make_record(doc="AFTER1"))
        assert st.audit.verify().ok
    finally:
        st.close()


def test_writer_with_stale_keys_picks_up_rotation(store, make_record) -> None:  # type: ignore[no-untyped-def]
    """A kiosk process that opened the store before a rotation must not write under the retired key."""
    other = open_storage(store.data_dir, clock=store.clock)  # e.g. the CLI in another process
    try:
        other.rotation.rotate("cli:test")
    finally:
        other.close()
    r = store.decisions.record_session(make_record())  # `store` still held the old keys in memory
    with store.db.read() as s:
        kid = s.execute(text("SELECT identity_kid FROM sessions WHERE id = :i"), {"i": r.session_id}).scalar_one()
    assert kid == store.keys.keys.active_data_key and len(store.keys.keys.data_keys) == 1
    assert store.decisions.load_image(r.image_ids[0], "t")[1] == make_record().images[0].data
