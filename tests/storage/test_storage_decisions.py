"""Recording sessions, the review queue and reviews, and the data-minimisation guard."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import text

from storage import DecisionInput, IdentityFields
from storage.errors import NotFoundError, ReviewNotAllowedError, StorageInputError

from storage_helpers import GIVEN, SURNAME, image_bytes


def test_record_and_read_back(store, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    rec = make_record(outcome="review", template=np.arange(128, dtype=np.float32))
    r = store.decisions.record_session(rec)
    assert store.decisions.decision_exists(r.decision_id)
    pending = store.decisions.pending_reviews()
    assert [p.session_id for p in pending] == [r.session_id] and store.decisions.pending_count() == 1
    assert pending[0].reasons == ("LIVENESS_FAIL",) and pending[0].review_state == "pending"
    detail = store.decisions.load_session(r.session_id, actor="operator:alice")
    assert detail.identity == rec.identity
    assert detail.chip == {"access": "PACE", "passive_auth": "valid", "chip_auth": "valid"}
    assert [i.kind for i in detail.images] == ["dg2", "live"]
    info, data = store.decisions.load_image(r.image_ids[0], actor="operator:alice")
    assert data == rec.images[0].data and info.media_type == "image/jpeg"
    kinds = [e.kind for e in store.audit.events()]
    assert kinds == ["head_authenticated", "decision", "session_viewed", "image_viewed"]


def test_accept_is_not_queued_and_filters_work(store, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    a = store.decisions.record_session(make_record("accept"))
    clock.advance(minutes=1)
    b = store.decisions.record_session(make_record("reject", doc="X1"))
    assert store.decisions.pending_reviews() == []
    assert [s.session_id for s in store.decisions.list_sessions()] == [b.session_id, a.session_id]
    assert [s.session_id for s in store.decisions.list_sessions(outcome="accept")] == [a.session_id]
    assert [s.session_id for s in store.decisions.list_sessions(since=clock.now())] == [b.session_id]
    assert store.decisions.list_sessions(until=clock.now() - timedelta(minutes=1)) == []


def test_review_flow_and_roles(store, make_record) -> None:  # type: ignore[no-untyped-def]
    store.operators.add("olga", "operator", "correct horse battery", "test")
    store.operators.add("sam", "supervisor", "correct horse battery", "test")
    r = store.decisions.record_session(make_record("review"))
    store.decisions.record_review(r.session_id, "olga", "accept", note=f"checked {SURNAME} by phone")
    s = store.decisions.list_sessions()[0]
    assert s.review_state == "reviewed" and s.final_outcome == "accept"
    assert store.decisions.pending_reviews() == []
    for who in ("olga", "sam"):  # reviewed once: nobody reviews it again without a reopen
        with pytest.raises(StorageInputError, match="already reviewed"):
            store.decisions.record_review(r.session_id, who, "reject")
    with pytest.raises(StorageInputError, match="supervisor"):
        store.decisions.reopen_review(r.session_id, "olga", "second look")
    store.decisions.reopen_review(r.session_id, "sam", "the note does not say how the phone call went")
    assert store.decisions.pending_reviews()[0].session_id == r.session_id
    with pytest.raises(ReviewNotAllowedError, match="you reopened"):  # four eyes: not who reopened it
        store.decisions.record_review(r.session_id, "sam", "reject")
    store.decisions.record_review(r.session_id, "olga", "reject")
    detail = store.decisions.load_session(r.session_id, "operator:sam")
    assert [(v.operator, v.verdict) for v in detail.reviews] == [("olga", "accept"), ("sam", "reopen"),
                                                                ("olga", "reject")]
    assert detail.reviews[0].note == f"checked {SURNAME} by phone"
    with pytest.raises(StorageInputError):
        store.decisions.record_review(r.session_id, "nobody", "reject")
    with pytest.raises(NotFoundError):
        store.decisions.record_review("0" * 32, "sam", "reject")


@pytest.mark.parametrize("where", ["chip", "checks", "reasons", "doc", "doc_in_mrz"])
def test_personal_data_in_clear_fields_is_refused(store, make_record, where) -> None:  # type: ignore[no-untyped-def]
    rec = make_record()
    if where == "chip":
        rec = replace(rec, chip={"dg1": {"surname": SURNAME, "given_names": GIVEN}})
    elif where == "checks":
        rec = replace(rec, checks={"note": f"{GIVEN.split()[1].lower()} {SURNAME.title()}"})
    elif where == "reasons":
        rec = replace(rec, decision=DecisionInput("reject", ("TOO_YOUNG_1971-02-03",), "p"))
    elif where == "doc":
        rec = replace(rec, chip={"doc": "C01X00T47"})
    else:
        rec = replace(rec, chip={"mrz2": "C01X00T476D<<7102035F3101012<<<<<<<<<<<<<<<4"})
    with pytest.raises(StorageInputError, match="personal data"):
        store.decisions.record_session(rec)
    assert store.decisions.list_sessions() == []
    assert not list(store.blobs.scan())


def test_guard_does_not_refuse_coincidences(store, make_record) -> None:  # type: ignore[no-untyped-def]
    """A surname that is also an evidence word (Mr Pace, access method PACE) must still be recorded."""
    rec = make_record(identity=IdentityFields("PACE", "ALEXANDRA", "710203"), document_number="123456",
                      checks={"match": 0.7, "note": "alexandra"})
    # With the given name as well, two name words are in clear: that *is* refused.
    with pytest.raises(StorageInputError):
        store.decisions.record_session(rec)
    ok = replace(rec, checks={"match": 0.7123455, "birth_yymmdd_like": 710203.5})
    assert store.decisions.record_session(ok).session_id
    assert ok.chip["access"] == "PACE"


@pytest.mark.parametrize("change", [
    {"decision": DecisionInput("maybe", (), "p")},  # type: ignore[arg-type]
    {"decision": ("accept", (), "p")},
    {"kiosk_id": ""},
    {"document_number": None},  # state without number
    {"images": ["not an image evidence"]},
    {"identity": {"surname": "X"}},
    {"chip": {"x": object()}},
])
def test_bad_input_is_typed(store, make_record, change) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StorageInputError):
        store.decisions.record_session(replace(make_record(), **change))
    assert store.decisions.list_sessions() == []


def test_bad_templates_and_naive_times_are_typed(store, make_record) -> None:  # type: ignore[no-untyped-def]
    from storage import TemplateEvidence

    with pytest.raises(StorageInputError, match="finite"):
        store.decisions.record_session(replace(make_record(), templates=[TemplateEvidence("live", [float("nan")] * 4)]))
    with pytest.raises(StorageInputError, match="timezone"):
        store.decisions.record_session(replace(make_record(), started_at=make_record().started_at.replace(tzinfo=None)))


def test_failed_commit_leaves_no_blob(store, make_record) -> None:  # type: ignore[no-untyped-def]
    with store.db.engine.begin() as conn:  # make the decision insert fail after the blobs are written
        conn.execute(text("CREATE TRIGGER no_decisions BEFORE INSERT ON decisions BEGIN "
                          "SELECT RAISE(ABORT, 'refused'); END"))
    from storage.errors import StorageError

    with pytest.raises(StorageError, match="refused"):
        store.decisions.record_session(make_record())
    assert not list(store.blobs.scan())
    with store.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 0


def test_policy_enums_are_stored_as_their_values(store, make_record) -> None:  # type: ignore[no-untyped-def]
    from enum import Enum

    class Outcome(str, Enum):
        REVIEW = "REVIEW"

    class Reason(str, Enum):
        FACE_MISMATCH = "FACE_MISMATCH"

    r = store.decisions.record_session(make_record(decision=DecisionInput(Outcome.REVIEW, (Reason.FACE_MISMATCH,),
                                                                          "policy-2")))  # type: ignore[arg-type]
    s = store.decisions.pending_reviews()[0]
    assert s.session_id == r.session_id and s.outcome == "review" and s.reasons == ("FACE_MISMATCH",)
    assert store.audit.events()[1].details["reasons"] == ["FACE_MISMATCH"]  # [0]: the store's head_authenticated


def test_missing_session_is_not_found(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError):
        store.decisions.load_session("f" * 32, "operator:x")
    with pytest.raises(NotFoundError):
        store.decisions.load_image("f" * 32, "operator:x")


def test_identity_is_optional(store, make_record) -> None:  # type: ignore[no-untyped-def]
    r = store.decisions.record_session(make_record(identity=None, issuing_state=None, document_number=None,
                                                    images=[]))
    assert r.document_key is None
    assert store.decisions.load_session(r.session_id, "x").identity is None
    assert image_bytes("PNG")[:4] == b"\x89PNG"
    assert IdentityFields("A", "B").birth_date is None
