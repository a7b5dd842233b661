"""The case view's data, the daily report, the auditor's HTML export and the 10,000-session store."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from storage import FixedClock, StorageConfig, open_storage

from kiosk.console import Console, NotAllowedError, QueueFilter
from kiosk.console.bench import populate
from kiosk.console.reasons import REASON_TEXT
from kiosk.console.sample import sample_record
from kiosk.policy import Reason

from console_helpers import PASSWORD, evidence_images


def test_case_holds_everything_decrypted_in_memory_and_the_opening_is_audited(console, store, clock) -> None:
    rng = np.random.default_rng(3)
    face = rng.normal(size=128)
    clock.advance(minutes=1)
    earlier = store.decisions.record_session(sample_record("reject", clock.now(), document="P1234567",
                                                           template=face)).session_id
    clock.advance(minutes=1)
    other = store.decisions.record_session(sample_record("accept", clock.now(), document="X7654321",
                                                         template=face + rng.normal(scale=0.05, size=128))).session_id
    clock.advance(minutes=1)
    sid = store.decisions.record_session(sample_record("review", clock.now(), document="P1234567", match_score=0.31,
                                                       images=evidence_images(7), template=face)).session_id
    console.login("olga", PASSWORD)
    before = store.audit.head().seq
    case = console.open_case(sid)
    assert case.image("dg2").rgb.shape == (160, 120, 3) and case.image("live").rgb is not None
    assert len(case.audit_frames) == 2
    assert case.match.verdict == "borderline" and case.match.review < case.match.score < case.match.accept
    assert case.reasons[0][0] == "FACE_MATCH_BORDERLINE" and "not clearly the same person" in case.reasons[0][1]
    assert [ok for _, ok, _, _ in case.chip] == [True, True, True, True]
    assert [s.action for s in case.challenge] == ["turn_left", "look_up", "nose_to_target"]
    assert [s.session_id for s in case.same_document] == [earlier]
    assert case.duplicates[0].session_id == other and case.duplicates[0].is_duplicate
    opened = store.audit.events(since_seq=before)
    assert [(e.kind, e.actor, e.session_id) for e in opened][0] == ("session_viewed", "operator:olga", sid)
    assert sorted(e.details["kind"] for e in opened if e.kind == "image_viewed") == \
        ["audit_frame", "audit_frame", "dg2", "live"]


def test_failed_challenge_says_which_step_and_why(console, store, clock) -> None:
    sid = store.decisions.record_session(sample_record("reject", clock.now())).session_id
    console.login("olga", PASSWORD)
    steps = console.open_case(sid).challenge
    assert [(s.passed, s.why_not) for s in steps] == [(True, None), (False, "step 2 (look_up) not done in 5.0 s"),
                                                      (False, "not reached")]


def test_every_reason_code_has_a_plain_sentence() -> None:
    assert set(REASON_TEXT) == set(Reason)


def test_report_counts_backlog_and_time_to_review(console, store, clock) -> None:
    day = clock.now().date()
    for outcome in ("accept", "accept", "reject", "review", "review"):
        clock.advance(minutes=10)
        store.decisions.record_session(sample_record(outcome, clock.now()))
    first = store.decisions.pending_reviews()[0]
    clock.advance(hours=2)
    console.login("olga", PASSWORD)
    console.approve(first.session_id, "checked against the DG2 portrait")
    console.login("sam", PASSWORD)
    r = console.report(last_day=day, days=3)
    assert r.days[-1] == day and r.per_outcome["accept"][-1] == 2 and r.per_outcome["review"][-1] == 2
    assert r.per_reason["FACE_MATCH_BORDERLINE"][-1] == 2 and r.per_reason["PAD_SUSPECTED_PRINT"][-1] == 1
    assert r.backlog == 1 and r.oldest_waiting is not None
    assert r.review_hours and abs(r.review_hours[0] - (2 + 10 / 60)) < 1e-6 and r.reviews_per_day[-1] == 1


def test_case_export_html_without_images_unless_chosen_and_audited(console, store, clock, tmp_path) -> None:
    sid = store.decisions.record_session(sample_record("review", clock.now(), images=evidence_images(2))).session_id
    console.login("olga", PASSWORD)
    console.approve(sid, "<b>same</b> person & same ears")
    with pytest.raises(NotAllowedError):
        console.export_case(sid, tmp_path / "case.html")
    console.login("sam", PASSWORD)
    plain = console.export_case(sid, tmp_path / "case.html").read_text()
    assert sid in plain and "<img" not in plain and "&lt;b&gt;same&lt;/b&gt; person &amp; same ears" in plain
    assert (tmp_path / "case.html").stat().st_mode & 0o077 == 0
    with_images = console.export_case(sid, tmp_path / "case-images.html", with_images=True).read_text()
    assert with_images.count("<img src='data:image/png;base64,") == 4
    with pytest.raises(Exception, match="exists already"):
        console.export_case(sid, tmp_path / "case.html")
    exports = [e.details for e in store.audit.events() if e.kind == "case_exported"]
    assert exports == [{"format": "html", "images": False}, {"format": "html", "images": True}]


def test_ten_thousand_sessions_queue_and_search_page_without_images(tmp_path) -> None:
    clock = FixedClock(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc))
    st = open_storage(tmp_path / "big", StorageConfig.model_validate({"operators": {"scrypt_log2_n": 14}}), clock=clock)
    try:
        populate(st, clock, 10_000)
        st.operators.add("olga", "operator", PASSWORD, "cli:test")
        console = Console(st)
        console.login("olga", PASSWORD)
        page = console.queue()
        assert page.total == 1250 and len(page.items) == 50  # i % 8 == 3 went to review
        assert all(a.decided_at <= b.decided_at for a, b in zip(page.items, page.items[1:]))
        assert all(s.review_state == "pending" and s.integrity_problem is None for s in page.items)
        last = console.queue(page=page.pages - 1)
        assert len(last.items) == 1250 - 50 * 24
        week = QueueFilter(day_from=dt.date(2026, 11, 19), day_to=dt.date(2026, 11, 25), reason="LIVENESS_CHALLENGE_FAILED")
        found = console.search(week)
        assert 0 < found.total < 1000 and all("LIVENESS_CHALLENGE_FAILED" in s.reasons for s in found.items)
        assert st.blobs is not None and not any(True for _ in st.blobs.scan())  # no image was ever written
    finally:
        st.close()


def test_kiosk_bench_review_reports_figures(tmp_path) -> None:
    import json

    from kiosk.cli import main

    out = tmp_path / "bench.json"
    assert main(["bench", "review", "--sessions", "160", "--runs", "1", "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    assert r["sessions"] == 160 and r["queue_first_page_ms"]["total"] == 20  # i % 8 == 3
    assert r["search_ms"]["median"] > 0 and r["queue_first_page_ms"]["rows"] == 20


def test_scores_are_printed_with_the_kiosks_three_decimals() -> None:
    """Issue 23: the quality score reached the screen as 0.8972170352935791; the shared wording rounds it."""
    from kiosk.console.case_text import score_text

    assert score_text(0.8972170352935791) == "0.897" and score_text(1) == "1.000"
    assert score_text(None) == "-" and score_text(True) == "-" and score_text("0.5") == "-"
