"""The document step's camera half: feed frames to the MRZ scanner until a read is certain.

Runs on its own worker while the document screen is up, whichever way the customer chooses (the screen
starts with the camera; typing is one tap away). Attempts are spaced ``SCAN_INTERVAL_S`` apart, so a
customer typing meanwhile keeps most of the two cores.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hardware.emrtd.errors import MrzError
from hardware.emrtd.password import AccessKey
from inference.errors import InferenceError

from kiosk.workflow.ports import DocumentScanner, FrameSource

# Seconds between MRZ attempts (one attempt costs ~0.3 s of CPU).
SCAN_INTERVAL_S = 0.4


@dataclass(frozen=True)
class ScannedDocument:
    """A certain read: its fields (personal data: never logged), the chip key, and the other readings of the
    same page that the check digits cannot tell apart (to try if the chip refuses ``key``)."""

    fields: tuple[str, str, str]
    document_type: str
    key: AccessKey
    fallback_keys: tuple[AccessKey, ...]


def scan_document(scanner: DocumentScanner, camera: FrameSource, *, keep_going: Callable[[], bool],
                  stop: threading.Event, refused: set[tuple[str, str, str]]) -> ScannedDocument | None:
    """Read frames until the scanner is certain of a read not in ``refused``; None once ``keep_going()`` is
    false or ``stop`` is set. A frame without a readable MRZ is simply no read."""
    scanner.reset()
    last = -1
    while keep_going() and not stop.is_set():
        frame = camera.wait_next(last, 0.25)
        if frame is None:
            continue  # the face step's watchdog deals with a dead camera; typing still works
        last = frame.index
        started = time.monotonic()
        try:
            read: Any = scanner.feed(frame.image, frame.t)
        except InferenceError:  # no MRZ in view, or not readable in this frame: the next one may be
            read = None
        stop.wait(max(0.0, SCAN_INTERVAL_S - (time.monotonic() - started)))
        if read is None:
            continue
        fields = (read.document_number, read.birth_date, read.expiry_date)
        if fields in refused:
            continue
        try:
            key = AccessKey.from_mrz(*fields)
        except MrzError:
            continue
        fallbacks = tuple(getattr(read, "fallback_keys", lambda: [])())
        return ScannedDocument(fields, read.document_type, key, fallbacks)
    return None
