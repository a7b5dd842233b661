"""`kiosk run` without devices: the headless demo reads the virtual passport, runs both sessions and
records them; the printed-photo attacker is always rejected and the audit chain verifies."""
from __future__ import annotations

from pathlib import Path

from kiosk.cli import main
from storage import open_storage


def test_headless_demo_records_its_sessions_and_leaves_a_case(tmp_path: Path, capsys) -> None:
    assert main(["run", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "passive authentication passed, chip authentication passed, active authentication passed" in out
    assert "audit chain intact" in out
    st = open_storage(tmp_path)
    try:
        sessions = st.decisions.list_sessions(newest_first=False)
        assert [s.mode for s in sessions] == ["demo", "demo", "demo"]
        attacker = sessions[1]
        assert attacker.outcome == "reject"
        assert set(attacker.reasons) & {"PAD_SUSPECTED_PRINT", "LIVENESS_CHALLENGE_FAILED"}
        # The third customer's passport expired: a case waits for a person, and the demo says how to open it.
        expired = sessions[2]
        assert expired.outcome == "review" and "DOCUMENT_EXPIRED" in expired.reasons
        assert st.decisions.pending_count() == 1
        assert f"kiosk review --data-dir {tmp_path}" in out and "kiosk operator add" in out
        assert f"kiosk review queue --user NAME --data-dir {tmp_path}" in out  # the command line too
        assert "kiosk review show CASE" in out and "kiosk review approve|reject CASE --note" in out
        assert st.audit.verify().ok
    finally:
        st.close()


def test_runs_repeats_only_an_attacker(tmp_path: Path) -> None:
    # Refused before any model loads: --runs measures an attacker's sessions, not the customer's.
    assert main(["run", "--headless", "--runs", "3", "--data-dir", str(tmp_path)]) == 2


def test_a_session_that_runs_a_time_limit_out_is_named_not_a_traceback(tmp_path: Path, capsys) -> None:
    # A loaded machine can run a screen's limit out; here the face screen gets 0.05 s, so it always does.
    config = tmp_path / "slow.toml"
    config.write_text('kiosk_id = "demo-kiosk"\n[timeouts]\nface = 0.05\n', encoding="utf-8")
    code = main(["run", "--headless", "--attack", "replay", "--config", str(config), "--data-dir", str(tmp_path / "d")])
    out = capsys.readouterr().out
    assert code == 1
    assert "-> no decision: the face screen's time limit (0.05 s) ran out" in out
    assert "ended without a decision" in out and "audit chain intact" in out
    st = open_storage(tmp_path / "d")
    try:
        assert [e.details["state"] for e in st.audit.events() if e.kind == "session_ended"] == ["face"]
    finally:
        st.close()
