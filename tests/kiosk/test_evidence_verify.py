"""``kiosk evidence verify``: a chip record re-checked with nothing but the record and the issuer's CSCA,
every issuer-signed byte guarded, each failure naming its part."""
from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

import pytest

from hardware.emrtd.certs import load_certificate
from hardware.emrtd.chip_record import MAX_RECORD_BYTES, build_chip_record, verify_chip_record
from hardware.emrtd.password import AccessKey
from hardware.emrtd.trust import TrustStore
from hardware.emrtd.virtual.document import make_test_pki
from hardware.emrtd.virtual.passport import make_virtual_passport
from kiosk.commands import evidence_cmd
from kiosk.errors import BadInputError
from kiosk.workflow.chip_step import read_chip

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    evidence_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    try:
        return int(args.func(args))
    except BadInputError:
        return 2


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, TrustStore, Path, Path]:
    passport = make_virtual_passport(KEY, pace_mapping="CAM")
    store = TrustStore()
    store.add_certificate(load_certificate(passport.csca_certificate))
    result = read_chip(passport.chip, KEY, store)
    assert result.ok and result.passive_authentication.passed
    record = build_chip_record(result, store)
    base = tmp_path_factory.mktemp("evidence")
    (base / "csca.der").write_bytes(passport.csca_certificate)
    (base / "record.json").write_text(json.dumps(record), encoding="utf-8")
    return record, store, base / "record.json", base / "csca.der"


def _write(tmp_path: Path, record: dict) -> Path:
    path = tmp_path / "altered.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def test_record_verifies_with_only_the_csca(recorded, capsys) -> None:
    record, _, path, csca = recorded
    assert run("evidence", "verify", str(path), "--trust", str(csca)) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "every part verified" in out
    assert "PASS  EF.SOD: signature valid, chain to a trusted CSCA valid" in out
    assert "active authentication: the chip's signature (ecdsa-sha256) over the kiosk's challenge verifies" in out
    assert "PACE-CAM: the chip proved it holds the private key" in out
    # what the record keeps, and its size without images
    assert {"EF.SOD", "EF.COM", "DG14", "DG15", "EF.CardSecurity"} <= set(record["parts"])
    assert set(record["data_group_hashes"]["values"]) >= {"DG1", "DG2", "DG14", "DG15"}
    assert "DG1" not in record["parts"] and "DG2" not in record["parts"]
    assert len(path.read_bytes()) < MAX_RECORD_BYTES
    assert record["read_time_verdicts"]["csca_sha256"] and record["read_time_verdicts"]["dsc_sha256"]


def test_unknown_issuer_fails_with_exit_1(recorded, tmp_path, capsys) -> None:
    _, _, path, _ = recorded
    (tmp_path / "other.der").write_bytes(make_test_pki(b"another issuer").csca_certificate)
    assert run("evidence", "verify", str(path), "--trust", str(tmp_path / "other.der")) == 1
    assert "FAIL  EF.SOD" in capsys.readouterr().out


@pytest.mark.parametrize("part,stride", [("DG14", 1), ("DG15", 1), ("EF.SOD", 5), ("EF.CardSecurity", 5)])
def test_a_flipped_byte_in_a_signed_part_fails_naming_the_part(recorded, part: str, stride: int) -> None:
    record, store, _, _ = recorded
    raw = base64.b64decode(record["parts"][part])
    positions = set(range(0, len(raw), stride)) | set(range(min(64, len(raw))))
    signer_version = raw.rfind(b"\x02\x01\x01\x30")  # the SignerInfo version, outside the issuer's signature
    if signer_version > 0:
        positions.add(signer_version + 2)
    for i in sorted(positions):
        altered = bytearray(raw)
        altered[i] ^= 0x01
        copy = json.loads(json.dumps(record))
        copy["parts"][part] = base64.b64encode(bytes(altered)).decode()
        failed = [v.part for v in verify_chip_record(copy, store) if not v.ok]
        assert part in failed, f"flipping byte {i} of {part} went unnoticed ({failed})"


def test_altered_challenge_signature_hash_or_cam_data_fail_naming_the_part(recorded) -> None:
    record, store, _, _ = recorded

    def failed_after(edit) -> list[str]:
        copy = json.loads(json.dumps(record))
        edit(copy)
        return [v.part for v in verify_chip_record(copy, store) if not v.ok]

    def flip_hex(text: str) -> str:
        return text[:-1] + ("0" if text[-1] != "0" else "1")

    assert failed_after(lambda r: r["active_authentication"].update(
        challenge=flip_hex(r["active_authentication"]["challenge"]))) == ["active_authentication"]
    assert failed_after(lambda r: r["active_authentication"].update(
        signature=flip_hex(r["active_authentication"]["signature"]))) == ["active_authentication"]
    assert failed_after(lambda r: r["data_group_hashes"]["values"].update(
        DG1=flip_hex(r["data_group_hashes"]["values"]["DG1"]))) == ["hash of DG1"]
    assert failed_after(lambda r: r["pace_cam"].update(
        chip_authentication_data=flip_hex(r["pace_cam"]["chip_authentication_data"]))) == ["pace_cam"]


def test_bad_input_is_a_clear_error(tmp_path, recorded) -> None:
    _, _, _, csca = recorded
    (tmp_path / "x.json").write_text("not json", encoding="utf-8")
    assert run("evidence", "verify", str(tmp_path / "x.json"), "--trust", str(csca)) == 2
    (tmp_path / "y.json").write_text(json.dumps({"format": "something else"}), encoding="utf-8")
    assert run("evidence", "verify", str(tmp_path / "y.json"), "--trust", str(csca)) == 2
    (tmp_path / "big.json").write_bytes(b" " * (MAX_RECORD_BYTES + 1))
    assert run("evidence", "verify", str(tmp_path / "big.json"), "--trust", str(csca)) == 2


@pytest.mark.parametrize("edit", [
    lambda r: r.update(parts=[1, 2]), lambda r: r.update(active_authentication="x"),
    lambda r: r.update(pace_cam=5), lambda r: r["data_group_hashes"].update(values=[]),
], ids=["parts", "aa", "cam", "hashes"])
def test_wrongly_typed_fields_are_bad_input_not_a_crash(recorded, tmp_path, edit) -> None:
    record, _, _, csca = recorded
    copy = json.loads(json.dumps(record))
    edit(copy)
    assert run("evidence", "verify", str(_write(tmp_path, copy)), "--trust", str(csca)) == 2


def test_any_json_gives_verdicts_or_a_typed_error(recorded) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from hardware.emrtd.chip_record import ChipRecordError

    record, store, _, _ = recorded
    leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=8), inner, max_size=3), max_leaves=8)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(["parts", "data_group_hashes", "active_authentication", "pace_cam"]), values)
    def check(field: str, value: object) -> None:
        copy = json.loads(json.dumps(record))
        copy[field] = value
        try:
            verdicts = verify_chip_record(copy, store)
        except ChipRecordError:
            return
        assert verdicts and all(isinstance(v.words, str) for v in verdicts)

    check()
