"""Chip authentication against the virtual chip (ICAO 9303-11 section 6.2): EC and DH, 3DES and AES,
after BAC and after PACE; a wrong key fails with a reason and the session recovers."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hardware.emrtd import tlv
from hardware.emrtd.chip_auth import perform_chip_authentication
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.domain_params import DhPrivateKey, standard_domain
from hardware.emrtd.lds import security_infos as si
from hardware.emrtd.password import AccessKey
from hardware.emrtd.session import EF_COM, EmrtdSession, dg_fid
from hardware.emrtd.virtual import VirtualChip
from hardware.emrtd.virtual.pace_card import PaceOffer

KEY = AccessKey.from_mrz("L898902C<", "740812", "120415")
SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _dh_key() -> DhPrivateKey:
    return DhPrivateKey.generate(standard_domain(0))


def make_chip(ca_oid: str, key: object, *, dg14_key: object | None = None, pace: bool = False,
              key_id: int | None = None) -> tuple[VirtualChip, dict[int, bytes]]:
    k = dg14_key or key
    spki = k.public_key_info() if isinstance(k, DhPrivateKey) else k.public_key().public_bytes(*SPKI)
    dg14 = si.encode_dg14([si.ChipAuthenticationInfo.make(ca_oid, 1, key_id),
                           si.ChipAuthenticationPublicKeyInfo.make(spki, key_id)])
    files = {EF_COM: tlv.encode(0x60, tlv.encode(0x5C, b"\x61\x75\x6e")), dg_fid(1): tlv.encode(0x61, b"x" * 90),
             dg_fid(14): dg14, dg_fid(2): tlv.encode(0x75, bytes(range(256)) * 8)}
    chip = VirtualChip(files, mrz_key=KEY, ca_private_key=key, pace=[PaceOffer.ecdh()] if pace else [])
    return chip, files


def open_session(chip: VirtualChip, pace: bool) -> EmrtdSession:
    session = EmrtdSession(chip)
    if pace:
        session.authenticate_pace(KEY, session.read_card_access())
        session.select_application()
    else:
        session.authenticate_bac(KEY)
    return session


CASES = [
    (si.ID_CA_ECDH + ".1", lambda: ec.generate_private_key(ec.BrainpoolP256R1()), CipherAlg.DES3),
    (si.ID_CA_ECDH + ".2", lambda: ec.generate_private_key(ec.SECP256R1()), CipherAlg.AES),
    (si.ID_CA_ECDH + ".4", lambda: ec.generate_private_key(ec.BrainpoolP384R1()), CipherAlg.AES),
    (si.ID_CA_DH + ".1", _dh_key, CipherAlg.DES3),
    (si.ID_CA_DH + ".2", _dh_key, CipherAlg.AES),
]


@pytest.mark.parametrize("pace", [False, True], ids=["bac", "pace"])
@pytest.mark.parametrize("oid,keygen,alg", CASES, ids=[c[0].split("2.2.3.")[1] for c in CASES])
def test_chip_authentication_success_rekeys_secure_messaging(oid: str, keygen, alg: CipherAlg, pace: bool) -> None:
    chip, files = make_chip(oid, keygen(), pace=pace, key_id=3 if alg is CipherAlg.AES else None)
    session = open_session(chip, pace)
    dg14 = si.parse_dg14(session.read_file(dg_fid(14)))
    result = perform_chip_authentication(session, dg14)
    assert result.passed, result.reason
    assert result.protocol == oid
    assert session.sm.alg is alg and chip.sm is not None and chip.sm.ks_mac == session.sm.ks_mac
    assert session.read_file(dg_fid(2)) == files[dg_fid(2)]


def test_chip_authentication_with_wrong_key_fails_and_session_recovers() -> None:
    real = ec.generate_private_key(ec.BrainpoolP256R1())
    clone = ec.generate_private_key(ec.BrainpoolP256R1())
    # A cloned chip: DG14 (signed, copied) holds the genuine key, the clone has another one.
    chip, files = make_chip(si.ID_CA_ECDH + ".2", clone, dg14_key=real)
    session = open_session(chip, pace=False)
    result = perform_chip_authentication(session, session.read_file(dg_fid(14)))
    assert not result.passed and "failed" in result.reason
    assert session.read_file(dg_fid(1)) == files[dg_fid(1)]  # re-authenticated with BAC


def test_reauthentication_after_chip_authentication_repeats_it() -> None:
    from hardware.emrtd.virtual import ChipFaults

    chip, files = make_chip(si.ID_CA_ECDH + ".2", ec.generate_private_key(ec.SECP256R1()))
    session = open_session(chip, pace=False)
    assert perform_chip_authentication(session, session.read_file(dg_fid(14))).passed
    chip.faults = ChipFaults(corrupt_mac_on_response=chip.counters.sm_responses + 2)
    assert session.read_file(dg_fid(2)) == files[dg_fid(2)]
    assert session.stats.reauthentications == 1
    assert session.sm.alg is CipherAlg.AES  # BAC then CA again: AES keys from CA


def test_unusable_dg14_gives_reason() -> None:
    chip, _ = make_chip(si.ID_CA_ECDH + ".2", ec.generate_private_key(ec.SECP256R1()))
    session = open_session(chip, pace=False)
    result = perform_chip_authentication(session, b"\x6e\x03\x31\x01\x00")
    assert not result.passed and "DG14" in result.reason
