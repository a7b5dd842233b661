"""1:N duplicate search over encrypted templates: other identities only, best match, cache kept in
step with inserts and purges."""
from __future__ import annotations

import numpy as np
from sqlalchemy import text


def unit(rng: np.random.Generator, d: int = 128) -> np.ndarray:
    v = rng.normal(size=d).astype(np.float32)
    return v / np.linalg.norm(v)


def test_finds_same_face_under_another_document(store, make_record) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    faces = [unit(rng) for _ in range(20)]
    ids = {}
    for i, f in enumerate(faces):
        ids[i] = store.decisions.record_session(make_record(doc=f"DOC{i:03d}X", template=f, with_images=False))
    probe = faces[5] + 0.05 * unit(rng)  # the person of DOC005 again
    # Presented with their own document: no duplicate among *other* identities.
    own = store.duplicates.search_document("D", "DOC005X", probe)
    assert own is not None and not own.is_duplicate and own.session_id != ids[5].session_id
    # Presented with a different document: the earlier enrolment is found.
    other = store.duplicates.search_document("D", "NEWDOC99", probe)
    assert other is not None and other.is_duplicate and other.session_id == ids[5].session_id
    assert other.score > 0.99
    # Exact check of the score against numpy.
    assert abs(other.score - float(probe @ faces[5] / np.linalg.norm(probe))) < 1e-5


def test_cache_follows_inserts_and_purges(store, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    a, b = unit(rng), unit(rng)
    assert store.duplicates.search(a, None) is None
    store.decisions.record_session(make_record(doc="AAA111", template=a, with_images=False))
    assert store.duplicates.search(a, None).identity_key == store.keys.document_key("D", "AAA111")
    clock.advance(days=1)
    store.decisions.record_session(make_record(doc="BBB222", template=b, with_images=False))
    assert store.duplicates.search(b, None).identity_key == store.keys.document_key("D", "BBB222")
    clock.advance(days=29, seconds=1)  # a's template is now past its 30 days
    assert store.retention.purge("t").templates == 1
    m = store.duplicates.search(a, None)
    assert m.identity_key == store.keys.document_key("D", "BBB222")  # a's gone; b is all that is left
    with store.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM templates")).scalar_one() == 1


def test_templates_are_not_stored_in_clear(store, make_record) -> None:  # type: ignore[no-untyped-def]
    v = np.arange(1, 129, dtype=np.float32)
    store.decisions.record_session(make_record(template=v, with_images=False))
    with store.db.read() as s:
        ct = s.execute(text("SELECT ciphertext FROM templates")).scalar_one()
    assert v.astype("<f4").tobytes()[:32] not in ct and len(ct) == 128 * 4 + 28
