"""Active authentication against the virtual chip (ICAO 9303-11 section 6.1): RSA ISO/IEC 9796-2 and
ECDSA; a wrong key or a changed challenge fails."""
from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hardware.emrtd import tlv
from hardware.emrtd.active_auth import perform_active_authentication, verify_active_authentication
from hardware.emrtd.errors import AuthenticationError
from hardware.emrtd.lds import security_infos as si
from hardware.emrtd.password import AccessKey
from hardware.emrtd.session import EF_COM, EmrtdSession, dg_fid
from hardware.emrtd.virtual import VirtualChip

KEY = AccessKey.from_mrz("L898902C<", "740812", "120415")
SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
RSA_1024 = rsa.generate_private_key(public_exponent=65537, key_size=1024)
RSA_2048 = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def chip_with(aa_key: object, dg15_key: object | None = None, aa_hash: str = "sha256") -> VirtualChip:
    dg15 = tlv.encode(0x6F, (dg15_key or aa_key).public_key().public_bytes(*SPKI))
    files = {EF_COM: tlv.encode(0x60, tlv.encode(0x5C, b"\x61\x75\x6f")), dg_fid(15): dg15}
    return VirtualChip(files, mrz_key=KEY, aa_private_key=aa_key, aa_hash=aa_hash)


@pytest.mark.parametrize("key,aa_hash", [
    (RSA_1024, "sha1"), (RSA_2048, "sha1"),
    (ec.generate_private_key(ec.BrainpoolP256R1()), "sha256"),
    (ec.generate_private_key(ec.SECP384R1()), "sha384"),
], ids=["rsa1024", "rsa2048", "bp256", "p384"])
def test_active_authentication_success(key: object, aa_hash: str) -> None:
    chip = chip_with(key, aa_hash=aa_hash)
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    dg15 = session.read_file(dg_fid(15))
    dg14 = si.encode_dg14([si.ActiveAuthenticationInfo.make(
        {v: k for k, v in si.ECDSA_PLAIN_HASHES.items()}[aa_hash])]) if isinstance(key, ec.EllipticCurvePrivateKey) else None
    challenge = os.urandom(8)
    result = perform_active_authentication(session, dg15, challenge, dg14=dg14)
    assert result.passed, result.reason
    assert result.challenge == challenge
    # The evidence re-verifies offline, and not for another challenge.
    verify_active_authentication(dg15, challenge, result.signature, dg14)
    with pytest.raises(AuthenticationError):
        verify_active_authentication(dg15, bytes(8) if challenge != bytes(8) else b"\x01" * 8, result.signature, dg14)


@pytest.mark.parametrize("genuine,clone", [
    (RSA_1024, rsa.generate_private_key(public_exponent=65537, key_size=1024)),
    (ec.generate_private_key(ec.BrainpoolP256R1()), ec.generate_private_key(ec.BrainpoolP256R1())),
], ids=["rsa", "ec"])
def test_active_authentication_with_wrong_key_fails(genuine: object, clone: object) -> None:
    chip = chip_with(clone, dg15_key=genuine)
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    result = perform_active_authentication(session, session.read_file(dg_fid(15)), os.urandom(8))
    assert not result.passed and result.reason


def test_challenge_must_be_eight_bytes() -> None:
    chip = chip_with(RSA_1024)
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    with pytest.raises(AuthenticationError):
        perform_active_authentication(session, session.read_file(dg_fid(15)), b"short")


def test_chip_refuses_aa_before_access_control() -> None:
    chip = chip_with(RSA_1024)
    data, sw = chip.transmit(bytes.fromhex("0088000008" "0102030405060708" "00"))
    assert sw == 0x6982 and data == b""


def test_rsa_with_sha256_trailer_and_alternative_signature() -> None:
    import hashlib

    nums = RSA_1024.private_numbers()
    n, d = nums.public_numbers.n, nums.d
    challenge, m1 = os.urandom(8), os.urandom(128 - 32 - 3)
    f = int.from_bytes(b"\x6a" + m1 + hashlib.sha256(m1 + challenge).digest() + b"\x34\xcc", "big")
    sig = pow(f, d, n)
    spki = RSA_1024.public_key().public_bytes(*SPKI)
    assert verify_active_authentication(spki, challenge, sig.to_bytes(128, "big")) == "rsa-iso9796-2"
    # ISO/IEC 9796-2 allows the signer to send n - s; the verifier takes n - J then.
    assert verify_active_authentication(spki, challenge, (n - sig).to_bytes(128, "big")) == "rsa-iso9796-2"
    with pytest.raises(AuthenticationError):
        verify_active_authentication(spki, challenge[::-1], sig.to_bytes(128, "big"))


def test_ecdsa_with_explicit_curve_parameters_in_dg15() -> None:
    import hashlib

    from ecdsa import BRAINPOOLP256r1, SigningKey
    from ecdsa.util import sigencode_der, sigencode_string

    sk = SigningKey.generate(curve=BRAINPOOLP256r1)
    spki = sk.get_verifying_key().to_der(curve_parameters_encoding="explicit")
    challenge = os.urandom(8)
    plain = sk.sign_digest(hashlib.sha256(challenge).digest(), sigencode=sigencode_string)
    assert verify_active_authentication(tlv.encode(0x6F, spki), challenge, plain) == "ecdsa-sha256"
    der = sk.sign_digest(hashlib.sha256(challenge).digest(), sigencode=sigencode_der)
    assert verify_active_authentication(spki, challenge, der) == "ecdsa-sha256"
    with pytest.raises(AuthenticationError):
        verify_active_authentication(spki, os.urandom(8), plain)


def test_garbage_signatures_fail_typed() -> None:
    spki_rsa = RSA_1024.public_key().public_bytes(*SPKI)
    spki_ec = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(*SPKI)
    for spki in (spki_rsa, spki_ec):
        for sig in (b"", b"\x00" * 64, os.urandom(128), os.urandom(300)):
            with pytest.raises(AuthenticationError):
                verify_active_authentication(spki, bytes(8), sig)
    with pytest.raises(AuthenticationError):
        verify_active_authentication(b"\x6f\x05\x00", bytes(8), b"\x00" * 64)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=200))
def test_fuzz_verify_raises_only_typed_errors(spki: bytes, signature: bytes) -> None:
    from hardware.emrtd.errors import EmrtdError

    try:
        verify_active_authentication(spki, bytes(8), signature)
    except EmrtdError:
        pass


_VALID_SPKIS = [RSA_1024.public_key().public_bytes(*SPKI),
                ec.generate_private_key(ec.BrainpoolP256R1()).public_key().public_bytes(*SPKI)]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 1), st.integers(0, 400), st.integers(0, 255), st.binary(min_size=64, max_size=128))
def test_fuzz_mutated_public_keys(which: int, pos: int, value: int, signature: bytes) -> None:
    from hardware.emrtd.errors import EmrtdError

    spki = bytearray(_VALID_SPKIS[which])
    spki[pos % len(spki)] = value
    try:
        verify_active_authentication(bytes(spki), bytes(8), signature)
    except EmrtdError:
        pass
