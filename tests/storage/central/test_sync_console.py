"""The operator console pointed at the central store: one queue across kiosks with a kiosk filter, cases
opened from sealed evidence, a central review stored there and audited, kiosk histories untouched."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from fleet_helpers import OPERATOR_PASSWORD, kiosk_config, make_kiosk
from kiosk.console import Console
from kiosk.console.errors import NotAllowedError
from kiosk.console.queue import QueueFilter
from storage.backoffice_keys import BackofficeKeyring, generate_key_pair
from storage.central import schema
from storage.central.central_audit import CentralKind, verify_central_audit
from storage.central.fleet_view import open_fleet_console_storage
from storage.central.push import SyncOptions, Syncer
from storage.central.verify import verify_central
from storage.errors import StorageInputError
from storage.sealed_evidence import record_backoffice_key

PASS = "back office passphrase"


@pytest.fixture
def fleet_console(central, tmp_path, make_record, clock):  # type: ignore[no-untyped-def]
    """Kiosks k1 (6 sessions, 2 flagged) and k2 (3 sessions, 1 flagged) synced with evidence; a console on the centre."""
    public, _, _ = generate_key_pair(tmp_path / "bo-keys", PASS, log2_n=14)
    for kiosk_id, n in (("k1", 6), ("k2", 3)):
        st = make_kiosk(tmp_path, kiosk_id, n, make_record, clock, central, reviews=0)
        record_backoffice_key(st, public, "t")
        Syncer(st, central, kiosk_id, SyncOptions(push_evidence=True)).run()
        st.close()
    fst = open_fleet_console_storage(tmp_path / "backoffice", central.url, BackofficeKeyring(tmp_path / "bo-keys", PASS),
                                     config=kiosk_config(), clock=clock)
    fst.operators.add("rita", "operator", OPERATOR_PASSWORD, "t")
    fst.operators.add("sven", "supervisor", OPERATOR_PASSWORD, "t")
    console = Console(fst)
    yield console
    fst.close()


def test_one_queue_across_kiosks_with_a_kiosk_filter(fleet_console) -> None:  # type: ignore[no-untyped-def]
    fleet_console.login("rita", OPERATOR_PASSWORD)
    page = fleet_console.queue()
    assert page.total == 3 and {s.kiosk_id for s in page.items} == {"k1", "k2"}
    assert [s.decided_at for s in page.items] == sorted(s.decided_at for s in page.items)  # oldest first
    only = fleet_console.queue(QueueFilter(kiosk_id="k2"))
    assert only.total == 1 and only.items[0].kiosk_id == "k2"
    assert fleet_console.filter_choices()[0] == ["k1", "k2"]
    assert fleet_console.search(QueueFilter(outcome="accept")).total == 6


def test_a_central_review_is_stored_and_audited_and_kiosk_history_stays_verifiable(
        fleet_console, central) -> None:  # type: ignore[no-untyped-def]
    fleet_console.login("rita", OPERATOR_PASSWORD)
    target = fleet_console.queue(QueueFilter(kiosk_id="k1")).items[0]
    case = fleet_console.open_case(target.session_id)
    assert case.detail.identity is not None and case.detail.identity.surname  # opened from the sealed copy
    assert {i.kind for i in case.images} == {"dg2", "live"} and all(i.rgb is not None for i in case.images)
    review_id = fleet_console.approve(target.session_id, "portrait and chip agree")
    assert fleet_console.queue().total == 2  # gone from the one queue
    with pytest.raises(StorageInputError, match="already reviewed"):
        fleet_console.reject(target.session_id, "second opinion")
    again = fleet_console.open_case(target.session_id)
    assert [(r.operator, r.verdict, r.note) for r in again.detail.reviews] == [
        ("rita", "accept", "portrait and chip agree")]
    assert again.summary.review_state == "reviewed" and again.summary.final_outcome == "accept"
    with central.begin() as conn:
        kinds = [r.kind for r in conn.execute(select(schema.central_audit).order_by(schema.central_audit.c.seq))]
        stored = conn.execute(select(schema.central_reviews)).one()
        assert verify_central_audit(conn).ok
    assert stored.id == review_id and stored.note_ct is not None and b"portrait" not in stored.note_ct
    assert kinds.count(CentralKind.REVIEW) == 1 and CentralKind.SESSION_VIEWED in kinds and "image_viewed" in kinds
    with pytest.raises(NotAllowedError):
        fleet_console.reviews()  # listing reviews is a supervisor's
    fleet_console.logout()
    fleet_console.login("sven", OPERATOR_PASSWORD)
    assert [r.review_id for r in fleet_console.reviews()] == [review_id]
    fleet_console.reopen(target.session_id, "the clerk asked for a second look")
    assert fleet_console.queue().total == 3
    result = verify_central(central)  # the kiosks' pushed rows were not touched by the central review
    assert result.ok, [k.problem for k in result.kiosks]


def test_the_console_window_opens_on_the_central_store(central, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from storage.review_queries import SessionQuery
    from ui.console.app import build_console_window

    window = build_console_window(tmp_path / "backoffice", central_url=central.url)
    qtbot.addWidget(window)
    assert type(window.storage).__name__ == "FleetStorage" and window.storage.queries.count(SessionQuery()) == 0
    window.close()


def test_the_command_line_reviews_at_the_centre_as_the_window_does(
        fleet_console, central, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Issue 23: ``kiosk review ... --central URL`` lists, shows (identity from the sealed copy) and decides
    at the central store, through the same console service as the window."""
    import io
    import json
    import sys

    from kiosk.cli import main

    monkeypatch.setenv("BO_PASSPHRASE", PASS)
    where = ["--user", "rita", "--password-stdin", "--central", central.url, "--data-dir", str(tmp_path / "backoffice"),
             "--backoffice-keys", str(tmp_path / "bo-keys"), "--passphrase-env", "BO_PASSPHRASE"]

    def kiosk(*argv: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(OPERATOR_PASSWORD + "\n"))
        code = main([*argv, *where])
        return code, capsys.readouterr().out

    code, out = kiosk("review", "queue", "--json", "--kiosk", "k2")
    page = json.loads(out)
    assert code == 0 and page["total"] == 1 and page["items"][0]["kiosk_id"] == "k2"
    sid = page["items"][0]["session_id"]
    code, out = kiosk("review", "show", sid[:12], "--json")
    case = json.loads(out)
    assert code == 0 and case["identity"]["surname"] and set(case["images_stored"]) == {"dg2", "live"}
    code, out = kiosk("review", "approve", sid[:12], "--note", "portrait and chip agree")
    assert code == 0 and "approved by rita" in out
    fleet_console.login("sven", OPERATOR_PASSWORD)
    assert fleet_console.search(QueueFilter(session_id=sid)).items[0].final_outcome == "accept"
