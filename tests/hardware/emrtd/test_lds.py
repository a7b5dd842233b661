"""LDS parsers on the ICAO / gmrtd / JMRTD specimen files, encoders round trip, fuzzing."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.emrtd import lds, tlv
from hardware.emrtd.errors import EmrtdError, LdsError
from hardware.emrtd.mrz import parse as parse_mrz
from inference.errors import BadImageError
from kiosk.workflow.chip_step import decode_dg2_face

COUNTRIES = ["AT", "AU", "CN", "DE", "FR", "MY", "NZ", "RU", "SG", "UK", "US"]


@pytest.fixture(scope="module")
def emrtd(shared_data: Path) -> Path:
    return shared_data / "emrtd"


def test_worked_example_com_dg1(emrtd: Path) -> None:
    w = emrtd / "gmrtd/vectors/icao9303_worked_examples"
    com = lds.parse_com((w / "EF_COM.bin").read_bytes())
    assert (com.lds_version, com.unicode_version, com.data_groups) == ("1.6", "4.0.0", (1, 2))
    assert com.raw == (w / "EF_COM.bin").read_bytes()
    dg1 = lds.parse_dg1((w / "DG1.bin").read_bytes())
    assert dg1.mrz.format == "TD2" and dg1.mrz.document_number == "D23145890"
    assert lds.encode_dg1(dg1.mrz) == dg1.raw


def test_worked_example_dg11_dg12_dg15(emrtd: Path) -> None:
    w = emrtd / "gmrtd/vectors/icao9303_worked_examples"
    dg11 = lds.parse_dg11((w / "DG11.bin").read_bytes())
    assert dg11.fields["full_name"].startswith("SMITH")
    assert dg11.tags[0] == 0x5F0E
    dg12 = lds.parse_dg12((w / "DG12.bin").read_bytes())
    assert dg12.fields["personalization_time"] == "20161115013612"
    dg15 = lds.parse_dg15((w / "DG15.bin").read_bytes())
    assert (dg15.algorithm, dg15.key_size) == ("rsa", 1792)


@pytest.mark.parametrize(
    ("path", "encoding", "fmt", "size"),
    [
        ("gmrtd/vectors/icao9303_worked_examples/DG2.bin", "ISO19794-5", "jpeg", (148, 70)),
        ("jmrtd/samples/bsi2008/Datagroup2.bin", "ISO19794-5", "jpeg2000", None),
        ("jmrtd/samples/loes2006/ef0102.bin", "ISO19794-5", "jpeg2000", (449, 598)),
        ("gmrtd/document/test_data/ICAO_39794_5_AP_DG2_AllFields.dat", "ISO39794-5", "jpeg2000", None),
        ("gmrtd/document/test_data/ICAO_39794_5_AP_DG2_MandFields.dat", "ISO39794-5", "jpeg2000", None),
    ],
)
def test_dg2_decodes(emrtd: Path, path: str, encoding: str, fmt: str, size: tuple[int, int] | None) -> None:
    raw = (emrtd / path).read_bytes()
    dg2 = lds.parse_dg2(raw)
    assert dg2.encoding == encoding and dg2.raw == raw
    face = dg2.face
    assert face.image_format == fmt
    arr = decode_dg2_face(face.image_data)
    if size:
        assert (arr.shape[1], arr.shape[0]) == size == (face.width, face.height)
    assert arr.dtype == np.uint8 and arr.std() > 5


def test_39794_image_is_the_reference_portrait(emrtd: Path) -> None:
    dg2 = lds.parse_dg2((emrtd / "gmrtd/document/test_data/ICAO_39794_5_AP_DG2_AllFields.dat").read_bytes())
    assert dg2.face.width == 572 and dg2.face.height == 731  # ImageSizeBlock values
    assert dg2.headers[0].format_type == 0x2A


def test_19794_record_standalone(emrtd: Path) -> None:
    block = (emrtd / "gmrtd/document/iso19794/test_data/ISO19794_Test1_Data.bin").read_bytes()
    jpg = (emrtd / "gmrtd/document/iso19794/test_data/ISO19794_Test1_Face.jpg").read_bytes()
    assert lds.parse_iso19794_5(block)[0].image_data == jpg
    bad = (emrtd / "gmrtd/document/iso19794/test_data/ISO19794_Test2_Data_InvalidImage.bin").read_bytes()
    face = lds.parse_iso19794_5(bad)[0]
    with pytest.raises(BadImageError):
        decode_dg2_face(face.image_data)


@pytest.mark.parametrize("cc", COUNTRIES)
def test_sod_parse_expected_hashes(emrtd: Path, cc: str) -> None:
    folder = emrtd / "gmrtd/vectors/sod_parse" / cc
    sod = lds.parse_sod((folder / "EF_SOD.bin").read_bytes())
    assert sod.dg_hashes[1] == (folder / "expected_DG1_hash.bin").read_bytes()
    assert sod.dg_hashes[2] == (folder / "expected_DG2_hash.bin").read_bytes()
    assert sod.certificates[0] == (folder / "DSC.der").read_bytes()
    assert sod.signer_info.message_digest == hashlib.new(sod.signer_info.digest_algorithm, sod.signed_data.content).digest()


def test_specimen_documents_hash_to_sod(emrtd: Path) -> None:
    docs = {
        "jmrtd/samples/bsi2008": ("EF_SOD.bin", {n: f"Datagroup{n}.bin" for n in (1, 2, 3, 14)}),
        "jmrtd/samples/loes2006": ("ef011D.bin", {1: "ef0101.bin", 2: "ef0102.bin", 15: "ef010F.bin"}),
    }
    for folder, (sod_name, dgs) in docs.items():
        sod = lds.parse_sod((emrtd / folder / sod_name).read_bytes())
        h = lds.hash_function(sod.hash_algorithm)
        assert set(sod.dg_hashes) == set(dgs)
        for n, name in dgs.items():
            assert sod.dg_hashes[n] == h((emrtd / folder / name).read_bytes()), (folder, n)


def test_encoders_round_trip() -> None:
    from PIL import Image

    img = Image.new("RGB", (120, 160), (10, 120, 200))
    jpeg, w, h = lds.jpeg_for_dg2(img, 9000)
    assert len(jpeg) == 9000
    dg2 = lds.parse_dg2(lds.encode_dg2(jpeg, w, h))
    assert dg2.face.image_data == jpeg and decode_dg2_face(dg2.face.image_data).shape[:2] == (160, 120)
    com = lds.parse_com(lds.encode_com([2, 1, 15]))
    assert com.data_groups == (1, 2, 15) and com.lds_version == "1.7"
    m = parse_mrz("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10")
    assert lds.parse_dg1(lds.encode_dg1(m)).mrz == m


def test_wrong_outer_tag_is_typed() -> None:
    with pytest.raises(LdsError):
        lds.parse_dg1(tlv.encode(0x75, b""))
    with pytest.raises(LdsError):
        lds.parse_sod(tlv.encode(0x77, b"\x30\x03\x02\x01\x00"))


PARSERS = [lds.parse_com, lds.parse_dg1, lds.parse_dg2, lds.parse_dg11, lds.parse_dg12, lds.parse_dg15, lds.parse_sod]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PARSERS), st.binary(max_size=300))
def test_fuzz_random_bytes(parser, data: bytes) -> None:  # type: ignore[no-untyped-def]
    try:
        parser(data)
    except EmrtdError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([0x60, 0x61, 0x75, 0x6B, 0x6C, 0x6F, 0x77]), st.binary(max_size=200))
def test_fuzz_right_tag_random_body(tag: int, body: bytes) -> None:
    for parser in PARSERS:
        try:
            parser(tlv.encode(tag, body))
        except EmrtdError:
            pass


def _mutations(data: bytes, head: int = 0) -> st.SearchStrategy[bytes]:
    """One byte changed (anywhere, or in the first ``head`` bytes where the headers are) and maybe a cut end."""
    def mutate(args: tuple[int, int, int]) -> bytes:
        pos, value, cut = args
        b = bytearray(data)
        b[pos % len(b)] = value
        return bytes(b[: len(b) - cut])

    positions = st.integers(0, len(data) - 1)
    if head:
        positions = st.one_of(positions, st.integers(0, head - 1))
    return st.tuples(positions, st.integers(0, 255), st.integers(0, 20)).map(mutate)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_fuzz_mutated_real_sod(shared_data: Path, data: st.DataObject) -> None:
    raw = (shared_data / "emrtd/gmrtd/vectors/sod_parse/AT/EF_SOD.bin").read_bytes()
    try:
        lds.parse_sod(data.draw(_mutations(raw)))
    except EmrtdError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_fuzz_mutated_dg2(shared_data: Path, data: st.DataObject) -> None:
    raw = (shared_data / "emrtd/gmrtd/vectors/icao9303_worked_examples/DG2.bin").read_bytes()
    try:
        lds.parse_dg2(data.draw(_mutations(raw, head=80)))
    except EmrtdError:
        pass


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_fuzz_corrupted_image_decode(data: st.DataObject) -> None:
    from PIL import Image

    jpeg, w, h = lds.jpeg_for_dg2(Image.new("RGB", (32, 32), (90, 30, 200)))
    face = lds.parse_dg2(lds.encode_dg2(data.draw(_mutations(jpeg)), w, h, image_format="jpeg")).face
    try:
        decode_dg2_face(face.image_data)
    except BadImageError:
        pass


def test_dg1_holding_a_visa_is_refused() -> None:
    """A chip's DG1 never holds a visa (ICAO chips are travel documents): the parser reads visas now, DG1 refuses."""
    from hardware.emrtd.mrz import build_mrv

    visa = build_mrv(fmt="MRV-A", document_number="AB123456", birth_date="900101", expiry_date="300101",
                     issuing_state="UTO", nationality="UTO", primary_identifier="ERIKSSON")
    with pytest.raises(LdsError, match="visa"):
        lds.parse_dg1(lds.encode_dg1(visa))
