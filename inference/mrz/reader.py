"""Locate the MRZ in a frame and read the lines that carry the chip's access fields."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.mrz.locate import locate_mrz
from inference.mrz.recognise import LineRead, MrzRecogniser


@dataclass(frozen=True)
class MrzText:
    """What was read from one frame: the band's line count and the recognised lines that matter.

    For a 3-line band (TD1) these are lines 1 and 2 (document number; dates); for a 2-line band (TD2,
    TD3) only line 2, which holds the document number, both dates and every check digit. The name line
    is never read: it is not needed and costs time.
    """

    line_count: int
    lines: tuple[LineRead, ...]

    def __repr__(self) -> str:
        return f"MrzText(line_count={self.line_count}, <text redacted>)"


class MrzLineReader:
    """Frame in, MRZ text out: ``locate_mrz`` then ``MrzRecogniser`` on the needed lines."""

    def __init__(self, recogniser: MrzRecogniser) -> None:
        self.recogniser = recogniser

    def read(self, frame: np.ndarray) -> MrzText:
        """Read ``frame``; raises ``MrzNotFoundError`` (no band) or ``BadImageError`` (not an image)."""
        band = locate_mrz(frame)
        wanted = band.lines[:2] if len(band.lines) == 3 else band.lines[1:]
        return MrzText(len(band.lines), tuple(self.recogniser.read_lines(wanted)))
