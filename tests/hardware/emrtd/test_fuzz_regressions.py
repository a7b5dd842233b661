"""Regressions from the fuzz campaign (tests/fuzz): each input once escaped the typed error family
(``EmrtdError``), or cost more memory or time than a chip file may. Some were found by the fuzzer,
some while triaging its findings (the README's Fuzzing section says which). Inputs are built from
valid files of the virtual passport with the one change that mattered, so each test says what is wrong."""
from __future__ import annotations

import pytest

from hardware.emrtd import lds
from hardware.emrtd.errors import LdsError
from hardware.emrtd.virtual.document import synthetic_portrait
from inference.errors import ImageTooLargeError
from kiosk.workflow.chip_step import decode_dg2_face


def test_dg2_image_declaring_huge_size_is_refused_before_decoding() -> None:
    # A 16 x 16 JPEG whose frame header says 9000 x 9000: Pillow decoded it (81 megapixels, ~340 MB).
    jpeg, w, h = lds.jpeg_for_dg2(synthetic_portrait((16, 16)), quality=20)
    sof = jpeg.index(b"\xff\xc0")
    patched = bytearray(jpeg)
    patched[sof + 5 : sof + 9] = (9000).to_bytes(2, "big") * 2
    face = lds.parse_dg2(lds.encode_dg2(bytes(patched), w, h)).face
    with pytest.raises(ImageTooLargeError, match="9000x9000 pixels"):
        decode_dg2_face(face.image_data)
    # The same portrait with its true size still decodes.
    assert decode_dg2_face(lds.parse_dg2(lds.encode_dg2(jpeg, w, h)).face.image_data).shape[:2] == (16, 16)


class _HostileChip:
    """Declares a 16 MB file and answers every READ BINARY in full (in DO53 for the odd INS)."""

    def __init__(self) -> None:
        self.commands = 0

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        from hardware.emrtd.apdu import CommandApdu
        from hardware.emrtd.errors import CardRemovedError

        self.commands += 1
        if self.commands > 2000:  # stands for the hours a real link would take
            raise CardRemovedError("test chip gave up")
        cmd = CommandApdu.parse(apdu)
        if cmd.ins == 0xA4:
            return b"", 0x9000
        offset = (cmd.p1 << 8 | cmd.p2) if cmd.ins == 0xB0 else None
        header = b"\x77\x83\xff\xff\xf0"
        if cmd.ins == 0xB0:
            body = (header + bytes(cmd.ne or 0))[offset : offset + (cmd.ne or 0)] if offset == 0 else bytes(cmd.ne or 0)
            return body, 0x9000
        return b"\x53\x81\xe0" + bytes(224), 0x9000

    def close(self) -> None:
        pass


def test_file_declaring_more_than_any_lds_file_is_not_read() -> None:
    # A cloned or hostile chip could declare up to 4 GB and keep answering: the reader kept reading
    # (memory and time without bound). Now the declared length is checked before the first chunk.
    from hardware.emrtd.errors import ChipLimitError
    from hardware.emrtd.session import EF_SOD, EmrtdSession

    chip = _HostileChip()
    with pytest.raises(ChipLimitError, match="declares 16777205 bytes"):
        EmrtdSession(chip).read_file(EF_SOD)
    assert chip.commands <= 3  # SELECT and the 8-byte header read, nothing more


def test_transceive_refuses_a_command_shorter_than_its_header() -> None:
    # Was IndexError while formatting the ApduError for a 1-byte "command" the chip answered 6282 to.
    from hardware.emrtd.apdu import MalformedApduError, transceive
    from hardware.emrtd.testing import ScriptedConnection

    conn = ScriptedConnection([("00", "6282")])
    with pytest.raises(MalformedApduError, match="4-byte header"):
        transceive(conn, b"\x00")
    assert conn.remaining == 1  # nothing was sent


_NAIVE_TIME = b"\x18\x0e20250115000000"  # GeneralizedTime without 'Z': asn1crypto gives a naive datetime


@pytest.fixture(scope="module")
def document():
    import datetime as dt

    from hardware.emrtd.virtual.document import make_document

    return make_document(issued=dt.date(2026, 1, 15))


def _naive_dsc(document) -> bytes:
    from asn1crypto import x509

    cert = x509.Certificate.load(document.pki.dsc_certificate)
    cert["tbs_certificate"]["validity"]["not_before"] = x509.Time.load(_NAIVE_TIME)
    return cert.dump()


def _sod_with(document, *, dsc: bytes | None = None, naive_signing_time: bool = False) -> bytes:
    from asn1crypto import cms, x509

    from hardware.emrtd import tlv

    info = cms.ContentInfo.load(tlv.decode_single(document.sod).value)
    sd = info["content"]
    if dsc is not None:
        sd["certificates"] = [cms.CertificateChoices(name="certificate", value=x509.Certificate.load(dsc))]
    if naive_signing_time:
        for attr in sd["signer_infos"][0]["signed_attrs"]:
            if attr["type"].native == "signing_time":
                attr["values"] = cms.SetOfTime([cms.Time.load(_NAIVE_TIME)])
    return tlv.encode(0x77, info.dump())


def _passive_auth(document, sod: bytes):
    import datetime as dt

    from hardware.emrtd import certs, passive_auth
    from hardware.emrtd.trust import TrustStore

    store = TrustStore()
    store.add_certificate(certs.parse_certificate_der(document.csca_certificate))
    return passive_auth.verify(sod, document.data_groups, store, dt.date(2026, 6, 1))


def test_certificate_validity_without_time_zone_is_refused(document) -> None:
    # Was accepted with a naive not_before; Certificate.valid_at then raised TypeError.
    from hardware.emrtd import certs
    from hardware.emrtd.errors import CertificateError

    with pytest.raises(CertificateError, match="no time zone"):
        certs.parse_certificate_der(_naive_dsc(document))


def test_passive_auth_with_naive_dsc_validity_fails_with_a_reason(document) -> None:
    # Was TypeError out of passive_auth.verify (chain check compared naive and aware datetimes).
    report = _passive_auth(document, _sod_with(document, dsc=_naive_dsc(document)))
    assert not report.passed and any("no time zone" in r for r in report.reasons)


def test_passive_auth_with_naive_signing_time_fails_with_a_reason(document) -> None:
    # Was TypeError out of passive_auth.verify: the signing time is the chain-check time.
    report = _passive_auth(document, _sod_with(document, naive_signing_time=True))
    assert not report.passed and any("no time zone" in r for r in report.reasons)
    assert _passive_auth(document, document.sod).passed  # the untouched SOD still passes
