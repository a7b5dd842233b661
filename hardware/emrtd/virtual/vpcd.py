"""A virtual card behind Debian's ``vsmartcard-vpcd`` PC/SC driver (the "vpcd" socket protocol).

The vpcd driver, loaded by pcscd, shows a reader ("Virtual PCD 00 00") and listens on TCP port 35963
(35964 for the second slot). A virtual card connects to it; while connected the card is "in the
reader", and closing the connection removes it. The wire format, as implemented by vsmartcard's
``vpcd.c`` / ``vicc``:

* every message is a 2-byte big-endian length followed by that many bytes, in both directions;
* a 1-byte message from the driver is a control code: 0 power off, 1 power on, 2 reset, 4 ATR request
  (only the ATR request expects an answer: the ATR);
* any longer message is a command APDU, answered with the response APDU (data + SW1 SW2).

This module puts any card object behind that protocol, so the project's virtual passport chip sits
behind a real pcscd and pyscard tests exercise the real PC/SC stack (ICAO 9303 has no say here; the
chip answers ISO/IEC 7816-4 APDUs). The driver listens on every interface, so this client only
connects to loopback addresses; tests run pcscd and this client inside a network namespace.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from hardware.emrtd.errors import CardRemovedError, EmrtdError

log = logging.getLogger(__name__)

VPCD_PORT = 35963
CTRL_OFF = 0
CTRL_ON = 1
CTRL_RESET = 2
CTRL_ATR = 4

SW_UNKNOWN_ERROR = 0x6F00


@runtime_checkable
class VirtualCard(Protocol):
    """What the vpcd (and nfcpy udp) bridges need from a card.

    ``transmit`` takes a command APDU and returns ``(data, sw)`` like the chip layer's connection
    seam (a full response APDU as ``bytes`` is accepted too). ``reset``, ``power_on`` and
    ``power_off`` are optional: cards without them ignore the corresponding control messages.
    """

    @property
    def atr(self) -> bytes:
        """The answer-to-reset the reader reports."""
        ...

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Process one command APDU."""
        ...


def card_response(card: object, apdu: bytes) -> bytes:
    """Run ``apdu`` on ``card`` and return the full response APDU (data + SW1 SW2).

    ``CardRemovedError`` from the card (a simulated removal) propagates; any other failure of the
    card becomes SW 6F00, as a real chip answers an internal error.
    """
    try:
        result = card.transmit(apdu)  # type: ignore[attr-defined]
    except CardRemovedError:
        raise
    except (EmrtdError, ValueError, IndexError) as exc:
        log.warning("virtual card failed on a command: %s", type(exc).__name__)
        return struct.pack(">H", SW_UNKNOWN_ERROR)
    if isinstance(result, (bytes, bytearray)):
        if len(result) < 2:
            return struct.pack(">H", SW_UNKNOWN_ERROR)
        return bytes(result)
    data, sw = result
    return bytes(data) + struct.pack(">H", sw & 0xFFFF)


def _control(card: object, code: int) -> None:
    name = {CTRL_OFF: "power_off", CTRL_ON: "power_on", CTRL_RESET: "reset"}.get(code)
    method = getattr(card, name, None) if name else None
    if callable(method):
        method()


_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        if _QUICKACK is not None:
            # vpcd writes the length and the APDU with two send() calls; with Nagle on its side and
            # delayed ACKs on ours every APDU would wait ~40 ms. Linux clears QUICKACK after use,
            # so it is set again before every read.
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        part = sock.recv(size - len(chunks))
        if not part:
            return None
        chunks += part
    return bytes(chunks)


class VpcdBridge:
    """Connects a card to the vpcd driver and answers the driver until stopped or removed.

    :param card: any object satisfying ``VirtualCard``.
    :param host: the driver's address; only loopback addresses are accepted.
    :param port: the driver's port (35963 for the first slot, 35964 for the second).
    :param socket_factory: makes the TCP socket (tests pass one that creates it inside a network
        namespace); defaults to a plain IPv4/IPv6 socket.
    """

    def __init__(self, card: object, host: str = "127.0.0.1", port: int = VPCD_PORT,
                 socket_factory: Callable[[], socket.socket] | None = None) -> None:
        if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the vpcd bridge only connects to loopback addresses")
        self.card = card
        self.host = host
        self.port = port
        self._socket_factory = socket_factory or (lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.apdu_count = 0

    @property
    def connected(self) -> bool:
        """True while the card is in the virtual reader."""
        return self._sock is not None

    def connect(self, timeout: float = 10.0) -> None:
        """Connect to the driver, retrying until it listens or ``timeout`` passes (card inserted)."""
        deadline = time.monotonic() + timeout
        while True:
            sock = self._socket_factory()
            try:
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                sock.connect((self.host, self.port))
                sock.settimeout(None)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._sock = sock
                return
            except OSError as exc:
                sock.close()
                if time.monotonic() >= deadline:
                    raise ConnectionError(f"vpcd driver not reachable on port {self.port}: {exc}") from exc
                time.sleep(0.1)

    def serve(self) -> None:
        """Answer the driver until it disconnects, ``stop`` is called or the card is removed."""
        sock = self._sock
        if sock is None:
            raise ConnectionError("connect() first")
        try:
            while not self._stopping.is_set():
                header = _recv_exact(sock, 2)
                if header is None:
                    break
                (size,) = struct.unpack(">H", header)
                message = _recv_exact(sock, size) if size else b""
                if message is None:
                    break
                if size == 1:
                    code = message[0]
                    if code == CTRL_ATR:
                        atr = bytes(self.card.atr)  # type: ignore[attr-defined]
                        sock.sendall(struct.pack(">H", len(atr)) + atr)
                    else:
                        _control(self.card, code)
                    continue
                self.apdu_count += 1
                try:
                    response = card_response(self.card, message)
                except CardRemovedError:
                    log.debug("virtual card removed itself from the vpcd reader")
                    break
                sock.sendall(struct.pack(">H", len(response)) + response)
        except OSError as exc:
            if not self._stopping.is_set():
                log.debug("vpcd connection ended: %s", exc)
        finally:
            self._drop()

    def _drop(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def start(self, timeout: float = 10.0) -> VpcdBridge:
        """Connect and serve on a background thread (the card is "inserted" when this returns)."""
        self._stopping.clear()
        self.connect(timeout)
        self._thread = threading.Thread(target=self.serve, name=f"vpcd-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect (the card leaves the reader) and join the serving thread."""
        self._stopping.set()
        self._drop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    remove = stop

    def __enter__(self) -> VpcdBridge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _key_from_args(args: Any) -> Any:
    from hardware.emrtd.password import AccessKey

    if args.can:
        return AccessKey.from_can(args.can)
    if args.mrz_doc or args.mrz_birth or args.mrz_expiry:
        return AccessKey.from_mrz(args.mrz_doc or "", args.mrz_birth or "", args.mrz_expiry or "")
    return None


def add_passport_arguments(parser: Any) -> None:
    """Options shared by the bridges' command lines: which virtual passport to serve."""
    parser.add_argument("--mrz-doc", help="document number (default: the ICAO specimen L898902C3)")
    parser.add_argument("--mrz-birth", help="date of birth YYMMDD")
    parser.add_argument("--mrz-expiry", help="date of expiry YYMMDD")
    parser.add_argument("--can", help="card access number the chip accepts with PACE")
    parser.add_argument("--no-pace", action="store_true", help="offer BAC only (no EF.CardAccess)")


def main(argv: list[str] | None = None) -> int:
    """``python -m hardware.emrtd.virtual.vpcd``: serve a virtual passport to a local vpcd reader.

    For development and demos with a running pcscd that has vsmartcard-vpcd loaded. Prints the
    TEST CSCA path to use with ``kiosk passport verify --trust``. Stops on Ctrl-C.
    """
    import argparse
    import tempfile

    from hardware.emrtd.virtual.passport import make_virtual_passport

    parser = argparse.ArgumentParser(prog="python -m hardware.emrtd.virtual.vpcd", description=main.__doc__)
    add_passport_arguments(parser)
    parser.add_argument("--port", type=int, default=VPCD_PORT, help="vpcd port (35963 = first reader slot)")
    args = parser.parse_args(argv)
    try:
        passport = make_virtual_passport(_key_from_args(args), pace=not args.no_pace)
    except EmrtdError as exc:
        parser.error(str(exc))
    csca = Path(tempfile.mkdtemp(prefix="virtual-passport-")) / "test_csca.der"
    csca.write_bytes(passport.csca_certificate)
    bridge = VpcdBridge(passport.chip, port=args.port)
    try:
        bridge.connect(timeout=10)
    except ConnectionError as exc:
        print(f"{exc}: is pcscd running with vsmartcard-vpcd?")
        return 1
    print(f"virtual passport inserted into the vpcd reader on port {args.port}; TEST CSCA: {csca}")
    try:
        bridge.serve()
    except KeyboardInterrupt:
        pass
    finally:
        bridge.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
