"""The signed test-document factory: structure, determinism, DG2 sizing."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hardware.emrtd import lds, mrz
from hardware.emrtd.errors import LdsError
from hardware.emrtd.virtual.document import ICAO_SAMPLE_MRZ, make_document, make_test_pki
from kiosk.workflow.chip_step import decode_dg2_face

ISSUED = dt.date(2026, 1, 15)


def test_files_parse_and_hash_to_sod() -> None:
    doc = make_document(issued=ISSUED, chip_authentication=True, active_authentication="ec")
    assert set(doc.files) == {0x011E, 0x011D, 0x0101, 0x0102, 0x010E, 0x010F}
    assert lds.parse_com(doc.files[0x011E]).data_groups == (1, 2, 14, 15)
    assert lds.parse_dg1(doc.files[0x0101]).mrz == ICAO_SAMPLE_MRZ
    sod = lds.parse_sod(doc.sod)
    h = lds.hash_function(sod.hash_algorithm)
    assert {n: h(d) for n, d in doc.data_groups.items()} == sod.dg_hashes
    assert sod.certificates == (doc.pki.dsc_certificate,)
    assert sod.signing_time == dt.datetime(2026, 1, 15, tzinfo=dt.timezone.utc)
    assert lds.parse_dg15(doc.files[0x010F]).algorithm == "ec"
    assert doc.ca_private_key is not None and doc.aa_private_key is not None


def test_deterministic_from_seed() -> None:
    a = make_document(issued=ISSUED, seed=b"one")
    assert a.files == make_document(issued=ISSUED, seed=b"one").files
    assert a.files[0x011D] != make_document(issued=ISSUED, seed=b"two").files[0x011D]


def test_face_and_dg2_size() -> None:
    face = np.zeros((200, 150, 3), np.uint8)
    face[50:150, 40:110] = (200, 160, 130)
    m = mrz.build_td3(document_number="X1234567", birth_date="900101", expiry_date="350101",
                      issuing_state="D", nationality="D", primary_identifier="TEST", sex="M")
    doc = make_document(m, face, issued=ISSUED, dg2_size=20_000, curve="P-256")
    assert len(doc.files[0x0102]) == 20_000
    image = decode_dg2_face(lds.parse_dg2(doc.files[0x0102]).face.image_data)
    assert image.shape == (200, 150, 3)
    assert abs(int(image[100, 75, 0]) - 200) < 12  # JPEG keeps the colour
    assert lds.parse_dg1(doc.files[0x0101]).mrz.document_number == "X1234567"


def test_face_from_jpeg_bytes() -> None:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (64, 80), 128).save(buf, format="JPEG")
    doc = make_document(face=buf.getvalue(), issued=ISSUED)
    assert decode_dg2_face(lds.parse_dg2(doc.files[0x0102]).face.image_data).shape[:2] == (80, 64)
    with pytest.raises(LdsError):
        make_document(face=b"not an image", issued=ISSUED)


def test_shared_pki_and_bad_arguments() -> None:
    pki = make_test_pki(b"pki", issued=ISSUED)
    a = make_document(pki=pki, issued=ISSUED)
    b = make_document(mrz.build_td3(document_number="AB123", birth_date="800101", expiry_date="300101",
                                    issuing_state="UTO", nationality="UTO", primary_identifier="X"),
                      pki=pki, issued=ISSUED)
    assert a.csca_certificate == b.csca_certificate
    with pytest.raises(LdsError):
        make_document(issued=ISSUED, active_authentication="dsa")
    with pytest.raises(LdsError):
        make_document(mrz.parse("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6"))


def test_write(tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = make_document(issued=ISSUED)
    names = sorted(p.name for p in doc.write(tmp_path))
    assert names == ["DG1.bin", "DG2.bin", "EF_COM.bin", "EF_SOD.bin"]
    assert (tmp_path / "EF_SOD.bin").read_bytes() == doc.sod
