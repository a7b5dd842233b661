"""Card readers: PC/SC through pyscard (``pcsc``) and NFC through nfcpy (``nfcpy_backend``).

Both implement the chip layer's connection seam (``transmit(apdu) -> (data, sw)``, ``close()``) and
pin their I/O to one ``IoThread``. Import the backends from their modules; this package only lists
the shared names.
"""
from __future__ import annotations

from hardware.nfc.errors import NoCardError, NoReaderError, ReaderError, ReaderTimeoutError, TransportError
from hardware.nfc.thread import IoThread

__all__ = ["IoThread", "NoCardError", "NoReaderError", "ReaderError", "ReaderTimeoutError", "TransportError"]
