"""A virtual e-passport chip speaking real ICAO 9303 APDUs (in-process, vpcd, nfcpy udp)."""
from __future__ import annotations

from hardware.emrtd.virtual.chip import ChipCounters, ChipFaults, LinkModel, VirtualChip
from hardware.emrtd.virtual.pace_card import PaceOffer

__all__ = ["ChipCounters", "ChipFaults", "LinkModel", "PaceOffer", "VirtualChip"]
