"""A virtual card as an ISO/IEC 14443-4 (Type A) card behind nfcpy's ``udp:`` driver.

nfcpy's ``udp`` driver simulates the radio link with UDP datagrams on 127.0.0.1: each frame is the
ASCII bit-rate name, a space and the frame in hex (``"106A 9320"``); the reader sends ``RFOFF``
when it switches its field off. This module answers such frames as an e-passport's contactless
front end does (ICAO 9303-10 section 3 defers to ISO/IEC 14443):

* activation (ISO/IEC 14443-3): REQA/WUPA -> ATQA, anticollision SDD_REQ -> UID + BCC,
  SEL_REQ -> SAK with bit 6 set ("ISO/IEC 14443-4 compliant");
* RATS -> ATS announcing the card's frame size (FSCI) and frame waiting time (FWI);
* the half-duplex block protocol (ISO/IEC 14443-4 section 7): I-blocks with chaining in both
  directions (the card splits responses at the reader's FSD, acknowledges chained commands with
  R(ACK)), R(NAK) presence checks, S(WTX) while the chip computes longer than half the frame waiting
  time, S(DESELECT).

Reassembled command APDUs go to the card object (``transmit(apdu) -> (data, sw)``, ``atr``, optional
``reset``), so the same virtual passport chip that sits behind vpcd answers here too. A field reset
(new REQA after activation, ``RFOFF``) resets the card, as a real chip loses its session keys.
"""
from __future__ import annotations

import logging
import socket
import threading
from binascii import hexlify, unhexlify
from concurrent.futures import Future, ThreadPoolExecutor
from functools import reduce

from hardware.emrtd.errors import CardRemovedError
from hardware.emrtd.virtual.vpcd import card_response

log = logging.getLogger(__name__)

_FSC_TABLE = (16, 24, 32, 40, 48, 64, 96, 128, 256)
_BRTY = b"106A"


def _bcc(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


class NfcUdpCard:
    """Serves ``card`` on ``udp:127.0.0.1:<port>`` for nfcpy readers until ``stop``.

    :param card: the card object (``transmit``, ``atr``, optional ``reset``).
    :param port: UDP port on 127.0.0.1; 0 picks a free one (read ``port`` after ``start``).
    :param uid: 4-byte UID (passports use random UIDs starting with 08h).
    :param fsci: frame size index of the card (8 = 256 bytes; smaller values force command chaining).
    :param fwi: frame waiting time index (FWT = 4096/fc * 2^FWI; 10 is about 0.3 s).
    """

    def __init__(self, card: object, port: int = 0, uid: bytes = bytes.fromhex("08A1B2C3"),
                 fsci: int = 8, fwi: int = 10) -> None:
        if len(uid) != 4:
            raise ValueError("only single-size (4-byte) UIDs are emulated")
        if not 0 <= fsci <= 8 or not 0 <= fwi <= 14:
            raise ValueError("FSCI must be 0..8 and FWI 0..14")
        self.card = card
        self.uid = bytes(uid)
        self.fsci = fsci
        self.fwi = fwi
        self.fwt = 4096 / 13.56e6 * (1 << fwi)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", port))
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._present = True
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nfc-udp-chip")
        self._reset_link()
        self.apdu_count = 0
        self.frames_in = 0
        self.max_frame_in = 0
        self.max_frame_out = 0

    @property
    def path(self) -> str:
        """The nfcpy device path for readers: ``udp:127.0.0.1:<port>``."""
        return f"udp:127.0.0.1:{self.port}"

    def _reset_link(self) -> None:
        self._state = "idle"  # idle -> ready (after anticollision) -> active (after RATS) -> halt
        self._fsd = 256
        self._block = 0
        self._command = bytearray()
        self._pending: list[bytes] = []
        self._last_sent = b""
        self._job: Future[bytes] | None = None

    def _field_reset(self) -> None:
        reset = getattr(self.card, "reset", None)
        if callable(reset):
            reset()
        self._reset_link()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> NfcUdpCard:
        """Serve on a background thread."""
        self._thread = threading.Thread(target=self._serve, name=f"nfc-udp-{self.port}", daemon=True)
        self._thread.start()
        return self

    def remove(self) -> None:
        """The card leaves the field: it stays silent until ``insert`` (readers time out)."""
        self._present = False

    def insert(self) -> None:
        """The card enters the field again (powered up afresh)."""
        self._field_reset()
        self._present = True

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and free the port."""
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> NfcUdpCard:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- frames ----------------------------------------------------------------------------------

    def _send(self, frame: bytes, addr: tuple[str, int]) -> None:
        self.max_frame_out = max(self.max_frame_out, len(frame))
        self._last_sent = frame
        self._sock.sendto(_BRTY + b" " + hexlify(frame), addr)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                self._sock.settimeout(0.2)
                datagram, addr = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._present:
                continue
            if datagram.startswith(b"RFOFF"):
                self._field_reset()
                continue
            try:
                brty, hexdata = datagram.split()
                frame = unhexlify(hexdata)
            except ValueError:
                continue  # noise on the "air": a real card ignores undecodable frames
            if brty != _BRTY or not frame:
                continue
            self.frames_in += 1
            self.max_frame_in = max(self.max_frame_in, len(frame))
            try:
                self._on_frame(frame, addr)
            except OSError:
                return

    def _on_frame(self, frame: bytes, addr: tuple[str, int]) -> None:
        if frame in (b"\x26", b"\x52"):  # REQA / WUPA
            if frame == b"\x26" and self._state == "halt":
                return  # a halted card answers only WUPA
            if self._state != "idle":
                self._field_reset()  # re-activation: the chip starts afresh, session keys gone
            self._send(b"\x04\x00", addr)  # ATQA: single-size UID, bit frame anticollision
            return
        if frame == b"\x93\x20":
            self._send(self.uid + bytes([_bcc(self.uid)]), addr)
            return
        if frame == b"\x93\x70" + self.uid + bytes([_bcc(self.uid)]):
            self._state = "ready"
            self._send(b"\x20", addr)  # SAK: UID complete, ISO/IEC 14443-4 compliant
            return
        if self._state == "ready" and frame[0] == 0xE0 and len(frame) == 2:
            self._fsd = _FSC_TABLE[min(frame[1] >> 4, 8)]
            self._state = "active"
            # ATS: TL, T0 (TA, TB, TC follow; FSCI), TA (106 kbit/s only), TB (FWI, SFGI 0), TC (no CID/NAD)
            self._send(bytes([5, 0x70 | self.fsci, 0x00, self.fwi << 4, 0x00]), addr)
            return
        if self._state == "active":
            self._on_block(frame, addr)

    def _on_block(self, frame: bytes, addr: tuple[str, int]) -> None:
        pcb = frame[0]
        if pcb & 0xE2 == 0x02:  # I-block
            self._block = pcb & 1
            self._command += frame[1:]
            if pcb & 0x10:  # the reader chains: acknowledge this part
                self._send(bytes([0xA2 | self._block]), addr)
                return
            apdu, self._command = bytes(self._command), bytearray()
            self.apdu_count += 1
            self._job = self._pool.submit(card_response, self.card, apdu)
            self._answer_when_done(addr)
        elif pcb & 0xE6 == 0xA2:  # R(ACK): the reader wants the next part of our chained response
            self._block = pcb & 1
            if self._pending:
                self._send_next(addr)
            else:
                self._send(bytes([0xA2 | self._block]), addr)
        elif pcb & 0xE6 == 0xB2:  # R(NAK): presence check or lost frame
            if self._last_sent and (pcb & 1) == self._block and self._last_sent[0] & 0xE2 == 0x02:
                self._sock.sendto(_BRTY + b" " + hexlify(self._last_sent), addr)
            else:
                self._send(bytes([0xA2 | self._block]), addr)
        elif pcb & 0xF7 == 0xF2:  # S(WTX) response: keep computing
            self._answer_when_done(addr)
        elif pcb & 0xF7 == 0xC2:  # S(DESELECT)
            self._send(bytes([0xC2]), addr)
            self._reset_link()
            self._state = "halt"

    def _answer_when_done(self, addr: tuple[str, int]) -> None:
        job = self._job
        if job is None:
            return
        try:
            response = job.result(timeout=self.fwt / 2)
        except TimeoutError:
            # Ask for more time rather than let the reader's frame waiting time run out.
            self._send(bytes([0xF2, 4]), addr)
            return
        except CardRemovedError:
            self._job = None
            self.remove()  # simulated removal: silence from now on
            return
        except Exception:  # a crashing card answers "no precise diagnosis", like a real chip
            log.exception("virtual card failed on a command")
            response = b"\x6f\x00"
        self._job = None
        size = max(1, self._fsd - 3)  # PCB + 2-byte CRC count against the reader's frame size
        self._pending = [response[i:i + size] for i in range(0, len(response), size)] or [b""]
        self._send_next(addr)

    def _send_next(self, addr: tuple[str, int]) -> None:
        part = self._pending.pop(0)
        chaining = 0x10 if self._pending else 0x00
        self._send(bytes([0x02 | chaining | self._block]) + part, addr)


def main(argv: list[str] | None = None) -> int:
    """``python -m hardware.emrtd.virtual.nfc_udp``: serve a virtual passport on nfcpy's udp driver.

    Readers then open ``udp:127.0.0.1:<port>`` (for example ``kiosk passport read --reader
    nfcpy:udp:127.0.0.1:54321``). Prints the TEST CSCA path for passive authentication. Ctrl-C stops.
    """
    import argparse
    import tempfile
    import time
    from pathlib import Path

    from hardware.emrtd.errors import EmrtdError
    from hardware.emrtd.virtual.passport import make_virtual_passport
    from hardware.emrtd.virtual.vpcd import _key_from_args, add_passport_arguments

    parser = argparse.ArgumentParser(prog="python -m hardware.emrtd.virtual.nfc_udp", description=main.__doc__)
    add_passport_arguments(parser)
    parser.add_argument("--port", type=int, default=54321, help="UDP port on 127.0.0.1 (nfcpy's default 54321)")
    args = parser.parse_args(argv)
    try:
        passport = make_virtual_passport(_key_from_args(args), pace=not args.no_pace)
    except EmrtdError as exc:
        parser.error(str(exc))
    csca = Path(tempfile.mkdtemp(prefix="virtual-passport-")) / "test_csca.der"
    csca.write_bytes(passport.csca_certificate)
    card = NfcUdpCard(passport.chip, port=args.port).start()
    print(f"virtual passport in the field at {card.path}; TEST CSCA: {csca}")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        card.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
