"""Domain parameters (ICAO 9303-11 section 9.5.1): standardized sets, explicit curves, public keys, fuzzing."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hardware.emrtd.domain_params import (
    DhPrivateKey,
    DomainParameterError,
    EcDomain,
    public_key_from_spki,
    standard_domain,
)
from hardware.emrtd.errors import EmrtdError

SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("pid,name", [(8, "secp192r1"), (12, "secp256r1"), (13, "brainpoolP256r1"),
                                      (16, "brainpoolP384r1"), (17, "brainpoolP512r1"), (18, "secp521r1")])
def test_standard_curves(pid: int, name: str) -> None:
    d = standard_domain(pid)
    assert isinstance(d, EcDomain) and d.name == name
    k = d.random_private()
    assert d.decode(d.encode(d.public_key(k))) == d.public_key(k)


def test_undefined_ids_and_bad_points() -> None:
    for pid in (3, 7, 19, 31):
        with pytest.raises(DomainParameterError):
            standard_domain(pid)
    d = standard_domain(13)
    with pytest.raises(DomainParameterError):
        d.decode(b"\x04" + bytes(64))
    with pytest.raises(DomainParameterError):
        standard_domain(2).decode(b"\x01")


def test_explicit_parameters_map_to_named_curve() -> None:
    from ecdsa import BRAINPOOLP384r1, SigningKey

    spki = SigningKey.generate(curve=BRAINPOOLP384r1).get_verifying_key().to_der(curve_parameters_encoding="explicit")
    assert public_key_from_spki(spki).domain.name == "brainpoolP384r1"
    named = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(*SPKI)
    assert public_key_from_spki(named).domain.name == "secp384r1"


def test_dh_key_info_round_trip() -> None:
    key = DhPrivateKey.generate(standard_domain(1))
    pk = public_key_from_spki(key.public_key_info())
    assert pk.domain.kind == "DH" and pk.element() == key.public_value
    assert "x=" not in repr(key)


_VALID = [ec.generate_private_key(ec.BrainpoolP256R1()).public_key().public_bytes(*SPKI),
          DhPrivateKey.generate(standard_domain(0)).public_key_info()]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 1), st.integers(0, 600), st.integers(0, 255))
@example(1, 309, 0)  # a BIT STRING emptied: asn1crypto raised IndexError (hypothesis found it on 2026-12-07)
def test_fuzz_mutated_spki(which: int, pos: int, value: int) -> None:
    spki = bytearray(_VALID[which])
    spki[pos % len(spki)] = value
    try:
        public_key_from_spki(bytes(spki))
    except EmrtdError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_random_spki(raw: bytes) -> None:
    try:
        public_key_from_spki(raw)
    except EmrtdError:
        pass
