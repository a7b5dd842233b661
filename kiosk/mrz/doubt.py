"""A doubt between readings of one MRZ, and the vote that settles it over several frames of the same page.

``kiosk.mrz.repair`` raises ``MrzAmbiguousError`` when a frame's evidence leaves two or more document
numbers within its margin; each ``Candidate`` carries its cost (nats: the frame's evidence against it),
its read, whether it is the number exactly as recognised, and whether the frame would accept it on its
own. ``vote`` weighs the frames of one streak together (``kiosk.mrz.scan.MrzScanner`` keeps the streak).
Nothing here holds MRZ text in a message or a repr.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inference.errors import MrzUnreadableError

if TYPE_CHECKING:
    from kiosk.mrz.repair import MrzRead

# One frame's offer: (document number, birth date, expiry) -> its candidate there
Offer = dict[tuple[str, str, str], "Candidate"]


@dataclass(frozen=True)
class Candidate:
    """One reading of a doubtful frame: its cost (nats, this frame's evidence against it), the read, and
    whether it is the document number exactly as recognised (which the check digits accept)."""

    cost: float
    read: MrzRead
    as_read: bool
    # False when this frame alone would refuse the reading even without a rival: it costs more than
    # MAX_COST, or a character has a same-value twin the recogniser found plausible. A vote never picks it.
    acceptable: bool = True

    def __repr__(self) -> str:
        return (f"Candidate(cost={self.cost:.2f}, as_read={self.as_read}, acceptable={self.acceptable}, "
                "<personal data redacted>)")


class MrzAmbiguousError(MrzUnreadableError):
    """Several readings pass every check digit and this frame's evidence does not separate them.

    ``candidates`` (cheapest first) let ``MrzScanner`` weigh several frames of the same page before it
    refuses. The message never holds MRZ text.
    """

    def __init__(self, message: str, candidates: Sequence[Candidate] = ()) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


def offer(candidates: Sequence[Candidate]) -> Offer:
    """One frame's candidates by key (the cheapest, should two share one)."""
    out: Offer = {}
    for c in candidates:
        if c.read.key not in out or c.cost < out[c.read.key].cost:
            out[c.read.key] = c
    return out


def vote(offers: Sequence[Offer], needed: int, margin: float) -> MrzRead | None:
    """The read a streak of frames settles on, or None while the doubt survives.

    A reading wins once it is a candidate of every frame (at least ``needed``), the cheapest (or tied) and
    acceptable on its own in every one, and its summed cost beats every rival's by ``margin`` (a reading a
    frame did not offer counts ``margin`` there: the least a clean read's rivals cost). A number that passes
    its check digits as read on some frame is never replaced by another.
    """
    if len(offers) < needed:
        return None
    common = set.intersection(*(set(o) for o in offers))
    keys = set().union(*offers)
    totals = {k: sum(o[k].cost if k in o else margin for o in offers) for k in keys}
    best = min(common, key=lambda k: totals[k], default=None)
    if best is None or any(totals[k] - totals[best] < margin for k in keys if k != best):
        return None
    if any(o[best].cost > min(c.cost for c in o.values()) for o in offers):
        return None  # every frame must lean the same way: a split vote is a doubt that survives
    if not all(o[best].acceptable for o in offers):
        return None  # too costly, or a same-value twin, on some frame: what one frame refuses, so does the vote
    if any(c.as_read for o in offers for k, c in o.items() if k != best and not o[best].as_read):
        return None  # a frame read another number that passes its check digits: doubt it, never replace it
    return offers[-1][best].read
