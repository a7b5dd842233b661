"""`kiosk passport read --data-dir` records the decided session; the audit chain verifies afterwards."""
from __future__ import annotations

from pathlib import Path

from kiosk.cli import main
from storage import open_storage


def test_virtual_read_is_decided_recorded_and_audited(tmp_path: Path, capsys) -> None:
    data = tmp_path / "kiosk"
    args = ["passport", "read", "--virtual", "--mrz-doc", "L898902C3", "--mrz-birth", "740812",
            "--mrz-expiry", "120415", "--out", str(tmp_path / "out"), "--json", str(tmp_path / "r.json"),
            "--data-dir", str(data)]
    assert main(args) == 0
    assert "recorded as session" in capsys.readouterr().out

    st = open_storage(data)
    try:
        sessions = st.decisions.list_sessions()
        assert len(sessions) == 1
        s = sessions[0]
        # ICAO's specimen expired in 2012: the chip is genuine, the document is not current.
        assert s.outcome == "review" and s.reasons == ("DOCUMENT_EXPIRED",)
        detail = st.decisions.load_session(s.session_id, actor="test")
        assert detail.identity is not None and detail.identity.surname  # decrypted for the reviewer
        assert [i.kind for i in detail.images] == ["dg2"]
        assert detail.chip["passive_auth_passed"] is True
    finally:
        st.close()
    assert main(["audit", "verify", "--data-dir", str(data)]) == 0

    # Nothing personal in clear on disk: no document number, no image magic bytes.
    for f in data.rglob("*"):
        if f.is_file() and "keys" not in f.parts:
            blob = f.read_bytes()
            assert b"L898902C3" not in blob, f
            assert b"\xff\xd8\xff" not in blob and b"\x00\x00\x00\x0cjP  " not in blob, f
