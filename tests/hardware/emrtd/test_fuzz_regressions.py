"""Regressions from the fuzz campaign (tests/fuzz): each input once escaped the typed error family
(``EmrtdError``), or cost more memory or time than a chip file may. Inputs are built from valid files
of the virtual passport with the one change that mattered, so each test says what is wrong."""
from __future__ import annotations

import pytest

from hardware.emrtd import lds
from hardware.emrtd.errors import LdsError
from hardware.emrtd.virtual.document import synthetic_portrait


def test_dg2_image_declaring_huge_size_is_refused_before_decoding() -> None:
    # A 16 x 16 JPEG whose frame header says 9000 x 9000: Pillow decoded it (81 megapixels, ~340 MB).
    jpeg, w, h = lds.jpeg_for_dg2(synthetic_portrait((16, 16)), quality=20)
    sof = jpeg.index(b"\xff\xc0")
    patched = bytearray(jpeg)
    patched[sof + 5 : sof + 9] = (9000).to_bytes(2, "big") * 2
    face = lds.parse_dg2(lds.encode_dg2(bytes(patched), w, h)).face
    with pytest.raises(LdsError, match="9000 x 9000 pixels"):
        face.decode()
    # The same portrait with its true size still decodes.
    assert lds.parse_dg2(lds.encode_dg2(jpeg, w, h)).face.decode().size == (16, 16)


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
    from hardware.emrtd.session import EF_SOD, MAX_FILE_SIZE, EmrtdSession

    chip = _HostileChip()
    with pytest.raises(LdsError, match="declares 16777205 bytes"):
        EmrtdSession(chip).read_file(EF_SOD)
    assert chip.commands <= 3  # SELECT and the 8-byte header read, nothing more
    assert MAX_FILE_SIZE >= 1 << 20  # real DG2/DG3 files (JPEG 2000, fingerprints) still fit


def test_transceive_refuses_a_command_shorter_than_its_header() -> None:
    # Was IndexError while formatting the ApduError for a 1-byte "command" the chip answered 6282 to.
    from hardware.emrtd.apdu import MalformedApduError, transceive
    from hardware.emrtd.testing import ScriptedConnection

    conn = ScriptedConnection([("00", "6282")])
    with pytest.raises(MalformedApduError, match="4-byte header"):
        transceive(conn, b"\x00")
    assert conn.remaining == 1  # nothing was sent
