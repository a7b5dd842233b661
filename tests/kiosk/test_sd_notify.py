"""systemd notifications over a real AF_UNIX datagram socket, as systemd's NOTIFY_SOCKET receives them."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kiosk.sd_notify import notify, watchdog_interval_s


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(5)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    yield sock
    sock.close()


def test_messages_reach_the_socket(notify_socket: socket.socket) -> None:
    assert notify("READY=1")
    assert notify("WATCHDOG=1")
    assert notify_socket.recv(64) == b"READY=1"
    assert notify_socket.recv(64) == b"WATCHDOG=1"


def test_abstract_socket_names_are_understood(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"idkiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert notify("READY=1")
        assert sock.recv(64) == b"READY=1"


def test_outside_systemd_nothing_is_sent_and_nothing_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert notify("READY=1") is False and watchdog_interval_s() is None
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "nobody-listens"))
    assert notify("WATCHDOG=1") is False  # a gone socket is logged, not raised


def test_the_ping_interval_is_half_the_units_watchdog(notify_socket: socket.socket,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert watchdog_interval_s() == 15.0
    for bad in ("", "0", "soon"):
        monkeypatch.setenv("WATCHDOG_USEC", bad)
        assert watchdog_interval_s() is None
