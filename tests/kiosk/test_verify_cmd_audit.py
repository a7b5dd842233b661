"""`kiosk verify --data-dir` on a real video file records the session; `kiosk audit verify` passes after
real runs and names the first bad row once an audit row is edited with raw SQL."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from inference.challenge import parse_step
from inference.image import read_image
from inference.synthetic import SyntheticSubject, write_video
from kiosk.cli import main
from kiosk.face_session import FaceEngine
from models.store import ModelStore
from storage import open_storage


def test_verify_records_and_audit_catches_an_edit(tmp_path: Path, capsys) -> None:
    photo_path = ModelStore().asset_path("astronaut")
    engine = FaceEngine.load()
    subject = SyntheticSubject.from_image(read_image(photo_path), engine.detector, engine.pipeline.mesh)
    actions = ["turn_left", "blink"]
    clip = tmp_path / "customer.avi"
    assert write_video(subject.play(subject.follow([parse_step(a) for a in actions])), clip) > 30

    data = tmp_path / "kiosk"
    report = tmp_path / "verify.json"
    for _ in range(2):  # two real sessions in the log
        assert main(["verify", "--portrait", str(photo_path), "--video", str(clip), "--json", str(report),
                     "--challenge", ",".join(actions), "--data-dir", str(data)]) == 0
    result = json.loads(report.read_text())
    assert result["decision"] == "ACCEPT", result
    assert set(result["evidence"]) >= {"quality", "challenge", "planarity", "passive", "match"}

    st = open_storage(data)
    try:
        detail = st.decisions.load_session(result["session_id"], actor="test")
        kinds = sorted(i.kind for i in detail.images)
        assert kinds.count("dg2") == 1 and kinds.count("live") == 1 and "audit_frame" in kinds
    finally:
        st.close()
    capsys.readouterr()
    assert main(["audit", "verify", "--data-dir", str(data)]) == 0

    with sqlite3.connect(data / "kiosk.db") as db:
        seq = db.execute("SELECT min(seq) FROM audit_events WHERE kind = 'decision'").fetchone()[0]
        db.execute("UPDATE audit_events SET actor = 'someone-else' WHERE seq = ?", (seq,))
    assert main(["audit", "verify", "--data-dir", str(data)]) != 0
    assert f"first bad row: seq {seq}" in capsys.readouterr().err
