"""DG14 on real and sample files, and the chip-authentication DG14 the factory builds."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.emrtd import lds, tlv
from hardware.emrtd.errors import EmrtdError, LdsError

ID_CA_ECDH_3DES = "0.4.0.127.0.7.2.2.3.2.1"


@pytest.mark.parametrize(
    ("path", "ca_oid"),
    [
        ("gmrtd/vectors/dg14/AT_DG14.bin", "0.4.0.127.0.7.2.2.3.2.2"),
        ("gmrtd/vectors/dg14/MY_DG14.bin", ID_CA_ECDH_3DES),
        ("gmrtd/vectors/dg14/DG14_sample.bin", "0.4.0.127.0.7.2.2.3.2.4"),
        ("jmrtd/samples/bsi2008/Datagroup14.bin", ID_CA_ECDH_3DES),
    ],
)
def test_real_dg14(shared_data: Path, path: str, ca_oid: str) -> None:
    raw = (shared_data / "emrtd" / path).read_bytes()
    dg14 = lds.parse_dg14(raw)
    assert dg14.raw == raw
    assert [i.oid for i in dg14.chip_authentication_infos] == [ca_oid]
    assert len(dg14.chip_authentication_public_keys) == 1


def test_factory_dg14_round_trip() -> None:
    from cryptography.hazmat.primitives import serialization

    from hardware.emrtd.virtual.document import make_document

    doc = make_document(chip_authentication=True)
    assert doc.ca_private_key is not None
    dg14 = lds.parse_dg14(doc.files[0x010E])
    spki = doc.ca_private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert dg14.chip_authentication_public_keys[0].public_key_info == spki
    assert dg14.chip_authentication_infos[0].oid == "0.4.0.127.0.7.2.2.3.2.2"  # ECDH, AES-128


def test_wrong_tag() -> None:
    with pytest.raises(LdsError):
        lds.parse_dg14(tlv.encode(0x6F, b"\x31\x00"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz(body: bytes) -> None:
    for raw in (body, tlv.encode(0x6E, body)):
        try:
            lds.parse_dg14(raw)
        except EmrtdError:
            pass
