"""``kiosk passport verify`` and ``kiosk trust import`` end to end on saved files."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import stat
from pathlib import Path

import pytest

from hardware.emrtd.errors import EmrtdError
from hardware.emrtd.virtual.document import make_document
from kiosk.commands import passport_cmd, trust_cmd
from kiosk.errors import BadInputError


def run(*argv: str) -> int:
    """Parse with only these two command groups and map errors as kiosk/cli.py does."""
    parser = argparse.ArgumentParser(prog="kiosk")
    sub = parser.add_subparsers(dest="command")
    passport_cmd.register(sub)
    trust_cmd.register(sub)
    args = parser.parse_args(list(argv))
    try:
        return int(args.func(args))
    except BadInputError:
        return 2
    except EmrtdError:
        return 1


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("doc")
    doc = make_document(issued=dt.date(2026, 1, 15), active_authentication="ec")
    doc.write(base / "files")
    (base / "csca.der").write_bytes(doc.csca_certificate)
    return base / "files", base / "csca.der"


def test_passes_with_its_csca(saved: tuple[Path, Path], tmp_path: Path) -> None:
    files, csca = saved
    out = tmp_path / "r.json"
    assert run("passport", "verify", str(files), "--trust", str(csca), "--json", str(out)) == 0
    report = json.loads(out.read_text())
    for key in ("passed", "signature", "chain", "revocation", "hashes", "expiry", "reasons"):
        assert key in report
    assert report["passed"] is True
    assert report["hashes"] == {"DG1": "match", "DG2": "match", "DG15": "match"}
    assert report["expiry"]["document"] == "expired"


def test_fails_with_other_trust_or_altered_dg2(saved: tuple[Path, Path], tmp_path: Path,
                                               shared_data: Path) -> None:
    files, csca = saved
    out = tmp_path / "r.json"
    other = shared_data / "emrtd/gmrtd/cms/master_list/NL_ROOT_CA.cer"
    assert run("passport", "verify", str(files), "--trust", str(other), "--json", str(out)) == 1
    assert json.loads(out.read_text())["chain"] == "invalid"
    altered = tmp_path / "altered"
    shutil.copytree(files, altered)
    dg2 = bytearray((altered / "DG2.bin").read_bytes())
    dg2[-50] ^= 0xFF
    (altered / "DG2.bin").write_bytes(bytes(dg2))
    assert run("passport", "verify", str(altered), "--trust", str(csca), "--json", str(out)) == 1
    report = json.loads(out.read_text())
    assert report["hashes"]["DG2"] == "mismatch" and report["signature"] == "valid" and not report["passed"]


def test_bad_input_exit_2(saved: tuple[Path, Path], tmp_path: Path) -> None:
    files, csca = saved
    assert run("passport", "verify", str(tmp_path / "absent"), "--trust", str(csca)) == 2
    assert run("passport", "verify", str(tmp_path), "--trust", str(csca)) == 2  # no EF_SOD.bin
    junk = tmp_path / "junk.der"
    junk.write_bytes(b"junk")
    assert run("passport", "verify", str(files), "--trust", str(junk)) == 2
    assert run("passport", "verify", str(files), "--data-dir", str(tmp_path / "empty")) == 2


def test_corrupt_sod_is_exit_1(saved: tuple[Path, Path], tmp_path: Path) -> None:
    files, csca = saved
    broken = tmp_path / "broken"
    shutil.copytree(files, broken)
    (broken / "EF_SOD.bin").write_bytes(b"\x77\x03\x30\x01\x00")
    out = tmp_path / "r.json"
    assert run("passport", "verify", str(broken), "--trust", str(csca), "--json", str(out)) == 1
    assert json.loads(out.read_text())["reasons"]


def test_trust_import_then_verify_real_sod(shared_data: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ml = shared_data / "emrtd/gmrtd/cms/master_list"
    de_ml, nl_ml = str(ml / "DE_ML_2026-05-28-08-28-45.ml"), str(ml / "NL_ML_2026-07-22.ml")
    # On an empty store a master list cannot vouch for itself: refused with the reason, nothing written.
    assert run("trust", "import", de_ml, "--data-dir", str(data_dir)) == 2
    assert not data_dir.exists()
    # The DE CSCA named as master-list signer; the NL CSCA imported as a certificate beside its list
    # (both checked out of band by the operator, in real life).
    assert run("trust", "import", "--ml-signer", str(ml / "DE_ROOT_CA_CSCA07.cer"), de_ml,
               "--data-dir", str(data_dir)) == 0
    assert run("trust", "import", str(ml / "NL_ROOT_CA.cer"), nl_ml, "--data-dir", str(data_dir)) == 0
    assert len(list((data_dir / "trust/csca").iterdir())) > 500
    assert len(list((data_dir / "trust/ml_signer").iterdir())) == 1
    for path in (data_dir, data_dir / "trust", *(data_dir / "trust").rglob("*")):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    assert run("trust", "import", str(tmp_path / "missing"), "--data-dir", str(data_dir)) == 2
    for cc in ("DE", "UK", "MY"):
        folder = tmp_path / cc
        folder.mkdir()
        for f in (shared_data / "emrtd/gmrtd/vectors/pa_real_sod" / cc).iterdir():
            shutil.copy(f, folder / f.name)
        out = tmp_path / f"{cc}.json"
        assert run("passport", "verify", str(folder), "--data-dir", str(data_dir), "--json", str(out)) == 0, cc
        assert json.loads(out.read_text())["chain"] == "valid"


def test_wired_into_kiosk_cli(saved: tuple[Path, Path], tmp_path: Path) -> None:
    from kiosk.cli import main

    files, csca = saved
    assert main(["passport", "verify", str(files), "--trust", str(csca), "--json", str(tmp_path / "r.json")]) == 0
    assert main(["passport", "verify", str(tmp_path / "nope"), "--trust", str(csca)]) == 2
