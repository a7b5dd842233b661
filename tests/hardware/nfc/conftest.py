"""A real PC/SC stack for reader tests: pcscd + vsmartcard-vpcd inside a private network namespace.

``pcsc_stack`` (session scope) creates a network namespace with only loopback up, starts ``pcscd -f``
inside it with its own reader configuration (one vpcd reader) and its own socket directory
(a private mount namespace binds a temporary folder over ``/run/pcscd``), points libpcsclite at that
socket with ``PCSCLITE_CSOCK_NAME``, waits for the reader to appear, and tears everything down itself,
also when a test fails. The vpcd driver listens on every interface of the namespace, which has no
interface but loopback, so nothing is reachable from outside. Virtual cards connect from this process:
their socket is created on a helper thread that joined the namespace with ``setns(2)``.

Skips with a reason when pcscd, the vpcd driver, ``ip``/``unshare`` or namespace rights are missing;
set ``KIOSK_REQUIRE_PCSC=1`` (CI) to turn those skips into failures.
"""
from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# libpcsclite reads (and caches) the socket path on its first use, so it is set before any test runs.
# Pointing it at our own folder also keeps these tests off any system pcscd and its real readers.
_SOCKET_DIR = Path(tempfile.mkdtemp(prefix="kiosk-pcscd-"))
os.environ["PCSCLITE_CSOCK_NAME"] = str(_SOCKET_DIR / "pcscd.comm")
atexit.register(shutil.rmtree, _SOCKET_DIR, True)

READER_NAME = "Kiosk Virtual PCD"
_VPCD_DRIVER_PATHS = (
    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
    "/usr/lib64/pcsc/drivers/serial/libifdvpcd.so",
    "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so",
)
_CLONE_NEWNET = 0x40000000


def _unavailable(reason: str) -> None:
    if os.environ.get("KIOSK_REQUIRE_PCSC") == "1":
        pytest.fail(f"PC/SC stack required but unavailable: {reason}")
    pytest.skip(reason)


def netns_socket_factory(netns: str):  # type: ignore[no-untyped-def]
    """A factory making TCP sockets inside network namespace ``netns`` (via a throw-away thread).

    ``setns(CLONE_NEWNET)`` only moves the calling thread, and a socket stays in the namespace it was
    created in, so the rest of the process keeps the host's network.
    """

    def make() -> socket.socket:
        box: dict[str, object] = {}

        def worker() -> None:
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
                try:
                    if libc.setns(fd, _CLONE_NEWNET) != 0:
                        err = ctypes.get_errno()
                        raise OSError(err, f"setns: {os.strerror(err)}")
                finally:
                    os.close(fd)
                box["sock"] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            except OSError as exc:
                box["error"] = exc

        t = threading.Thread(target=worker, name="netns-socket")
        t.start()
        t.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["sock"]  # type: ignore[return-value]

    return make


@dataclass
class PcscStack:
    """A running pcscd with one vpcd reader, inside network namespace ``netns``."""

    netns: str
    reader: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]
    socket_factory: object = field(repr=False)

    def bridge(self, card: object, slot: int = 0):  # type: ignore[no-untyped-def]
        """A ``VpcdBridge`` for ``card`` in the given reader slot (not yet started)."""
        from hardware.emrtd.virtual.vpcd import VpcdBridge

        return VpcdBridge(card, "127.0.0.1", self.port + slot, socket_factory=self.socket_factory)

    def reader_name(self, slot: int = 0) -> str:
        """The PC/SC name of slot ``slot`` of the virtual reader."""
        return f"{self.reader} 00 {slot:02d}"

    def log_tail(self, lines: int = 40) -> str:
        """The end of pcscd's log (for assertion messages)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)


@pytest.fixture(scope="session")
def pcsc_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscStack]:
    """Start pcscd + vpcd in a fresh network namespace; yield the stack; stop everything."""
    pytest.importorskip("smartcard", reason="pyscard is not installed")
    pcscd = shutil.which("pcscd") or ("/usr/sbin/pcscd" if os.path.exists("/usr/sbin/pcscd") else None)
    if pcscd is None:
        _unavailable("pcscd is not installed (Debian package pcscd)")
    driver = next((p for p in _VPCD_DRIVER_PATHS if os.path.exists(p)), None)
    if driver is None:
        _unavailable("the vpcd driver is not installed (Debian package vsmartcard-vpcd)")
    for tool in ("ip", "unshare", "mount"):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} is not installed (needed to isolate pcscd in a namespace)")
    if os.geteuid() != 0:
        _unavailable("network and mount namespaces need root (CAP_SYS_ADMIN)")

    netns = f"kiosk-pcsc-{os.getpid()}"
    added = _run(["ip", "netns", "add", netns])
    if added.returncode != 0:
        _unavailable(f"cannot create a network namespace: {added.stderr.strip()}")
    process: subprocess.Popen[bytes] | None = None
    try:
        up = _run(["ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up"])
        if up.returncode != 0:
            _unavailable(f"cannot bring up loopback in the namespace: {up.stderr.strip()}")
        work = tmp_path_factory.mktemp("pcscd")
        conf = work / "reader.conf.d"
        conf.mkdir()
        port = 0x8C7B  # vpcd's default 35963; free inside our own namespace
        (conf / "vpcd").write_text(
            f'FRIENDLYNAME "{READER_NAME}"\nDEVICENAME /dev/null:0x{port:04X}\n'
            f"LIBPATH {driver}\nCHANNELID 0x{port:04X}\n"
        )
        log_path = work / "pcscd.log"
        # A private mount namespace: our socket folder is bound where pcscd insists on putting its
        # socket (a tmpfs over /run gives it a place to be mounted), and empty tmpfs over the USB
        # trees (where present) keep this pcscd from grabbing a real reader the host is using.
        script = ('mount -t tmpfs -o mode=755 kiosk-run /run && mkdir -p /run/pcscd && '
                  'mount --bind "$0" /run/pcscd && '
                  'for d in /sys/bus/usb /dev/bus/usb; do [ -d "$d" ] && mount -t tmpfs kiosk-nousb "$d"; done; '
                  'exec "$1" --foreground --debug -c "$2"')
        with open(log_path, "wb") as log_file:
            process = subprocess.Popen(
                ["ip", "netns", "exec", netns, "unshare", "--mount", "--propagation", "private",
                 "sh", "-c", script, str(_SOCKET_DIR), pcscd, str(conf)],
                stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        stack = PcscStack(netns, READER_NAME, port, log_path, process, netns_socket_factory(netns))

        from hardware.nfc.errors import NoReaderError
        from hardware.nfc.pcsc import list_readers

        deadline = time.monotonic() + 15
        names: list[str] = []
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"pcscd exited with status {process.returncode}:\n{stack.log_tail()}")
            try:
                names = list_readers()
            except NoReaderError:
                names = []
            if stack.reader_name(0) in names:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the vpcd reader did not appear (readers: {names}):\n{stack.log_tail()}")
        yield stack
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        _run(["ip", "netns", "del", netns])


@pytest.fixture
def vpcd_card(pcsc_stack: PcscStack):  # type: ignore[no-untyped-def]
    """Factory fixture: ``vpcd_card(card)`` inserts ``card`` into slot 0 and waits until PC/SC sees it.

    The card is removed again after the test (and the fixture waits until the reader is empty).
    """
    from hardware.nfc.pcsc import wait_for_card

    bridges = []

    def insert(card: object, slot: int = 0):  # type: ignore[no-untyped-def]
        bridge = pcsc_stack.bridge(card, slot).start()
        bridges.append((slot, bridge))
        wait_for_card(pcsc_stack.reader_name(slot), timeout=10)
        return bridge

    yield insert
    for _slot, bridge in bridges:
        bridge.stop()
    for slot in {slot for slot, _bridge in bridges}:
        # Let pcscd notice the removal before the next test inserts a card, so no test talks to a
        # card that is already gone.
        wait_for_card(pcsc_stack.reader_name(slot), timeout=10, present=False)
