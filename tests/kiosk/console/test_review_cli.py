"""``kiosk review queue|show|approve|reject|reopen`` and ``kiosk operator list`` end to end on a real store
(issue 23, items 2 and 3): signed in through the console service, so the four-eyes and role refusals, the
wrong password and the lockout are the window's typed errors and messages, printed without a traceback
and with a non-zero exit; ``--json`` parses; no image bytes on the terminal; no Qt imported."""
from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage import FixedClock, open_storage

from kiosk.cli import main
from kiosk.console.sample import sample_record

from console_helpers import PASSWORD, T0, evidence_images

ROOT = Path(__file__).resolve().parents[3]
CHEAP = "[storage.operators]\nscrypt_log2_n = 14\n"


@pytest.fixture
def site(tmp_path: Path) -> dict:
    """A store with accounts of every role and three REVIEW cases (one assisted by the supervisor sue),
    one ACCEPT; closed before the command line opens it, as on a server."""
    data, config = tmp_path / "data", tmp_path / "kiosk.toml"
    config.write_text(CHEAP)
    from storage import load_storage_config

    clock = FixedClock(T0)
    st = open_storage(data, load_storage_config(config), clock=clock)
    try:
        for name, role in (("olga", "operator"), ("otto", "operator"), ("sam", "supervisor"), ("sue", "supervisor"),
                           ("ada", "admin")):
            st.operators.add(name, role, PASSWORD, "cli:test")
        ids = {}
        for key, kw in (("expired", {"reasons": ("DOCUMENT_EXPIRED",), "images": evidence_images(1)}),
                        ("berlin", {"kiosk_id": "branch-berlin", "reasons": ("FACE_MATCH_BORDERLINE",),
                                    "match_score": 0.8972170352935791}),
                        ("assisted", {"mode": "assisted", "assisted_by": "sue"}),
                        ("accepted", {"outcome": "accept"})):
            clock.advance(minutes=5)
            outcome = kw.pop("outcome", "review")
            ids[key] = st.decisions.record_session(sample_record(outcome, clock.now(), **kw)).session_id
    finally:
        st.close()
    return {"data": data, "config": config, **ids}


@pytest.fixture
def kiosk(site, monkeypatch, capsys):
    """Run ``kiosk ARGS`` in-process with ``stdin`` fed; returns (exit status, stdout, stderr)."""
    def run(*argv: str, stdin: str = PASSWORD + "\n", user: str | None = None) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        login = ["--user", user, "--password-stdin"] if user else []
        code = main([*argv, *login, "--data-dir", str(site["data"]), "--config", str(site["config"])])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err
    return run


def _events(site, kind: str) -> list:
    st = open_storage(site["data"])
    try:
        return [e for e in st.audit.events() if e.kind == kind]
    finally:
        st.close()


def _state(site, key: str):
    st = open_storage(site["data"])
    try:
        return next(s for s in st.decisions.list_sessions() if s.session_id == site[key])
    finally:
        st.close()


def test_queue_json_lists_the_cases_with_the_consoles_filters(kiosk, site) -> None:
    code, out, _ = kiosk("review", "queue", "--json", user="olga")
    page = json.loads(out)
    assert code == 0 and page["total"] == 3 and page["page"] == 1
    assert [i["session_id"] for i in page["items"]] == [site["expired"], site["berlin"], site["assisted"]]
    assert page["items"][0]["reasons"] == [{"code": "DOCUMENT_EXPIRED", "text": "The document has expired."}]
    code, out, _ = kiosk("review", "queue", "--json", "--kiosk", "branch-berlin", user="olga")
    assert [i["session_id"] for i in json.loads(out)["items"]] == [site["berlin"]]
    code, out, _ = kiosk("review", "queue", "--json", "--reason", "document_expired", user="olga")
    assert [i["session_id"] for i in json.loads(out)["items"]] == [site["expired"]]
    code, out, _ = kiosk("review", "queue", "--json", "--all", "--outcome", "accept", user="olga")
    assert [i["session_id"] for i in json.loads(out)["items"]] == [site["accepted"]]
    code, out, _ = kiosk("review", "queue", user="olga")  # the text table: one line per case, short ids
    assert code == 0 and out.splitlines()[0].startswith("3 cases waiting for review")
    assert site["expired"][:12] in out and "DOCUMENT_EXPIRED" in out
    logins = [e.details for e in _events(site, "login_ok")]
    assert logins and all(d.get("where") == "review-cli" for d in logins)
    assert len(_events(site, "logout")) == len(logins)  # every command signs out again


def test_show_says_what_a_reviewer_needs_in_words_never_image_bytes(kiosk, site) -> None:
    code, out, _ = kiosk("review", "show", site["berlin"][:10], user="olga")
    assert code == 0
    assert "MUSTERMANN, ERIKA" in out and "born 1964-08-12" in out  # the identity line the window shows
    assert "C01X00T47" not in out  # the document number: the window does not show it either
    assert "The live face and the passport portrait are similar" in out
    assert "Passive authentication: passed - Genuine" in out
    assert "(score 0.897; review from" in out and "0.8972" not in out  # rounded as the kiosk shows it
    liveness = out.split("Liveness:")[1].split("Earlier sessions")[0].strip().splitlines()
    assert all(any(w in line for w in ("passed", "flagged", "not run")) for line in liveness), liveness
    assert "Passive liveness: passed (score 0.120 against 0.200" in out
    code, out, _ = kiosk("review", "show", site["expired"], "--json", user="olga")
    case = json.loads(out)
    assert case["reasons"][0]["code"] == "DOCUMENT_EXPIRED" and case["match"]["score"] == 0.31
    assert sorted(case["images_stored"]) == ["audit_frame", "audit_frame", "dg2", "live"]
    assert "\\xff\\xd8" not in out and "JFIF" not in out and "rgb" not in case  # no image data at all
    viewed = _events(site, "session_viewed")
    assert [e.session_id for e in viewed] == [site["berlin"], site["expired"]]
    assert _events(site, "image_viewed") == []  # no image was read for a terminal


def test_approve_then_a_second_review_is_refused(kiosk, site) -> None:
    code, out, _ = kiosk("review", "approve", site["expired"], "--note", "expired a week ago, same person",
                         user="olga")
    assert code == 0 and f"case {site['expired']} approved by olga" in out
    assert _state(site, "expired").final_outcome == "accept"
    code, _, err = kiosk("review", "reject", site["expired"], "--note", "second thoughts here", user="otto")
    assert code == 1 and "already reviewed" in err
    code, _, err = kiosk("review", "approve", "", "--note", "no case named here", user="otto")
    assert code == 2 and "give the session id" in err
    code, _, err = kiosk("review", "reject", site["berlin"], "--note", "ok", user="otto")
    assert code == 2 and "note of at least 5 characters" in err
    assert _state(site, "berlin").review_state == "pending"


def test_four_eyes_refusals_through_the_command_line(kiosk, site) -> None:
    # the clerk of an assisted session neither reviews it ...
    code, _, err = kiosk("review", "approve", site["assisted"], "--note", "I was there, it was her", user="sue")
    assert code == 1 and "kiosk: four eyes: the clerk who ran this assisted session cannot review it" in err
    assert kiosk("review", "reject", site["assisted"], "--note", "portrait of someone else", user="olga")[0] == 0
    # ... nor reopens it
    code, _, err = kiosk("review", "reopen", site["assisted"], "--note", "I was there, it was her", user="sue")
    assert code == 1 and "clerk who ran this assisted session cannot reopen it" in err
    # whoever decided cannot reopen their own verdict
    assert kiosk("review", "reject", site["berlin"], "--note", "different ears and chin", user="sam")[0] == 0
    code, _, err = kiosk("review", "reopen", site["berlin"], "--note", "I changed my mind", user="sam")
    assert code == 1 and "you gave this verdict, so you cannot reopen it" in err
    # an operator may not reopen at all
    code, _, err = kiosk("review", "reopen", site["berlin"], "--note", "look again please", user="olga")
    assert code == 1 and "a operator may not do this (oversee)" in err
    # whoever reopened cannot decide afterwards
    assert kiosk("review", "reopen", site["berlin"], "--note", "the ears look the same", user="sue")[0] == 0
    code, _, err = kiosk("review", "approve", site["berlin"], "--note", "same person after all", user="sue")
    assert code == 1 and "you reopened this case" in err
    assert _state(site, "berlin").review_state == "pending"
    # an admin never opens, decides or reopens a case
    for argv in (("show", site["expired"]), ("approve", site["expired"], "--note", "looks fine to me"),
                 ("reopen", site["assisted"], "--note", "look again at this")):
        code, out, err = kiosk("review", *argv, user="ada")
        assert code == 1 and "kiosk: a admin may not do this (review)" in err, err
        assert "MUSTERMANN" not in out
    assert _events(site, "session_viewed") == []
    verdicts = [e.details["verdict"] for e in _events(site, "review")]
    assert verdicts == ["reject", "reject", "reopen"]


def test_wrong_password_then_lockout(kiosk, site) -> None:
    code, _, err = kiosk("review", "queue", user="olga", stdin="wrong password\n")
    assert code == 1 and err.startswith("kiosk: ") and "password" in err.lower()
    for _ in range(4):
        kiosk("review", "queue", user="olga", stdin="wrong password\n")
    code, out, err = kiosk("review", "queue", user="olga")  # the right password, but the account is locked
    assert code == 1 and "locked" in err and out == ""
    code, out, _ = kiosk("operator", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0 and rows["olga"]["locked"] and not rows["otto"]["locked"]
    assert set(rows["ada"]) >= {"name", "role", "enabled", "locked", "tampered"} and rows["ada"]["role"] == "admin"


def test_password_from_an_environment_variable_never_an_option(kiosk, site, monkeypatch) -> None:
    monkeypatch.setenv("REVIEW_PW", PASSWORD)
    code, out, _ = kiosk("review", "queue", "--json", "--user", "olga", "--password-env", "REVIEW_PW")
    assert code == 0 and json.loads(out)["total"] == 3
    code, _, err = kiosk("review", "queue", "--user", "olga", "--password-env", "NOT_SET_ANYWHERE")
    assert code == 2 and "NOT_SET_ANYWHERE" in err
    with pytest.raises(SystemExit):  # there is no --password option to put a secret on a command line
        main(["review", "queue", "--user", "olga", "--password", PASSWORD])


def test_operator_list_shows_disabled_and_tampered_accounts(kiosk, site) -> None:
    assert kiosk("operator", "disable", "otto")[0] == 0
    con = sqlite3.connect(site["data"] / "kiosk.db")  # someone raises a role in the database: the seal breaks
    con.execute("UPDATE operators SET role = 'admin' WHERE username = 'olga'")
    con.commit()
    con.close()
    code, out, _ = kiosk("operator", "list")
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert code == 0 and lines["otto"].split()[2] == "no"  # enabled: no
    assert "yes:" in lines["olga"] and "kiosk operator restore" in lines["olga"]
    assert lines["sam"].split()[1:] == ["supervisor", "yes", "no", "no"]


def test_the_command_line_review_imports_no_qt(site) -> None:
    code = ("import sys; from kiosk.cli import main; "
            f"sys.stdin = __import__('io').StringIO({PASSWORD!r} + '\\n'); "
            f"rc = main(['review', 'show', {site['expired']!r}, '--user', 'olga', '--password-stdin', "
            f"'--data-dir', {str(site['data'])!r}, '--config', {str(site['config'])!r}]); "
            "print('QT' if any(m.startswith('PySide6') for m in sys.modules) else 'NO-QT', rc)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().endswith("NO-QT 0"), out.stdout + out.stderr


def test_review_without_an_action_opens_the_window_or_says_it_is_not_installed(tmp_path, monkeypatch) -> None:
    import kiosk.plugins
    from kiosk.cli import build_parser

    args = build_parser().parse_args(["review", "--data-dir", str(tmp_path)])
    assert args.func.__module__ == "kiosk.commands.review_cmd"  # the command opens the window's front end
    monkeypatch.setattr(kiosk.plugins, "frontend", lambda name="qt": None)  # the kiosk package alone (no ui)
    with pytest.raises(Exception, match="window is not installed"):
        args.func(args)