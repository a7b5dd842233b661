"""Locate the MRZ in a frame and read the lines that carry the chip's access fields."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from inference.errors import MrzNotFoundError
from inference.mrz.lines import LINE_CHARS
from inference.mrz.locate import NOT_FOUND, MrzBand, locate_candidates
from inference.mrz.recognise import LineRead, MrzRecogniser

# Candidates read before giving up: the band is first on nearly every page; a paragraph or a block of
# three lines ranked above it costs one more recognition batch each.
TRIES = 3
SURE_COST = 1.0  # text_cost below this: lines of the format's exact length, read with confidence


@dataclass(frozen=True)
class MrzText:
    """What was read from one frame: the band's line count and the recognised lines that matter.

    For a 3-line band (TD1) these are lines 1 and 2 (document number; dates); for a 2-line band (TD2,
    TD3, MRV-A, MRV-B) line 2, which holds the document number, both dates and every check digit, and
    line 1 too only when line 2 alone does not pass (``MrzLineReader.read``): line 1's document code tells a
    visa (no composite digit) and its issuer settles a doubt by the issuer's number pattern.
    """

    line_count: int
    lines: tuple[LineRead, ...]

    def __repr__(self) -> str:
        return f"MrzText(line_count={self.line_count}, <text redacted>)"


def text_cost(text: MrzText) -> float:
    """How far what was read is from MRZ lines (0 for lines of the format's exact length, read surely):
    characters missing or extra, plus the recogniser's doubt. Ranks candidates when none passes ``accept``."""
    cost = 0.0
    for line in text.lines:
        cost += min(abs(len(line.text) - n) for n in LINE_CHARS[text.line_count])
        cost += 1.0 - (float(np.mean(line.confidence)) if line.confidence else 0.0)
    return cost


class MrzLineReader:
    """Frame in, MRZ text out: ``locate_candidates`` then ``MrzRecogniser`` on each candidate's needed lines,
    until one is accepted.

    ``accept`` judges a reading (the kiosk passes its check-digit test, ``kiosk.mrz.scan``): candidates are
    read best first and the first accepted is returned, so a paragraph ranked above the band costs a read,
    not the frame. Without ``accept``, or when none is accepted, the reading that looks most like MRZ lines
    (``text_cost``) is returned and the caller's checks refuse it as usual.
    """

    def __init__(self, recogniser: MrzRecogniser, accept: Callable[[MrzText], bool] | None = None,
                 tries: int = TRIES) -> None:
        self.recogniser = recogniser
        self.accept = accept
        self.tries = tries

    def read_band(self, band: MrzBand) -> MrzText:
        """Recognise the lines of one located band that carry the access fields."""
        wanted = band.lines[:2] if len(band.lines) == 3 else band.lines[1:]
        return MrzText(len(band.lines), tuple(self.recogniser.read_lines(wanted)))

    def read(self, frame: np.ndarray) -> MrzText:
        """Read ``frame``; raises ``MrzNotFoundError`` (no band) or ``BadImageError`` (not an image)."""
        bands = locate_candidates(frame, limit=self.tries)
        if not bands:
            raise MrzNotFoundError(NOT_FOUND)
        best: tuple[float, MrzText] | None = None
        for band in bands:
            text = self.read_band(band)
            if self.accept is not None and self.accept(text):
                return text
            cost = text_cost(text)
            if self.accept is not None and len(band.lines) == 2 and cost < SURE_COST:
                # A whole line 2 that does not pass alone: a visa's (no composite digit) or a doubt the
                # issuer's number pattern may settle. Line 1 costs one more line only on such frames; line 2's
                # reading is kept, not recognised again.
                text = MrzText(text.line_count, (*self.recogniser.read_lines(band.lines[:1]), *text.lines))
                if self.accept(text):
                    return text
                cost = text_cost(text)
            if self.accept is None and cost < SURE_COST:  # whole lines, read surely: nothing better to find
                return text
            if best is None or cost < best[0]:
                best = (cost, text)
        assert best is not None
        return best[1]
