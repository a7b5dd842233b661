"""Issue 25 end to end on the demo's virtual passport: a kiosk session keeps its chip record sealed in the store,
``kiosk evidence export`` writes it signed and placed in the audit chain, and ``kiosk evidence verify`` passes it on
a clean folder holding only the issuer's CSCA; a flipped byte fails naming the part."""
from __future__ import annotations

import json

import pytest

from kiosk.workflow.events import ResultReady
from storage import open_storage
from tests.kiosk.test_evidence_verify import run  # the command as a user runs it, exit codes and all


@pytest.fixture(scope="module")
def session(engine, photo_rgb, tmp_path_factory):
    from inference.challenge_steps import parse_steps
    from kiosk.workflow.config import DevicesConfig, KioskConfig
    from kiosk.workflow.controller import KioskWorkflow
    from kiosk.workflow.demo import Autoplay, build_demo, run_until_attract

    data = tmp_path_factory.mktemp("kiosk")
    devices = build_demo(engine, "customer", photo_rgb=photo_rgb, link=None)
    steps = tuple(parse_steps("blink,turn_left", engine.challenge))  # as the workflow tests run one session
    wf = KioskWorkflow(engine, devices, data, config=KioskConfig(devices=DevicesConfig(camera_stall_s=0.5)),
                       retry_pause_s=0.05, challenge=lambda: steps)
    Autoplay(wf)
    try:
        events = run_until_attract(wf, timeout_s=180.0)
    finally:
        wf.shutdown()
    result = next(e for e in events if isinstance(e, ResultReady))
    clean = tmp_path_factory.mktemp("auditor")  # a machine that never saw the kiosk: the CSCA and the file only
    (clean / "csca.der").write_bytes(devices.reader.csca_certificate)
    return data, result.session_id, clean


def test_a_kiosk_session_keeps_its_chip_record_sealed_and_announced(session) -> None:
    data, session_id, _ = session
    st = open_storage(data)
    try:
        detail = st.decisions.load_session(session_id, actor="test")
        assert detail.chip_record is not None and detail.chip_record.kind == "chip_record"
        assert "chip_record" not in {i.kind for i in detail.images}  # not shown as a picture
        _, raw = st.decisions.load_image(detail.chip_record.image_id, actor="test")
        stored = json.loads(raw)
        assert stored["policy_version"] and stored["model_versions"] and stored["config_hash"]
        assert stored["chip_record"]["decided_by"]["csca"][0]["sha256"]
        assert {"EF.SOD", "DG15"} <= set(stored["chip_record"]["parts"])
        event = next(e for e in st.audit.events(limit=10_000) if e.kind == "decision" and e.session_id == session_id)
        assert event.details["chip_record"]["id"] == detail.chip_record.image_id
        assert st.verify().ok
    finally:
        st.close()
    # the encrypted blob on disk holds no chip bytes in clear
    blob = next((data / "blobs").rglob(detail.chip_record.image_id + "*")).read_bytes()
    assert b"EF.SOD" not in blob and b"idkiosk-session-chip-record" not in blob


def test_export_then_verify_on_a_clean_machine_passes(session, capsys) -> None:
    data, session_id, clean = session
    out = clean / "evidence.json"
    assert run("evidence", "export", session_id, "--out", str(out), "--data-dir", str(data)) == 0
    size = out.stat().st_size
    assert size < 64 * 1024, size  # the target: one session's record under 64 kB without images
    assert out.stat().st_mode & 0o077 == 0
    capsys.readouterr()
    assert run("evidence", "verify", str(out), "--trust", str(clean / "csca.der")) == 0
    text = capsys.readouterr().out
    assert "FAIL" not in text and "chip evidence: every part verified" in text
    assert "PASS  kiosk signature: valid, by the key in the file (fingerprint ed-" in text
    assert "PASS  chain position: announced by audit event" in text
    assert "PASS  EF.SOD: signature valid, chain to a trusted CSCA valid" in text
    assert "PASS  active authentication" in text


def test_a_flipped_byte_in_the_chip_part_fails_naming_the_part(session, tmp_path, capsys) -> None:
    data, session_id, clean = session
    out = tmp_path / "evidence.json"
    assert run("evidence", "export", session_id, "--out", str(out), "--data-dir", str(data)) == 0
    text = out.read_text()
    lines = text.splitlines(keepends=True)
    # every line of the record's parts (one part per line), a byte flipped in the middle of its value and on its key
    start = next(i for i, line in enumerate(lines) if line.strip().startswith('"record": {'))
    targets = [i for i, line in enumerate(lines[start:], start) if '": ' in line and line.strip()[0] == '"'
               and not line.rstrip().endswith("{")][:40]
    assert len(targets) >= 10
    for i in targets:
        from kiosk.evidence_check import line_part

        line = lines[i]
        names = [n for n in line_part(lines, i).split("/") if n != "parts"]  # the part and the objects around it
        for pos in (line.index('"') + 2, len(line) - 4):
            flipped = bytearray(line.encode())
            flipped[pos] ^= 0x01
            damaged = "".join(lines[:i]) + flipped.decode("latin-1") + "".join(lines[i + 1:])
            (tmp_path / "damaged.json").write_text(damaged, encoding="latin-1")
            capsys.readouterr()
            code = run("evidence", "verify", str(tmp_path / "damaged.json"), "--trust", str(clean / "csca.der"))
            said = capsys.readouterr().out
            assert code == 1, (names, pos, said)
            fails = [s for s in said.splitlines() if s.startswith("FAIL")]
            assert any(n in s or n.replace("_", " ") in s for s in fails for n in names), (names, pos, said)


def test_the_given_kiosk_key_must_be_the_signer(session, tmp_path, capsys) -> None:
    data, session_id, clean = session
    out = tmp_path / "evidence.json"
    assert run("evidence", "export", session_id, "--out", str(out), "--data-dir", str(data)) == 0
    from storage.head_signing import head_signing_public_key

    st = open_storage(data)
    try:
        _, public = head_signing_public_key(st.keys.keys)
    finally:
        st.close()
    reg = tmp_path / "kiosk.json"
    reg.write_text(json.dumps({"kiosk_id": json.loads(out.read_text())["kiosk_id"], "public_key": public}))
    assert run("evidence", "verify", str(out), "--trust", str(clean / "csca.der"), "--kiosk-key", str(reg)) == 0
    assert "PASS  kiosk key: the file is signed by the given kiosk key" in capsys.readouterr().out
    other = "A" * 43 + "="
    assert run("evidence", "verify", str(out), "--trust", str(clean / "csca.der"), "--kiosk-key", other) == 1
    assert "FAIL  kiosk key: the file is not signed by the given kiosk key" in capsys.readouterr().out
