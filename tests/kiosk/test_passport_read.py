"""``kiosk passport read --virtual``: reads, saves, verifies end to end; bad input is refused clearly."""
from __future__ import annotations

import argparse
import json

import pytest
from PIL import Image

from kiosk.commands._passport_read import add_read_parser
from kiosk.errors import BadInputError

MRZ_ARGS = ["--mrz-doc", "L898902C3", "--mrz-birth", "740812", "--mrz-expiry", "120415"]


def _run(tmp_path, *extra: str) -> tuple[int, dict]:
    parser = argparse.ArgumentParser()
    add_read_parser(parser.add_subparsers())
    out, report = tmp_path / "out", tmp_path / "report.json"
    args = parser.parse_args(["read", *extra, "--out", str(out), "--json", str(report),
                              "--data-dir", str(tmp_path / "state")])
    code = args.func(args)
    return code, json.loads(report.read_text())


def test_virtual_read_saves_verifies_and_reports(tmp_path, capsys) -> None:
    code, report = _run(tmp_path, "--virtual", *MRZ_ARGS)
    assert code == 0, report
    assert report["read_complete"] and report["access_method"] == "PACE"
    out = tmp_path / "out"
    for name in ("EF_COM.bin", "EF_SOD.bin", "DG1.bin", "DG2.bin", "EF_CardAccess.bin"):
        assert (out / name).stat().st_size == report["files"][name] > 0
    assert Image.open(out / "portrait.png").size == (240, 320)
    pa = report["passive_authentication"]
    assert pa["passed"] and pa["signature"] == "valid" and pa["chain"] == "valid"
    assert pa["hashes"]["DG1"] == pa["hashes"]["DG2"] == "match"
    assert {"card_access", "pace", "com", "sod", "dg1", "dg2"} <= set(report["phases_s"])
    assert pa["hashes"]["DG14"] == pa["hashes"]["DG15"] == "match"
    assert report["chip_authentication"]["passed"] and report["active_authentication"]["passed"]
    printed = capsys.readouterr().out
    assert "passive authentication: PASSED" in printed
    assert "chip authentication: PASSED" in printed and "active authentication: PASSED" in printed
    # Neither the report nor the console carries the MRZ.
    assert "L898902C3" not in json.dumps(report) and "L898902C3" not in printed
    assert b"L898902C3" in (out / "DG1.bin").read_bytes()


def test_virtual_read_with_bac_only(tmp_path) -> None:
    code, report = _run(tmp_path, "--virtual", "--bac", *MRZ_ARGS)
    assert code == 0
    assert report["access_method"] == "BAC"
    assert "pace" not in report["phases_s"]


def test_virtual_read_with_can(tmp_path) -> None:
    code, report = _run(tmp_path, "--virtual", "--can", "123456")
    assert code == 0, report
    assert report["access_method"] == "PACE"


@pytest.mark.parametrize("extra, message", [
    (["--mrz-doc", "L898902C3", "--mrz-birth", "7408", "--mrz-expiry", "120415"], "six digits"),
    (["--mrz-doc", "L898902C3"], "give --mrz-doc"),
    (["--mrz-doc", "L898902C3", "--mrz-birth", "740899", "--mrz-expiry", "120415"], "not a date"),
    (["--can", "123456", "--bac"], "BAC needs the MRZ"),
    (["--can", "12a456"], "CAN must be digits"),
    (["--can", "123456", *MRZ_ARGS], "not both"),
])
def test_bad_input_is_refused(tmp_path, extra, message) -> None:
    with pytest.raises(BadInputError, match=message):
        _run(tmp_path, "--virtual", *extra)


def test_virtual_cam_read_saves_card_security_and_a_chip_record(tmp_path) -> None:
    code, report = _run(tmp_path, "--virtual", "--virtual-pace", "CAM", *MRZ_ARGS)
    assert code == 0, report
    assert report["chip_authentication"]["passed"] and report["chip_authentication"]["protocol"] == "PACE-CAM"
    assert report["passive_authentication"]["card_security"] == "valid"
    out = tmp_path / "out"
    assert (out / "EF_CardSecurity.bin").stat().st_size > 0
    record = json.loads((out / "chip_record.json").read_text())
    assert record["format"] == "idkiosk-chip-record/1" and record["pace_mapping"] == "CAM"
    assert b"L898902C3" not in (out / "chip_record.json").read_bytes()  # hashes of DG1, never DG1 itself
    assert (out / "chip_record.json").stat().st_mode & 0o077 == 0
