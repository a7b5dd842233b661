"""The back office's signing key files (``kiosk backoffice signing-keygen``)."""
from __future__ import annotations

import json
import stat

import pytest

from kiosk.cli import main
from storage.backoffice_signing import read_signing_key, read_signing_public_key, signing_key_id
from storage.errors import KeyStoreError
from storage.key_backup import WrongPassphraseError


def test_signing_keygen_writes_an_encrypted_key_and_a_checked_public_file(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("P", "signing passphrase 2026")
    assert main(["backoffice", "signing-keygen", "--out", str(tmp_path), "--passphrase-env", "P"]) == 0
    assert "kiosk central init" in capsys.readouterr().out
    key_file, pub_file = sorted(tmp_path.glob("bos-*.key"))[0], sorted(tmp_path.glob("bos-*.pub"))[0]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public = read_signing_public_key(pub_file)
    assert pub_file.stem == signing_key_id(public)
    signer = read_signing_key(key_file, "signing passphrase 2026")
    assert signer.public_key == public and signer.key_id == pub_file.stem
    assert "signing passphrase" not in key_file.read_text()
    with pytest.raises(WrongPassphraseError):
        read_signing_key(key_file, "another passphrase 2026")
    doc = json.loads(pub_file.read_text())
    doc["key_id"] = "bos-000000000000000000000000"
    pub_file.write_text(json.dumps(doc))
    with pytest.raises(KeyStoreError, match="not the fingerprint"):
        read_signing_public_key(pub_file)
    with pytest.raises(KeyStoreError, match="not a back-office signing public key"):
        read_signing_public_key(key_file)  # the private file given where the public one belongs
