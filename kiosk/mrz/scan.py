"""``MrzScanner``: camera frames in, an MRZ read out only once the same read repeats across frames.

Qt-free and cheap enough for a worker thread (one ``feed`` costs one locate, about 40 ms, plus one
recognition batch; 80-270 ms of CPU in all on a 2-core PC, by the day). Check digits have blind spots (``<``/0/A/K/U and
G/Q/6 have the same value; the composite digit cannot tell which field is wrong), so a single frame
is never enough: ``feed`` returns a read only when ``needed`` consecutive readable frames, within
``window_s`` seconds of each other, give the same document number, birth date and expiry date.
A different read in between starts the count again.

A frame whose evidence leaves two readings within ``repair.MARGIN`` (``MrzAmbiguousError``) is not
thrown away: its candidates join a vote over the frames of the same page, up to ``VOTE_FRAMES``
(``kiosk.mrz.doubt.vote`` says when a reading wins). While the doubt survives, nothing is accepted: the
customer types instead. A visa agreed on is refused (``VisaNotAcceptedError``) unless ``accept_visas``.
"""
from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from inference.config import RuntimeConfig
from inference.errors import MrzUnreadableError
from inference.mrz import MODEL_ID, MrzLineReader, MrzRecogniser, MrzText
from kiosk.mrz.doubt import Candidate, MrzAmbiguousError, Offer, offer, vote
from kiosk.mrz.repair import MARGIN, MrzRead, read_fields

if TYPE_CHECKING:
    from models.store import ModelStore

log = logging.getLogger(__name__)

class VisaNotAcceptedError(MrzUnreadableError):
    """The MRZ agreed on is a visa's (MRV-A, MRV-B). A visa has no chip and is not an identity document
    for this kiosk, so no chip key comes from it; a subclass of ``MrzUnreadableError`` so every caller
    that treats an unreadable frame as "no read yet" keeps working, while a screen can name the cause."""


VISA_MESSAGE = ("this is a visa: a visa is not an identity document for this kiosk and has no chip; "
                "show the passport's photo page (or the identity card) instead")

VOTE_FRAMES = 6  # the most frames a doubt is weighed over before the oldest is forgotten


def fields_from_text(text: MrzText) -> MrzRead:
    """Checked (and possibly repaired) fields of one frame's recognised lines; ``MrzUnreadableError``."""
    return read_fields([ln.text for ln in text.lines], text.line_count, [ln.alternatives for ln in text.lines],
                       confidence=[ln.confidence for ln in text.lines], digit_ratio=[ln.digit_ratio for ln in text.lines])


def passes_checks(text: MrzText) -> bool:
    """Whether recognised lines give checked fields: how the line reader tells the MRZ among its candidates.

    Two readings that both pass every check digit (``MrzAmbiguousError``) are the MRZ too, once every line
    the format has was read: the doubt is the scanner's vote to settle, not a reason to read other regions.
    """
    try:
        fields_from_text(text)
    except MrzAmbiguousError:
        return text.line_count == 3 or len(text.lines) == 2
    except MrzUnreadableError:
        return False
    return True


class MrzScanner:
    """Feed frames with their (monotonic) timestamps; get an ``MrzRead`` once reads agree.

    Not thread-safe: use one scanner per worker thread (the model session underneath may be shared).
    """

    def __init__(self, reader: MrzLineReader, *, needed: int = 2, window_s: float = 5.0,
                 accept_visas: bool = False) -> None:
        if needed < 2:
            raise ValueError("agreement needs at least 2 frames: one frame can pass every check digit and be wrong")
        self.reader = reader
        self.accept_visas = accept_visas  # off in the kiosk: a visa unlocks no chip (VisaNotAcceptedError)
        self.needed = needed
        self.window_s = window_s
        self._recent: deque[tuple[float, Offer]] = deque(maxlen=max(needed, VOTE_FRAMES))

    @classmethod
    def load(cls, config: RuntimeConfig | None = None, provider: str | None = None, store: ModelStore | None = None,
             *, needed: int = 2, window_s: float = 5.0) -> MrzScanner:
        """A scanner on the verified ``ppocr_rec`` model from the model cache (``ModelError`` with the fix).

        Takes a few seconds (the model is compiled for each fixed line width): do it once, at start-up.
        """
        from models.store import ModelStore

        st = store or ModelStore()
        recogniser = MrzRecogniser.load(st.model_path(MODEL_ID), config, provider)
        return cls(MrzLineReader(recogniser, accept=passes_checks), needed=needed, window_s=window_s)

    def read_frame(self, frame: np.ndarray) -> MrzRead:
        """One frame, no agreement: the checked (and possibly repaired) read.

        Raises ``MrzNotFoundError`` (no MRZ in view), ``MrzUnreadableError`` (found but not readable
        into fields that pass their check digits) or ``BadImageError`` (not an image).
        """
        return fields_from_text(self.reader.read(frame))

    def feed(self, frame: np.ndarray, timestamp: float) -> MrzRead | None:
        """Read ``frame`` taken at ``timestamp`` (seconds, monotonic); the read once agreed, else None.

        Raises what ``read_frame`` raises; an unreadable frame neither counts nor breaks the streak. A
        doubtful frame (``MrzAmbiguousError``) joins the vote and is raised again unless the vote settles.
        An agreed visa raises ``VisaNotAcceptedError`` unless the scanner was made with ``accept_visas``.
        """
        doubt: MrzAmbiguousError | None = None
        try:
            read = self.read_frame(frame)
            this = offer([Candidate(0.0, read, True)])
        except MrzAmbiguousError as exc:
            if not exc.candidates:
                raise
            doubt, this = exc, offer(exc.candidates)
        while self._recent and timestamp - self._recent[0][0] > self.window_s:
            self._recent.popleft()
        if self._recent and not set(this) & set.intersection(*(set(o) for _, o in self._recent)):
            log.info("MRZ read differs from the previous frames'; agreement starts again")
            self._recent.clear()
        self._recent.append((timestamp, this))
        agreed = vote([o for _, o in self._recent], self.needed, MARGIN)
        if agreed is not None:
            self._recent.clear()
            log.info("MRZ read agreed across frames (%s)", agreed.document_type)
            if agreed.is_visa and not self.accept_visas:
                raise VisaNotAcceptedError(VISA_MESSAGE)
            return agreed
        if doubt is not None:
            raise doubt
        return None

    def reset(self) -> None:
        """Forget earlier frames (call when a new document is expected)."""
        self._recent.clear()
