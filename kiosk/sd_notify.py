"""systemd's notification protocol (``sd_notify``): readiness and watchdog pings, with no library.

The kiosk runs under ``idkiosk.service`` (installer/templates) as a child of the cage compositor, which is
the unit's main process. The unit therefore sets ``NotifyAccess=all``, and the kiosk takes ``WATCHDOG_USEC``
from the environment it inherits from cage (``WATCHDOG_PID`` names cage, not the kiosk, so it is not checked).
Outside systemd (no ``NOTIFY_SOCKET``) every call is a no-op that returns False.
"""
from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def _address() -> str | None:
    path = os.environ.get("NOTIFY_SOCKET")
    if not path or path[0] not in "/@":
        return None
    return "\0" + path[1:] if path[0] == "@" else path  # "@name": Linux's abstract socket namespace


def notify(message: str) -> bool:
    """Send ``message`` (``READY=1``, ``WATCHDOG=1``, ``STATUS=...``) to systemd; True when it was sent.
    A missing or unreachable socket is not an error of the kiosk's: it is logged once at debug level."""
    address = _address()
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode(), address)
        return True
    except OSError as exc:
        log.debug("sd_notify %s not sent: %s", message.split("=")[0], exc)
        return False


def watchdog_interval_s() -> float | None:
    """How often to send ``WATCHDOG=1``: half of the unit's ``WatchdogSec`` (systemd's advice), or None when
    the unit has no watchdog or there is no notification socket."""
    if _address() is None:
        return None
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 2e6 if usec > 0 else None
