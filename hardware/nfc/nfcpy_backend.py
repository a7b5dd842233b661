"""nfcpy readers (PN53x, Sony RC-S380, the ``udp:`` simulator) as a chip-layer card connection.

A passport answers as an ISO/IEC 14443-4 ("ISO-DEP", NFC Forum Type 4) card (ICAO 9303-10 section 3).
nfcpy activates it (anticollision, RATS/ATTRIB) and its ``IsoDepInitiator`` splits each command
APDU into I-blocks no larger than the card's frame size (FSC from the ATS, capped by the reader's
own limit) and reassembles chained responses, so this module only moves whole APDUs. Extended
length is off by default: nfcpy's Type 4 tags are short-length only, and the chip layer uses
extended APDUs only where both sides support them.

Every nfcpy call runs on one ``IoThread``: nfcpy's frontends are not thread-safe.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from hardware.emrtd.errors import CardRemovedError
from hardware.nfc.errors import NoCardError, NoReaderError, ReaderError, TransportError
from hardware.nfc.thread import IoThread, ThreadBoundConnection

log = logging.getLogger(__name__)

NO_NFC_READER_MESSAGE = "No NFC reader found: plug in the reader (nfcpy path {path!r})"


class NfcpyConnection(ThreadBoundConnection):
    """An ISO-DEP card found by an nfcpy reader, behind the ``transmit(apdu) -> (data, sw)`` seam.

    :param path: nfcpy device path (``usb``, ``usb:054c:06c1``, ``tty:USB0:pn532``,
        ``udp:127.0.0.1:54321``...).
    :param wait_s: how long to look for a card before ``NoCardError``.
    :param timeout: seconds any single call may take before ``ReaderTimeoutError``.
    :param extended_length: whether to declare extended-length support to the chip layer.
    """

    _label = "nfcpy reader"

    def __init__(self, path: str = "usb", *, wait_s: float = 10.0, timeout: float = 30.0,
                 extended_length: bool = False) -> None:
        self.path = path
        self.extended_length = extended_length
        self._io = IoThread(name="nfcpy-io", default_timeout=max(timeout, wait_s + 5.0))
        self._clf: Any = None
        self._tag: Any = None
        self.atr = b""
        self.max_frame_size = 0
        try:
            self._io.call(self._open, wait_s)
        except BaseException:
            self.close()
            raise
        self._io.default_timeout = timeout

    def _open(self, wait_s: float) -> None:
        try:
            import nfc  # type: ignore[import-untyped]
            import nfc.tag.tt4  # type: ignore[import-untyped]
        except ImportError as exc:
            raise NoReaderError(f"{NO_NFC_READER_MESSAGE.format(path=self.path)} (nfcpy is not installed)") from exc
        try:
            self._clf = nfc.ContactlessFrontend(self.path)
        except OSError as exc:  # nfcpy raises IOError(ENODEV) when nothing answers at that path
            raise NoReaderError(NO_NFC_READER_MESSAGE.format(path=self.path)) from exc
        deadline = time.monotonic() + wait_s
        tag = self._clf.connect(
            rdwr={"targets": ["106A", "106B"], "on-connect": lambda _tag: False,
                  "iterations": 1, "interval": 0.1},
            terminate=lambda: time.monotonic() > deadline,
        )
        if tag is None or tag is False:
            raise NoCardError(f"no passport found within {wait_s:g} s: place the photo page on the reader")
        if not isinstance(tag, nfc.tag.tt4.Type4Tag):
            raise NoCardError("the card on the reader is not a passport chip (no ISO-DEP)")
        self._tag = tag
        self.max_frame_size = int(tag._dep.miu) + 3  # nfcpy exposes the negotiated FSC only here
        log.debug("ISO-DEP card activated (frame size %d)", self.max_frame_size)

    def _transmit(self, apdu: bytes) -> tuple[bytes, int]:
        import nfc.clf  # type: ignore[import-untyped]
        import nfc.tag.tt4

        if self._tag is None:
            raise TransportError("the card connection is closed")
        try:
            response = self._tag.transceive(bytearray(apdu))
        except nfc.clf.BrokenLinkError as exc:
            raise CardRemovedError("the passport left the reader: put it back and hold it still") from exc
        except (nfc.tag.tt4.Type4TagCommandError, nfc.clf.CommunicationError) as exc:
            if not self._present():
                raise CardRemovedError("the passport left the reader: put it back and hold it still") from exc
            raise TransportError(f"NFC communication failure: {exc}") from exc
        if response is None or len(response) < 2:
            raise TransportError("the card returned a response without a status word")
        raw = bytes(response)
        return raw[:-2], (raw[-2] << 8) | raw[-1]

    def _present(self) -> bool:
        try:
            return bool(self._tag is not None and self._tag.is_present)
        except Exception:  # nfcpy raises assorted errors from a dead link; any of them means "gone"
            return False

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command APDU; return the response data and the status word."""
        return self._io.call(self._transmit, bytes(apdu))

    def _close(self) -> None:
        clf, self._clf, self._tag = self._clf, None, None
        if clf is not None:
            clf.close()

