"""Base error of the hardware package."""
from __future__ import annotations


class HardwareError(Exception):
    """A device or protocol failure. ``str()`` is written for a person and carries no personal data."""
