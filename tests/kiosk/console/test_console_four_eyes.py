"""Four eyes and roles in the Qt-free console (probes of issue 20, item 5): the clerk of an assisted
session neither reviews nor reopens it, whoever reopens cannot decide afterwards, whoever decided cannot
reopen their own verdict, and an admin never opens, reviews, reopens or exports a case. Storage refuses
the same calls made past the console, so a console bug still fails closed."""
from __future__ import annotations

import pytest

from storage.errors import ReviewNotAllowedError

from kiosk.console import NotAllowedError
from kiosk.console.sample import sample_record

from console_helpers import PASSWORD, evidence_images


def _record(store, clock, outcome="review", **kw):
    clock.advance(minutes=5)
    return store.decisions.record_session(sample_record(outcome, clock.now(), **kw)).session_id


@pytest.fixture
def supervisors(store):
    store.operators.add("sue", "supervisor", PASSWORD, "cli:test")
    return "sam", "sue"


def test_the_clerk_cannot_reopen_the_session_she_assisted(console, store, clock, supervisors) -> None:
    """Probe 1: a supervisor reopened a rejection of a session she assisted, and a colleague approved it."""
    sid = _record(store, clock, mode="assisted", assisted_by="sue")
    console.login("olga", PASSWORD)
    console.reject(sid, "the portrait is of someone else")
    console.login("sue", PASSWORD)
    with pytest.raises(ReviewNotAllowedError, match="clerk .* cannot reopen"):
        console.reopen(sid, "I was there, it was really her")
    with pytest.raises(ReviewNotAllowedError, match="clerk"):  # the storage refuses it past the console too
        store.decisions.reopen_review(sid, "sue", "I was there, it was really her")
    assert store.decisions.list_sessions(review_state="reviewed")[0].final_outcome == "reject"
    console.login("sam", PASSWORD)  # another supervisor may
    console.reopen(sid, "second look at the ears requested")
    console.login("otto", PASSWORD)
    console.approve(sid, "same person: ears and hairline agree")
    assert store.verify().ok


def test_whoever_decided_cannot_reopen_and_whoever_reopened_cannot_decide(console, store, clock, supervisors) -> None:
    """Probe 2: a supervisor rejected, reopened his own verdict and approved."""
    sid = _record(store, clock)
    console.login("sam", PASSWORD)
    console.reject(sid, "the portrait is of someone else")
    with pytest.raises(ReviewNotAllowedError, match="you gave this verdict"):
        console.reopen(sid, "I changed my mind about it")
    console.login("sue", PASSWORD)
    console.reopen(sid, "the ears look the same to me")
    with pytest.raises(ReviewNotAllowedError, match="you reopened this case"):
        console.approve(sid, "same person after all")
    with pytest.raises(ReviewNotAllowedError, match="you reopened"):
        store.decisions.record_review(sid, "sue", "accept", "same person after all")
    console.login("sam", PASSWORD)  # the first reviewer may decide again after a colleague reopened it
    console.approve(sid, "second look: same person")
    console.login("sue", PASSWORD)  # sue did not give this verdict: she may reopen it
    console.reopen(sid, "the chip photo is older than the document")
    console.login("olga", PASSWORD)
    console.reject(sid, "different chin and ears")
    verdicts = [e.details["verdict"] for e in store.audit.events() if e.kind == "review"]
    assert verdicts == ["reject", "reopen", "accept", "reopen", "reject"] and store.verify().ok


def test_an_admin_never_sees_reviews_reopens_or_exports_a_case(console, store, clock, tmp_path) -> None:
    """Probe 3: an admin opened a case with identity and images, reopened a reviewed case and exported it."""
    sid = _record(store, clock, images=evidence_images(2))
    console.login("olga", PASSWORD)
    console.approve(sid, "portrait compared by eye: same person")
    console.login("ada", PASSWORD)
    viewed_before = [e for e in store.audit.events() if e.kind in ("session_viewed", "image_viewed")]
    for action in (lambda: console.open_case(sid), lambda: console.reopen(sid, "look again at this case"),
                   lambda: console.export_case(sid, tmp_path / "case.html", with_images=True),
                   lambda: console.approve(sid, "looks fine to me")):
        with pytest.raises(NotAllowedError):
            action()
    assert not (tmp_path / "case.html").exists()
    assert [e for e in store.audit.events() if e.kind in ("session_viewed", "image_viewed")] == viewed_before
    with pytest.raises(ReviewNotAllowedError, match="supervisor"):  # and past the console, storage refuses
        store.decisions.reopen_review(sid, "ada", "look again at this case")
    pending = _record(store, clock)
    with pytest.raises(ReviewNotAllowedError, match="admin takes no case decisions"):
        store.decisions.record_review(pending, "ada", "accept", "looks fine to me")
    # What an admin keeps: accounts, the report and the audit trail (no identity in either).
    assert console.report().days and console.audit_trail()[0].ok and console.reviews()
