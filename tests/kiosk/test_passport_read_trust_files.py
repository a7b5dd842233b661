"""`kiosk passport read`: a revoked DSC fails (exit 1, CHIP_REVOKED), an out-of-date CRL asks for review,
and the files written to --out are private (0700 folder, 0600 files) with a plain warning."""
from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

from hardware.emrtd import certs
from hardware.emrtd.virtual.document import make_test_pki
from hardware.emrtd.virtual.pki_files import make_test_crl
from kiosk.cli import main

MRZ = ["--mrz-doc", "L898902C3", "--mrz-birth", "740812", "--mrz-expiry", "120415"]
NOW = dt.datetime.now(dt.timezone.utc)


def _read(tmp_path: Path, *extra: str, out: Path | None = None) -> tuple[int, dict]:
    report = tmp_path / "r.json"
    code = main(["passport", "read", "--virtual", *MRZ, "--out", str(out or tmp_path / "out"),
                 "--json", str(report), "--data-dir", str(tmp_path / "kiosk"), *extra])
    return code, json.loads(report.read_text())


def _virtual_crl(tmp_path: Path, revoked: bool, *, days_ago: int, valid_days: int) -> Path:
    # The virtual passport is signed under the default seed's TEST PKI: its CSCA key signs this CRL.
    pki = make_test_pki()
    serials = [certs.load_certificate(pki.dsc_certificate).serial_number] if revoked else [99]
    start = NOW - dt.timedelta(days=days_ago)
    path = tmp_path / "test.crl"
    path.write_bytes(make_test_crl(pki, serials, this_update=start, next_update=start + dt.timedelta(days=valid_days)))
    return path


def test_revoked_dsc_fails_with_chip_revoked(tmp_path: Path, capsys) -> None:
    crl = _virtual_crl(tmp_path, revoked=True, days_ago=1, valid_days=30)
    code, report = _read(tmp_path, "--trust", str(crl))
    assert code == 1
    pa = report["passive_authentication"]
    assert pa["revocation"] == "invalid" and not pa["passed"]
    assert report["decision"] == "REJECT" and "CHIP_REVOKED" in report["reasons"]
    assert "passive authentication: FAILED" in capsys.readouterr().out


def test_current_crl_not_listing_the_dsc_is_valid(tmp_path: Path) -> None:
    code, report = _read(tmp_path, "--trust", str(_virtual_crl(tmp_path, revoked=False, days_ago=1, valid_days=30)))
    assert code == 0 and report["passive_authentication"]["revocation"] == "valid"
    assert "CHIP_REVOCATION_UNKNOWN" not in report["reasons"]


def test_out_of_date_crl_makes_revocation_unknown_and_asks_for_review(tmp_path: Path) -> None:
    crl = _virtual_crl(tmp_path, revoked=False, days_ago=100, valid_days=30)
    code, report = _read(tmp_path, "--trust", str(crl))
    pa = report["passive_authentication"]
    assert pa["revocation"] == "unknown" and any("out of date" in r for r in pa["reasons"])
    assert code == 0  # the chip is genuine; whether to trust it without revocation is the policy's call
    assert report["decision"] == "REVIEW" and "CHIP_REVOCATION_UNKNOWN" in report["reasons"]


def test_written_files_are_private_and_announced(tmp_path: Path, capsys) -> None:
    out = tmp_path / "new" / "out"
    code, report = _read(tmp_path, out=out)
    assert code == 0, report
    for path in (tmp_path / "new", out, *out.iterdir()):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    assert {"DG1.bin", "DG2.bin", "portrait.png"} <= {p.name for p in out.iterdir()}
    err = capsys.readouterr().err
    assert "personal data UNENCRYPTED" in err and "DG1.bin" in err and "portrait.png" in err


def test_existing_open_folder_is_left_alone_but_named_and_old_files_tightened(tmp_path: Path, capsys) -> None:
    out = tmp_path / "shared"
    out.mkdir(mode=0o755)
    out.chmod(0o755)
    old = out / "DG1.bin"
    old.write_bytes(b"old")
    old.chmod(0o644)
    code, _ = _read(tmp_path, out=out)
    assert code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o755  # the user's folder: not ours to change
    assert stat.S_IMODE(old.stat().st_mode) == 0o600 and old.read_bytes() != b"old"
    assert "already existed with mode 0755" in capsys.readouterr().err


def test_symlink_in_out_is_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    (out / "DG1.bin").symlink_to(victim)
    code = main(["passport", "read", "--virtual", *MRZ, "--out", str(out), "--json", str(tmp_path / "r.json")])
    assert code == 2  # a clear refusal (BadInputError), nothing written through the link
    assert victim.read_bytes() == b"keep"
