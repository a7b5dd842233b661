"""The reviewer's day without Qt: log in, queue, approve and reject with notes, four eyes, reopen,
roles, lockout and the idle auto-lock; everything on the audit chain and `kiosk audit verify` intact."""
from __future__ import annotations

import datetime as dt

import pytest

from storage.errors import AccountLockedError, AuthenticationFailed, StorageInputError

from kiosk.cli import main
from kiosk.console import ConsoleLockedError, NotAllowedError, NotLoggedInError, QueueFilter
from kiosk.console.errors import NoteRequiredError
from kiosk.console.sample import sample_record

from console_helpers import PASSWORD, evidence_images


def _record(store, clock, outcome="review", **kw):
    clock.advance(minutes=5)
    return store.decisions.record_session(sample_record(outcome, clock.now(), **kw)).session_id


def test_approve_one_reject_another_stored_audited_and_verified(console, store, clock) -> None:
    a = _record(store, clock, images=evidence_images(1))
    b = _record(store, clock, images=evidence_images(5))
    _record(store, clock, "accept")
    with pytest.raises(NotLoggedInError):
        console.queue()
    console.login("olga", PASSWORD)
    page = console.queue()
    assert [s.session_id for s in page.items] == [a, b] and page.total == 2  # oldest first, REVIEW only
    with pytest.raises(NoteRequiredError):
        console.approve(a, "  ok ")
    console.approve(a, "portrait compared by eye: same person")
    console.reject(b, "different ear shape and hairline")
    assert console.queue().total == 0
    reviews = {s.session_id: s for s in store.decisions.list_sessions(review_state="reviewed")}
    assert reviews[a].final_outcome == "accept" and reviews[b].final_outcome == "reject"
    detail = store.decisions.load_session(b, "test")
    assert [(r.operator, r.verdict, r.note) for r in detail.reviews] == [("olga", "reject", "different ear shape and hairline")]
    events = [(e.kind, e.actor, e.session_id, e.details.get("verdict")) for e in store.audit.events()
              if e.kind == "review"]
    assert events == [("review", "operator:olga", a, "accept"), ("review", "operator:olga", b, "reject")]
    with pytest.raises(StorageInputError, match="already reviewed"):  # a second review of the same case
        console.reject(a, "changed my mind after all")
    console.login("otto", PASSWORD)  # another operator cannot either
    with pytest.raises(StorageInputError, match="already reviewed"):
        console.reject(a, "I see it differently")
    assert store.verify().ok
    assert main(["audit", "verify", "--data-dir", str(store.data_dir)]) == 0


def test_four_eyes_the_clerk_cannot_review_their_assisted_session(console, store, clock) -> None:
    sid = _record(store, clock, mode="assisted", assisted_by="otto")
    console.login("otto", PASSWORD)
    with pytest.raises(StorageInputError, match="four eyes"):
        console.approve(sid, "I was there, it is her")
    console.login("olga", PASSWORD)
    console.approve(sid, "second pair of eyes: same person")


def test_supervisor_sees_reviews_and_reopens_operator_cannot(console, store, clock) -> None:
    sid = _record(store, clock)
    console.login("olga", PASSWORD)
    console.approve(sid, "same person, checked the ears")
    for action in (lambda: console.reviews(), lambda: console.reopen(sid, "look again please"),
                   lambda: console.report(), lambda: console.audit_trail()):
        with pytest.raises(NotAllowedError):
            action()
    console.login("sam", PASSWORD)
    assert [(r.session_id, r.operator, r.verdict) for r in console.reviews()] == [(sid, "olga", "accept")]
    with pytest.raises(NoteRequiredError):
        console.reopen(sid, "")
    console.reopen(sid, "the portrait is of someone older; look again")
    assert [s.session_id for s in console.queue().items] == [sid]
    result, events = console.audit_trail()
    assert result.ok and events[0].kind == "review" and events[0].details["verdict"] == "reopen"


def test_wrong_passwords_lock_the_account_and_operators_cannot_administer(console, store) -> None:
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            console.login("olga", "wrong password!")
    with pytest.raises(AccountLockedError):
        console.login("olga", "wrong password!")
    with pytest.raises(AccountLockedError):  # locked: even the right password waits
        console.login("olga", PASSWORD)
    console.login("otto", PASSWORD)
    for action in (console.accounts, lambda: console.create_account("eve", "admin", PASSWORD),
                   lambda: console.unlock_account("olga"), lambda: console.reset_password("olga", PASSWORD),
                   lambda: console.disable_account("olga")):
        with pytest.raises(NotAllowedError):
            action()
    console.login("ada", PASSWORD)
    assert next(a for a in console.accounts() if a.username == "olga").locked_until is not None
    console.unlock_account("olga")
    console.create_account("eve", "operator", "a long enough password")
    console.reset_password("otto", "another long password")
    console.disable_account("eve")
    with pytest.raises(NotAllowedError):
        console.disable_account("ada")
    with pytest.raises(NotAllowedError):  # an admin manages accounts, not cases
        console.queue()
    console.login("olga", PASSWORD)
    kinds = [e.kind for e in store.audit.events()]
    assert kinds.count("login_failed") == 5 and "login_locked" in kinds and "operator_unlocked" in kinds
    assert "logout" in kinds and store.verify().ok


def test_idle_console_locks_itself_and_only_a_login_unlocks(console, store, clock, tick) -> None:
    _record(store, clock)
    console.login("olga", PASSWORD)
    tick.t += 299
    console.queue()  # activity restarts the idle time
    tick.t += 299
    assert console.queue().total == 1
    tick.t += 300
    with pytest.raises(ConsoleLockedError):
        console.queue()
    with pytest.raises(ConsoleLockedError):
        console.queue()
    assert [e.kind for e in store.audit.events()].count("console_locked") == 1
    with pytest.raises(AuthenticationFailed):
        console.login("olga", "not her password")
    with pytest.raises(ConsoleLockedError):
        console.queue()
    console.login("olga", PASSWORD)
    assert console.queue().total == 1


def test_queue_filters_count_and_pages(console, store, clock) -> None:
    day1 = clock.now().date()
    ids = [_record(store, clock, kiosk_id="kiosk-01" if i % 2 else "branch-1",
                   mode="kiosk" if i % 2 else "assisted",
                   reasons=("FACE_MATCH_BORDERLINE",) if i % 3 else ("QUALITY_TOO_LOW",)) for i in range(7)]
    clock.advance(days=2)
    late = _record(store, clock)
    console.login("olga", PASSWORD)
    assert console.queue().total == 8
    p0, p1 = console.queue(page=0, page_size=3), console.queue(page=2, page_size=3)
    assert [s.session_id for s in p0.items] == ids[:3] and [s.session_id for s in p1.items] == [ids[6], late]
    assert p0.pages == 3
    assert console.queue(QueueFilter(day_from=day1, day_to=day1)).total == 7
    assert console.queue(QueueFilter(day_from=day1 + dt.timedelta(days=1))).total == 1
    assert console.queue(QueueFilter(kiosk_id="branch-1")).total == 4
    assert console.queue(QueueFilter(mode="kiosk")).total == 4  # three of the first day and the late one
    quality = console.queue(QueueFilter(reason="quality_too_low"))
    assert [s.session_id for s in quality.items] == [ids[0], ids[3], ids[6]]
    assert console.queue(QueueFilter(reason="QUALITY", kiosk_id="branch-1")).total == 0  # whole codes only
    with pytest.raises(Exception, match="reason code"):
        console.queue(QueueFilter(reason="A%"))


def test_search_over_all_sessions(console, store, clock) -> None:
    acc = _record(store, clock, "accept")
    rej = _record(store, clock, "reject")
    rev = _record(store, clock, "review")
    console.login("olga", PASSWORD)
    assert [s.session_id for s in console.search(QueueFilter()).items] == [rev, rej, acc]  # newest first
    assert [s.session_id for s in console.search(QueueFilter(outcome="reject")).items] == [rej]
    assert [s.session_id for s in console.search(QueueFilter(reason="PAD_SUSPECTED_PRINT")).items] == [rej]
    assert [s.session_id for s in console.search(QueueFilter(session_id=acc[:8].upper())).items] == [acc]
    assert [s.session_id for s in console.search(QueueFilter(session_id=acc)).items] == [acc]
    assert console.search(QueueFilter(day_from=clock.now().date() + dt.timedelta(days=1))).total == 0
    with pytest.raises(Exception, match="hexadecimal"):
        console.search(QueueFilter(session_id="zz-top"))
