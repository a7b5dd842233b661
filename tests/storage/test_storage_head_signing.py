"""Signed chain heads (issue 12 item 3, kiosk side): the kiosk's Ed25519 key signs (kiosk id, seq,
public chain hash); the signature verifies with the public key `kiosk fleet register` prints and with
nothing else; any change to the head fails; the key survives a key backup and restore."""
from __future__ import annotations

import base64
import hashlib
import json

import pytest

from kiosk.cli import main
from storage.head_signing import (
    HEAD_DOMAIN,
    HeadSignatureError,
    MalformedKeyError,
    head_message,
    head_signing_public_key,
    key_fingerprint,
    sign_head,
    verify_head,
    verify_signed_head,
)
from storage.errors import StorageInputError
from storage.export import public_key_b64
from storage.key_backup import read_backup, write_backup
from storage.keys import KeyMaterial

H = hashlib.sha256(b"some chain").hexdigest()


def test_sign_and_verify(store) -> None:  # type: ignore[no-untyped-def]
    keys = store.keys.keys
    key_id, public = head_signing_public_key(keys)
    assert public == public_key_b64(store.keys)  # the kiosk's one Ed25519 identity
    assert key_id == key_fingerprint(public) and key_id.startswith("ed-") and len(key_id) == 27  # derived, not chosen
    kid, sig = sign_head(keys, "branch-1", 42, H)
    assert kid == key_id
    assert verify_head(public, "branch-1", 42, H, sig)
    verify_signed_head(public, "branch-1", 42, H, sig)
    other = H[:-1] + ("0" if H[-1] != "0" else "1")
    for args in (("branch-2", 42, H), ("branch-1", 41, H), ("branch-1", 43, H), ("branch-1", 42, other)):
        assert not verify_head(public, *args, sig)
    with pytest.raises(HeadSignatureError, match="kiosk branch-1 at seq 43"):
        verify_signed_head(public, "branch-1", 43, H, sig)
    _, stranger = head_signing_public_key(KeyMaterial.generate())
    assert not verify_head(stranger, "branch-1", 42, H, sig)  # another kiosk's key
    raw = bytearray(base64.b64decode(sig))
    raw[0] ^= 1
    for bad_sig in (base64.b64encode(bytes(raw)).decode(), "not base64!", "", base64.b64encode(b"short").decode()):
        assert not verify_head(public, "branch-1", 42, H, bad_sig)
    for bad_key in ("", "AAAA", "not base64!"):
        with pytest.raises(MalformedKeyError, match="kiosk fleet register"):
            verify_head(bad_key, "branch-1", 42, H, sig)


def test_head_message_is_domain_separated_and_checked() -> None:
    msg = head_message("branch-1", 7, H)
    assert msg.startswith(HEAD_DOMAIN) and json.loads(msg[len(HEAD_DOMAIN):]) == ["branch-1", 7, H]
    assert not msg.startswith(b"{")  # every signed export line is a JSON object
    for args in (("", 7, H), ("k", -1, H), ("k", 7, H.upper()), ("k", 7, H[:10])):
        with pytest.raises(StorageInputError):
            head_message(*args)


def test_the_signing_key_survives_backup_and_restore(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    write_backup(store.keys.keys, tmp_path / "k.backup", "a long backup passphrase", log2_n=14)
    restored = read_backup(tmp_path / "k.backup", "a long backup passphrase")
    assert head_signing_public_key(restored) == head_signing_public_key(store.keys.keys)
    _, sig = sign_head(restored, "branch-1", 1, H)
    assert verify_head(head_signing_public_key(store.keys.keys)[1], "branch-1", 1, H, sig)


def test_register_command_prints_what_the_centre_stores(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = ["--data-dir", str(tmp_path / "d")]
    assert main(["fleet", "register", "--kiosk-id", "branch-9", "--json", *data]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert main(["keys", "export-public", *data]) == 0
    assert doc["public_key"] == capsys.readouterr().out.strip()
    assert doc["kiosk_id"] == "branch-9" and doc["key_id"] == key_fingerprint(doc["public_key"])
    assert main(["fleet", "register", "--kiosk-id", "branch-9", *data]) == 0
    out = capsys.readouterr().out
    assert (f"kiosk central register --central URL --kiosk branch-9 --public-key {doc['public_key']} --key-id "
            f"{doc['key_id']} --signing-key BOS.key") in out
