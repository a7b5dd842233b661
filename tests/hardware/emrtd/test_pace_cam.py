"""PACE with Chip Authentication Mapping (ICAO 9303-11 4.4.3.5): the reader against the virtual chip,
the German specimen EF.CardAccess / EF.CardSecurity, clones and forged EF.CardSecurity files, and
the policy seeing CAM as chip authentication.

ICAO 9303-11 and BSI TR-03110 publish no worked example for CAM (Appendix G has GM and IM only), so
the arithmetic is checked here by its defining equation ``PK_Map,IC = CA_IC * PK_IC`` and end to end.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from hardware.emrtd import pace_cam
from hardware.emrtd.certs import load_certificate
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.domain_params import named_curve_domain, public_key_from_spki
from hardware.emrtd.errors import AccessControlError
from hardware.emrtd.lds.security_infos import parse_card_access, parse_card_security
from hardware.emrtd.pace import select_pace_info
from hardware.emrtd.password import AccessKey
from hardware.emrtd.reader import AccessMethod, EmrtdReader, ReadPhase
from hardware.emrtd.trust import TrustStore
from hardware.emrtd.virtual.document import make_test_pki
from hardware.emrtd.virtual.passport import make_virtual_passport
from kiosk.chip_evidence import chip_evidence
from kiosk.evidence import Evidence
from kiosk.policy import PolicyConfig, Reason, decide
from kiosk.workflow.chip_step import read_chip

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")


def _store(passport) -> TrustStore:
    store = TrustStore()
    store.add_certificate(load_certificate(passport.csca_certificate))
    return store


def test_chip_offering_only_cam_is_read_and_cam_is_chip_authentication() -> None:
    passport = make_virtual_passport(KEY, pace_mapping="CAM")
    assert [i.mapping for i in parse_card_access(passport.chip.mf_files[0x011C]).pace_infos] == ["CAM"]
    result = read_chip(passport.chip, KEY, _store(passport), method=AccessMethod.PACE)
    assert result.ok, result.error
    assert result.access_method == "PACE" and result.pace_mapping == "CAM"
    ca = result.chip_authentication
    assert ca.passed and ca.protocol == "PACE-CAM" and ca.key_id == 1
    assert result.passive_authentication.passed and result.passive_authentication.card_security == "valid"
    # the separate chip-authentication protocol did not run (DG14 is there, CAM made it redundant)
    assert result.dg14 is not None and ReadPhase.CHIP_AUTHENTICATION not in result.phase_seconds
    assert not any((e.ins, e.p1, e.p2) == (0x22, 0x41, 0xA4) for e in result.apdu_log)
    ev = chip_evidence(result, KEY)
    assert ev.chip_authentication == "passed"
    decision = decide(Evidence(chip=ev), PolicyConfig(require_chip_authentication=True))
    assert Reason.CHIP_AUTH_NOT_PERFORMED not in decision.reasons
    assert Reason.CHIP_CLONE_SUSPECTED not in decision.reasons


def test_cam_chip_without_static_private_key_is_a_suspected_clone() -> None:
    """A copy of the signed files on a chip that lacks the original's private key fails CAM."""
    passport = make_virtual_passport(KEY, pace_mapping="CAM")
    passport.chip.ca_private_key = ec.generate_private_key(ec.BrainpoolP256R1())
    result = read_chip(passport.chip, KEY, _store(passport), method=AccessMethod.PACE)
    assert result.ok and result.pace_mapping == "CAM"
    assert not result.chip_authentication.passed
    assert "possible clone" in result.chip_authentication.reason
    ev = chip_evidence(result, KEY)
    assert ev.chip_authentication == "failed"
    assert Reason.CHIP_CLONE_SUSPECTED in decide(Evidence(chip=ev)).reasons


def test_clone_with_its_own_card_security_fails_passive_authentication_and_cam() -> None:
    """A clone that brings its own key must sign EF.CardSecurity itself: the kiosk does not trust that."""
    genuine = make_virtual_passport(KEY, pace_mapping="CAM")
    clone = make_virtual_passport(KEY, pace_mapping="CAM")
    forger = make_test_pki(b"forger")
    # the clone's own chip key, announced in an EF.CardSecurity signed by a TEST DSC the kiosk does not trust
    own_document = dataclasses.replace(genuine.document, pki=forger,
                                       ca_private_key=ec.generate_private_key(ec.BrainpoolP256R1()))
    offers = [i for i in parse_card_access(clone.chip.mf_files[0x011C]).pace_infos]
    clone.chip.mf_files[0x011D] = own_document.card_security(offers)
    clone.chip.ca_private_key = own_document.ca_private_key
    result = read_chip(clone.chip, KEY, _store(genuine), method=AccessMethod.PACE)
    assert result.ok
    assert result.chip_authentication.passed  # the clone does hold the key it announced...
    assert result.passive_authentication.card_security == "invalid"  # ...but nobody trusted signed it
    assert not result.passive_authentication.passed
    ev = chip_evidence(result, KEY)
    assert ev.chip_authentication == "failed"
    assert Reason.CHIP_CLONE_SUSPECTED in decide(Evidence(chip=ev)).reasons


def test_german_card_access_selects_cam_and_card_security_keys_parse(shared_data: Path) -> None:
    """Real specimen files (German ID card, gmrtd test vectors): GM and CAM offered, CAM chosen; the
    chip-authentication keys use BSI's standardized-domain-parameters form (0.4.0.127.0.7.1.2)."""
    vectors = shared_data / "emrtd/gmrtd/vectors"
    access = parse_card_access((vectors / "card_access/DE_EF_CardAccess.bin").read_bytes())
    assert {i.mapping for i in access.pace_infos} >= {"GM", "CAM"}
    assert select_pace_info(access).mapping == "CAM"
    security = parse_card_security((vectors / "card_security/DE_EF_CardSecurity.bin").read_bytes())
    keys = [public_key_from_spki(k.public_key_info) for k in security.chip_authentication_public_keys]
    assert keys and all(k.domain.name == "brainpoolP256r1" for k in keys)


def test_chip_authentication_data_round_trip_and_tampering() -> None:
    domain = named_curve_domain("brainpoolP256r1")
    k_enc = bytes(range(16))
    static, mapping = 0x1234567, 0x7654321
    encrypted = pace_cam.encrypt_chip_authentication_data(CipherAlg.AES, k_enc, domain, static, mapping)
    ca = pace_cam.decrypt_chip_authentication_data(CipherAlg.AES, k_enc, domain, encrypted)
    cam = pace_cam.CamData(domain.name, domain.encode(domain.public_key(mapping)), ca, encrypted)
    static_key = domain.encode(domain.public_key(static))
    assert domain.decode(static_key) * int.from_bytes(ca, "big") == domain.decode(cam.chip_mapping_key)
    flipped = encrypted[:-1] + bytes([encrypted[-1] ^ 1])
    with pytest.raises(AccessControlError):
        pace_cam.decrypt_chip_authentication_data(CipherAlg.AES, k_enc, domain, flipped)
    with pytest.raises(AccessControlError, match="wrong length"):
        pace_cam.decrypt_chip_authentication_data(CipherAlg.AES, k_enc, domain, encrypted[:-1])
    with pytest.raises(AccessControlError, match="AES only"):
        pace_cam.decrypt_chip_authentication_data(CipherAlg.DES3, k_enc, domain, encrypted)


def test_cam_without_card_security_fails_chip_authentication_not_the_read() -> None:
    passport = make_virtual_passport(KEY, pace_mapping="CAM")
    del passport.chip.mf_files[0x011D]
    result = EmrtdReader(passport.chip, KEY, method=AccessMethod.PACE).read()
    assert result.ok and result.access_method == "PACE"
    assert not result.chip_authentication.passed
    assert "EF.CardSecurity" in result.chip_authentication.reason
