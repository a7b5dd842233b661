"""``kiosk trust refresh-crl FOLDER``: CRLs from media, each checked under a trusted CSCA and dated."""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from hardware.emrtd.trust import TrustStore
from hardware.emrtd.virtual.document import make_test_pki
from hardware.emrtd.virtual.pki_files import make_test_crl
from kiosk.commands import trust_cmd

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    trust_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def _crl(pki, days_ago: int, serials=()) -> bytes:  # type: ignore[no-untyped-def]
    start = NOW - dt.timedelta(days=days_ago)
    return make_test_crl(pki, serials, this_update=start, next_update=start + dt.timedelta(days=30))


def test_refresh_takes_newer_signed_crls_and_refuses_the_rest(tmp_path: Path, capsys) -> None:
    pki, stranger = make_test_pki(b"refresh-issuer"), make_test_pki(b"someone else", country="YY")
    data = tmp_path / "kiosk"
    (tmp_path / "csca.der").write_bytes(pki.csca_certificate)
    (tmp_path / "old").mkdir()
    (tmp_path / "old/first.crl").write_bytes(_crl(pki, 20))
    assert run("trust", "import", "--data-dir", str(data), str(tmp_path / "csca.der"), str(tmp_path / "old")) == 0
    media = tmp_path / "media"
    media.mkdir()
    (media / "a-newer.crl").write_bytes(_crl(pki, 1, [4242]))
    (media / "b-replayed.crl").write_bytes(_crl(pki, 40))
    (media / "c-future.crl").write_bytes(_crl(pki, -5))
    (media / "d-unknown-issuer.crl").write_bytes(_crl(stranger, 1))
    forged = bytearray(_crl(pki, 2))
    forged[-3] ^= 0x01  # inside the signature
    (media / "e-forged.crl").write_bytes(bytes(forged))
    capsys.readouterr()
    assert run("trust", "refresh-crl", str(media), "--data-dir", str(data)) == 1
    out = capsys.readouterr().out
    assert "a-newer.crl: CRL of" in out and "current" in out
    assert "b-replayed.crl" in out and "not a refresh" in out
    assert "c-future.crl" in out and "dated in the future" in out
    assert "d-unknown-issuer.crl" in out and "no trusted CSCA" in out
    assert "e-forged.crl" in out and ("does not verify" in out or "not a CRL" in out)
    assert "1 CRL file(s) taken, 4 refused" in out
    store = TrustStore.load(data / "trust")
    assert len(store.crls) == 2 and any(4242 in c.revoked for c in store.crls)
    assert any((store.source_of(c.der) or {}).get("source") == "CRL refresh a-newer.crl" for c in store.crls)
    # running the same media again: the new CRL is already held, the others still refused
    assert run("trust", "refresh-crl", str(media), "--data-dir", str(data)) == 1
    assert "a-newer.crl" in capsys.readouterr().out


def test_refresh_bad_input(tmp_path: Path) -> None:
    import pytest

    from kiosk.errors import BadInputError

    with pytest.raises(BadInputError, match="not a folder"):
        run("trust", "refresh-crl", str(tmp_path / "missing"), "--data-dir", str(tmp_path))
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInputError, match="no .crl"):
        run("trust", "refresh-crl", str(tmp_path / "empty"), "--data-dir", str(tmp_path))
