"""The devices the workflow drives, as protocols: a camera (frame source) and a card reader.

The real devices (``hardware.camera``, ``hardware.nfc``) and the simulated ones (``kiosk.workflow.
demo_devices``) both fit these shapes, so the workflow, the window and the tests run the same code.
"""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np


class Frame(Protocol):
    """One camera frame: BGR pixels, a monotonic timestamp in seconds and a running index."""

    image: np.ndarray
    t: float
    index: int


class FrameSource(Protocol):
    """A camera. ``latest()`` never blocks (the preview); ``wait_next`` hands each consumer the next frame
    after the one it has (the analysis), dropping frames it was too slow for, never queueing them."""

    def start(self) -> None:
        """Start delivering frames (idempotent)."""

    def stop(self) -> None:
        """Stop and release the device (idempotent)."""

    def latest(self) -> Frame | None:
        """The newest frame, or None before the first."""

    def wait_next(self, after_index: int, timeout: float) -> Frame | None:
        """The newest frame with an index above ``after_index``, waiting up to ``timeout`` s (None if none)."""


class DocumentScanner(Protocol):
    """Reads the MRZ of a document held up to the camera. ``feed`` returns the document's access fields once a
    read is certain (the same read repeated across frames), else None; ``reset`` forgets earlier frames."""

    def feed(self, image: np.ndarray, t: float) -> Any:
        """One frame; a result with ``document_number``, ``birth_date``, ``expiry_date`` (YYMMDD) and
        ``document_type`` ("TD1", "TD2", "TD3"), or None."""

    def reset(self) -> None:
        """A new customer (or a read the chip refused): start over."""


class CardReader(Protocol):
    """A reader that hands out a connection once a document lies on it."""

    description: str

    def connect(self, timeout: float) -> Any:
        """Wait up to ``timeout`` s for a card; returns a ``CardConnection`` (raises ``HardwareError``)."""
