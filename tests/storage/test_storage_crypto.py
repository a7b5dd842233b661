"""Primitives against published vectors, associated-data binding, key file protection, parsers fuzzed."""
from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.blobs import decode_blob, encode_blob
from storage.crypto import FieldCipher, aad, document_key, normalise_document_number
from storage.errors import BlobError, DecryptionError, KeyStoreError
from storage.keys import FileKeyring, KeyMaterial


def test_aes256_gcm_matches_mcgrew_viega_test_case_14() -> None:
    # "The Galois/Counter Mode of Operation (GCM)", McGrew & Viega, test case 14 (AES-256, 96-bit IV).
    out = AESGCM(bytes(32)).encrypt(bytes(12), bytes(16), None)
    assert out.hex() == "cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919"


def test_hmac_sha256_matches_rfc4231_case_2() -> None:
    mac = hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha256).hexdigest()
    assert mac == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_scrypt_matches_rfc7914_vector() -> None:
    dk = hashlib.scrypt(b"password", salt=b"NaCl", n=1024, r=8, p=16, dklen=64)
    assert dk.hex() == ("fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")


def test_ed25519_matches_rfc8032_test_1() -> None:
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    key = Ed25519PrivateKey.from_private_bytes(seed)
    assert key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex() == \
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert key.sign(b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")


def test_field_cipher_round_trip_and_binding() -> None:
    keys = KeyMaterial.generate()
    c = FieldCipher(keys)
    kid, sealed = c.encrypt(b"ERIKA", aad("sessions.identity", "row1"))
    assert kid == keys.active_data_key
    assert c.decrypt(kid, sealed, aad("sessions.identity", "row1")) == b"ERIKA"
    with pytest.raises(DecryptionError):  # moved to another row
        c.decrypt(kid, sealed, aad("sessions.identity", "row2"))
    with pytest.raises(DecryptionError):  # moved to another purpose
        c.decrypt(kid, sealed, aad("reviews.note", "row1"))
    flipped = bytearray(sealed)
    flipped[20] ^= 1
    with pytest.raises(DecryptionError):
        c.decrypt(kid, bytes(flipped), aad("sessions.identity", "row1"))
    with pytest.raises(KeyStoreError):
        c.decrypt("d-unknown", sealed, aad("sessions.identity", "row1"))


def test_aad_is_unambiguous() -> None:
    assert aad("p", "ab", "c") != aad("p", "a", "bc")


def test_document_key_is_keyed_and_normalised() -> None:
    k1, k2 = KeyMaterial.generate(), KeyMaterial.generate()
    assert normalise_document_number("d<", "c01x 00t47") == "D|C01X00T47"
    assert document_key(k1, "D", "C01X00T47") == document_key(k1, "D<<", "c01x00t47<")
    assert document_key(k1, "D", "C01X00T47") != document_key(k2, "D", "C01X00T47")  # keyed
    assert document_key(k1, "D", "C01X00T47") != document_key(k1, "F", "C01X00T47")
    assert "C01X00T47" not in document_key(k1, "D", "C01X00T47")


def test_key_file_is_0600_and_refused_when_readable(tmp_path: Path) -> None:
    ring = FileKeyring(tmp_path / "keys.json")
    keys = KeyMaterial.generate()
    ring.save(keys)
    assert stat.S_IMODE(os.stat(ring.path).st_mode) == 0o600
    assert ring.load() == keys
    os.chmod(ring.path, 0o644)
    with pytest.raises(KeyStoreError, match="chmod 600"):
        ring.load()


def test_missing_key_file_is_typed(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="not found"):
        FileKeyring(tmp_path / "nope.json").load()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_key_file_parser_raises_only_typed_errors(raw: bytes) -> None:
    try:
        KeyMaterial.from_json(raw)
    except KeyStoreError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=20), c, max_size=8),
                    max_leaves=20))
def test_key_file_parser_structured_fuzz(doc: object) -> None:
    import json

    raw = json.dumps({"format": "idkiosk-keys/1", "x": doc} if not isinstance(doc, dict) else
                     {"format": "idkiosk-keys/1", **doc}).encode()
    with pytest.raises(KeyStoreError):
        KeyMaterial.from_json(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_blob_decoder_raises_only_typed_errors(raw: bytes) -> None:
    try:
        kid, sealed = decode_blob(raw)
    except BlobError:
        return
    assert encode_blob(kid, sealed) == raw
