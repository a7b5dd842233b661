"""``kiosk trust list``: what is trusted, from where and until when, on the real NL master list."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.commands import trust_cmd


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    trust_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def test_list_shows_source_validity_and_crl_state(shared_data: Path, tmp_path: Path, capsys) -> None:
    ml = shared_data / "emrtd/gmrtd/cms/master_list"
    ref = shared_data / "emrtd/bsi_tr03105_5_refdataset_zienit"
    data = str(tmp_path / "kiosk")
    assert run("trust", "import", "--data-dir", data, str(ml / "NL_ROOT_CA.cer"), str(ref / "COL.crl")) == 0
    assert run("trust", "import", "--data-dir", data, str(ml / "NL_ML_2026-07-22.ml")) == 0
    capsys.readouterr()
    assert run("trust", "list", "--data-dir", data, "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    cscas = [r for r in rows if r["kind"] == "CSCA"]
    assert len(cscas) > 400 and all(r["until"] and r["state"] in ("valid", "expired", "not yet valid") for r in cscas)
    by_source = {r["source"].split(" (")[0] for r in cscas}
    assert by_source == {"certificate file NL_ROOT_CA.cer", "master list NL_ML_2026-07-22.ml"}
    assert any("signed by" in r["source"] and "Masterlist Signer NL" in r["source"] for r in cscas)
    import hashlib
    ml_sha = hashlib.sha256((ml / "NL_ML_2026-07-22.ml").read_bytes()).hexdigest()
    assert any(f"list sha256 {ml_sha}" in r["source"] for r in cscas)  # the exact list version that vouched
    crl = [r for r in rows if r["kind"] == "CRL"]
    assert len(crl) == 1 and crl[0]["state"] == "out of date" and crl[0]["source"] == "CRL file COL.crl"
    assert all(len(r["sha256"]) == 64 and r["imported"] for r in rows)
    # the text form says the same, one line each
    assert run("trust", "list", "--data-dir", data) == 0
    text = capsys.readouterr().out.splitlines()
    assert len(text) == len(rows) and "from certificate file NL_ROOT_CA.cer" in "\n".join(text)


def test_provenance_is_informational_only(shared_data: Path, tmp_path: Path, capsys) -> None:
    data = tmp_path / "kiosk"
    cert = shared_data / "emrtd/gmrtd/cms/master_list/NL_ROOT_CA.cer"
    assert run("trust", "import", "--data-dir", str(data), str(cert)) == 0
    provenance = data / "trust/provenance.json"
    assert provenance.stat().st_mode & 0o077 == 0
    provenance.write_text("{ not json", encoding="utf-8")  # damaged notes never block the store
    capsys.readouterr()
    assert run("trust", "list", "--data-dir", str(data)) == 0
    assert "source not recorded" in capsys.readouterr().out
    assert run("trust", "import", "--data-dir", str(data), str(cert)) == 0  # re-import writes the notes anew
    assert json.loads(provenance.read_text())
