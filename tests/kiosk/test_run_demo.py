"""`kiosk run` without devices: the headless demo reads the virtual passport, runs both sessions and
records them; the printed-photo attacker is always rejected and the audit chain verifies."""
from __future__ import annotations

from pathlib import Path

from kiosk.cli import main
from storage import open_storage


def test_headless_demo_records_both_sessions(tmp_path: Path, capsys) -> None:
    assert main(["run", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "passive authentication passed, chip authentication passed, active authentication passed" in out
    assert "audit chain intact" in out
    st = open_storage(tmp_path)
    try:
        sessions = st.decisions.list_sessions(newest_first=False)
        assert [s.mode for s in sessions] == ["demo", "demo"]
        attacker = sessions[1]
        assert attacker.outcome == "reject"
        assert set(attacker.reasons) & {"PAD_SUSPECTED_PRINT", "LIVENESS_CHALLENGE_FAILED"}
        assert st.audit.verify().ok
    finally:
        st.close()


def test_runs_repeats_only_an_attacker(tmp_path: Path) -> None:
    # Refused before any model loads: --runs measures an attacker's sessions, not the customer's.
    assert main(["run", "--headless", "--runs", "3", "--data-dir", str(tmp_path)]) == 2
