"""Card side of PACE generic mapping for the virtual chip (ICAO 9303-11 section 4.4).

Mirrors ``hardware.emrtd.pace``: MSE:Set AT selects the protocol and password, then four
GENERAL AUTHENTICATE steps (nonce, mapping, key agreement, tokens). A wrong token (wrong MRZ or
CAN on the terminal side) gets 6300 and the protocol starts over. With chip-authentication mapping
(PACE-CAM) the last answer adds tag 8A, the encrypted ``CA_IC = SK_IC^-1 * SK_Map,IC mod n`` made
with the chip-authentication private key (``VirtualChip.ca_private_key``). With integrated mapping
(PACE-IM) step 2 takes the terminal's nonce t and answers an empty 82.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from asn1crypto import core

from hardware.emrtd import crypto, tlv
from hardware.emrtd.apdu import SW, CommandApdu
from hardware.emrtd.crypto import KDF_ENC, KDF_MAC, CipherAlg
from hardware.emrtd.domain_params import CURVE_PARAMETER_IDS, standard_domain
from hardware.emrtd.errors import EmrtdError
from hardware.emrtd.lds.security_infos import (
    ID_PACE_DH_GM,
    ID_PACE_DH_IM,
    ID_PACE_ECDH_CAM,
    ID_PACE_ECDH_GM,
    ID_PACE_ECDH_IM,
    PaceInfo,
    cipher_of,
    encode_security_infos,
)
from hardware.emrtd.pace import auth_token, pace_key, public_key_object
from hardware.emrtd import pace_im
from hardware.emrtd.pace_cam import encrypt_chip_authentication_data
from hardware.emrtd.password import PasswordType
from hardware.emrtd.sm import SecureMessaging

if TYPE_CHECKING:
    from hardware.emrtd.virtual.chip import VirtualChip

_CIPHER_ARC = {(CipherAlg.DES3, 128): 1, (CipherAlg.AES, 128): 2, (CipherAlg.AES, 192): 3,
               (CipherAlg.AES, 256): 4}


@dataclass(frozen=True)
class PaceOffer:
    """One PACE configuration the chip offers: protocol OID and standardized parameter ID."""

    oid: str
    parameter_id: int

    @classmethod
    def ecdh(cls, curve: str = "brainpoolP256r1", alg: CipherAlg = CipherAlg.AES, key_bits: int = 128,
             mapping: str = "GM") -> PaceOffer:
        """ECDH generic (``GM``), chip-authentication (``CAM``, AES only) or integrated (``IM``) mapping."""
        families = {"GM": ID_PACE_ECDH_GM, "CAM": ID_PACE_ECDH_CAM, "IM": ID_PACE_ECDH_IM}
        if mapping not in families or (mapping == "CAM" and alg is not CipherAlg.AES):
            raise ValueError("mapping must be GM, IM, or CAM with AES")
        return cls(f"{families[mapping]}.{_CIPHER_ARC[(alg, key_bits)]}", CURVE_PARAMETER_IDS[curve])

    @property
    def mapping(self) -> str:
        """``GM`` or ``CAM``."""
        return self.info().mapping

    @classmethod
    def dh(cls, parameter_id: int = 2, alg: CipherAlg = CipherAlg.AES, key_bits: int = 128,
           mapping: str = "GM") -> PaceOffer:
        """DH generic (``GM``) or integrated (``IM``) mapping on an RFC 5114 group (parameter ID 0, 1 or 2)."""
        if mapping not in ("GM", "IM"):
            raise ValueError("DH mapping must be GM or IM")
        return cls(f"{ID_PACE_DH_IM if mapping == 'IM' else ID_PACE_DH_GM}.{_CIPHER_ARC[(alg, key_bits)]}",
                   parameter_id)

    def info(self) -> PaceInfo:
        """The PACEInfo announcing this offer."""
        return PaceInfo.make(self.oid, self.parameter_id)


def build_card_access(offers: list[PaceOffer]) -> bytes:
    """EF.CardAccess announcing ``offers``."""
    return encode_security_infos([o.info() for o in offers])


def _objects(data: bytes) -> dict[int, bytes]:
    return {t.tag: t.value for t in tlv.decode_all(data)}


def mse_set_at(chip: VirtualChip, cmd: CommandApdu, secure: bool) -> tuple[bytes, int]:
    """MSE:Set AT for PACE: choose protocol (80), password (83), parameters (84)."""
    objs = _objects(cmd.data)
    if 0x80 not in objs or 0x83 not in objs:
        return b"", SW.WRONG_DATA
    oid = core.ObjectIdentifier.load(tlv.encode(0x06, objs[0x80])).dotted
    pid = objs[0x84][0] if objs.get(0x84) else None
    offers = [o for o in chip.pace_offers if o.oid == oid and (pid is None or o.parameter_id == pid)]
    if not offers:
        return b"", SW.REFERENCED_DATA_NOT_FOUND
    ref = objs[0x83][:1]
    key = {bytes((PasswordType.MRZ,)): chip.mrz_key, bytes((PasswordType.CAN,)): chip.can}.get(ref)
    if key is None:
        return b"", SW.REFERENCED_DATA_NOT_FOUND
    chip.state = {"protocol": "PACE", "offer": offers[0], "key": key, "step": 1}
    return b"", SW.OK


def general_authenticate(chip: VirtualChip, cmd: CommandApdu, secure: bool) -> tuple[bytes, int]:
    """The four PACE steps; the last one starts secure messaging with SSC 0."""
    st: dict[str, Any] = chip.state
    offer: PaceOffer = st["offer"]
    alg, bits = cipher_of(offer.oid)
    domain = standard_domain(offer.parameter_id)
    oid_value = core.ObjectIdentifier(offer.oid).dump()[2:]
    try:
        dyn = tlv.decode_single(cmd.data, 0x7C)
        objs = {c.tag: c.value for c in dyn.children()}
    except EmrtdError:
        return b"", SW.WRONG_DATA
    step = st["step"]
    last = step == 4
    if bool(cmd.cla & 0x10) == last:  # steps 1-3 are chained (CLA 10), step 4 is not
        chip.state = {}
        return b"", SW.CONDITIONS_NOT_SATISFIED
    if step == 1:
        s = chip.rng(16)
        st["s"] = int.from_bytes(s, "big")
        st["s_bytes"] = s
        z = crypto.encrypt(alg, pace_key(st["key"], alg, bits), s)
        st["step"] = 2
        return tlv.encode(0x7C, tlv.encode(0x80, z)), SW.OK
    if step == 2 and 0x81 in objs and offer.mapping == "IM":
        try:
            st["g"] = pace_im.map_nonce(domain, st["s_bytes"], objs[0x81])
        except EmrtdError:
            chip.state = {}
            return b"", SW.WRONG_DATA
        st["step"] = 3
        return tlv.encode(0x7C, tlv.encode(0x82, b"")), SW.OK
    if step == 2 and 0x81 in objs:
        y1 = domain.random_private(chip.rng)
        h = domain.agree(y1, domain.decode(objs[0x81]))
        st["g"] = domain.map_generic(st["s"], h)
        st["map_private"] = y1
        st["step"] = 3
        return tlv.encode(0x7C, tlv.encode(0x82, domain.encode(domain.public_key(y1)))), SW.OK
    if step == 3 and 0x83 in objs:
        y2 = domain.random_private(chip.rng)
        own = domain.encode(domain.public_key(y2, st["g"]))
        if objs[0x83] == own:
            chip.state = {}
            return b"", SW.WRONG_DATA
        shared = domain.shared_secret(domain.agree(y2, domain.decode(objs[0x83])))
        st.update(k_enc=crypto.kdf(shared, KDF_ENC, alg, bits), k_mac=crypto.kdf(shared, KDF_MAC, alg, bits),
                  own=own, terminal=objs[0x83], step=4)
        return tlv.encode(0x7C, tlv.encode(0x84, own)), SW.OK
    if step == 4 and 0x85 in objs:
        expected = auth_token(alg, st["k_mac"], public_key_object(oid_value, domain, st["own"]))
        if not hmac.compare_digest(objs[0x85], expected):
            chip.state = {}
            return b"", 0x6300  # authentication failed: wrong password on the terminal side
        token = auth_token(alg, st["k_mac"], public_key_object(oid_value, domain, st["terminal"]))
        answer = tlv.encode(0x86, token)
        if offer.mapping == "CAM":
            static = chip.ca_private_key.private_numbers().private_value
            answer += tlv.encode(0x8A, encrypt_chip_authentication_data(alg, st["k_enc"], domain, static,
                                                                        st["map_private"]))
        chip.sm = SecureMessaging(alg, st["k_enc"], st["k_mac"], 0)
        chip.authenticated = "PACE"
        chip.state = {}
        return tlv.encode(0x7C, answer), SW.OK
    chip.state = {}
    return b"", SW.WRONG_DATA
