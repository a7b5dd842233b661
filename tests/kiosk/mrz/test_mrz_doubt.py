"""Doubt resolved by evidence, never guessed: the issuing state's number pattern, a vote over frames, and
visas read by their own rules (issue 24 items 3 and 4)."""
from __future__ import annotations

import numpy as np
import pytest

from hardware.emrtd.mrz import build_td1, build_td3
from inference.errors import MrzUnreadableError
from inference.mrz import LineRead, MrzText
from inference.mrz.glyphs import LETTER_RATIO
from kiosk.mrz.number_patterns import fits, pattern_for
from kiosk.mrz.repair import MrzAmbiguousError, read_fields
from kiosk.mrz.scan import VOTE_FRAMES, MrzScanner

MID = (LETTER_RATIO["O"] + 1.0) / 2  # a glyph between an O's height and a 0's: the glyphs lean, weakly
# The height at which the glyph and the recogniser's lean to the digit cancel out: no evidence either way.
EVEN = LETTER_RATIO["O"] + (1 - LETTER_RATIO["O"]) * 0.3848

# The German ID-card specimen (TD1): T22000129 holds "00" at weights 7 and 3, so "OO" passes every digit too.
DE_TD1 = ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4"]
MRV_A = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"]
MRV_B = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"]


def ratios(line: str, at: dict[int, float]) -> list[float | None]:
    return [at.get(i, 1.0) if c in "O0" else None for i, c in enumerate(line)]


def camera(lines: list[str], at: dict[int, float] | None = None, line_count: int = 2) -> dict[str, object]:
    """Recogniser evidence for ``lines``: sure of every character, glyph heights of a 0 except ``at`` (line 1)."""
    return {"alternatives": [[{} for _ in ln] for ln in lines],
            "digit_ratio": [ratios(lines[0], at or {})] + [ratios(ln, {}) for ln in lines[1:]]}


def test_td1_specimen_doubt_is_settled_by_the_german_number_alphabet() -> None:
    ev = camera(DE_TD1, {8: EVEN, 9: EVEN})
    # German serial numbers never hold an O (PassV / PAuswV alphabet): OO is not a number Germany issues.
    read = read_fields(DE_TD1, 3, **ev)
    assert (read.key, read.document_code, read.issuing_state) == (("T22000129", "640812", "201031"), "ID", "D")
    # The same line from a state with no known pattern: the doubt stands, refused with its candidates.
    other = [DE_TD1[0].replace("IDD<<", "IDUTO"), DE_TD1[1]]
    with pytest.raises(MrzAmbiguousError, match="ambiguous") as exc:
        read_fields(other, 3, **camera(other, {8: EVEN, 9: EVEN}))
    assert {c.read.document_number for c in exc.value.candidates} == {"T22000129", "T22OO0129"}
    assert "T22" not in str(exc.value)


def test_pattern_read_from_line_one_of_a_passport() -> None:
    l1 = "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<"
    l2 = build_td3(document_number="CFX00T147", birth_date="640812", expiry_date="270228", issuing_state="D",
                   nationality="D", primary_identifier="MUSTERMANN").lines[1]
    ev = {"alternatives": [[{} for _ in l1], [{} for _ in l2]],
          "digit_ratio": [ratios(l1, {}), ratios(l2, {3: EVEN, 4: EVEN})]}
    assert read_fields([l1, l2], 2, **ev).document_number == "CFX00T147"
    with pytest.raises(MrzUnreadableError, match="ambiguous"):  # line 2 alone: the issuer is unknown
        read_fields([l2], 2, alternatives=ev["alternatives"][1:], digit_ratio=ev["digit_ratio"][1:])


def test_patterns_drop_only_what_a_state_cannot_issue() -> None:
    de, nl = pattern_for("D", "P"), pattern_for("NLD", "I")
    assert fits(de, "C01X00T47") and not fits(de, "C01XOOT47") and not fits(de, "B01X00T47")
    assert fits(nl, "SPECI2014") and not fits(nl, "SPECO2014") and not fits(nl, "SPECI201A")
    assert pattern_for("UTO", "P") is None and pattern_for("D", "V") is None and fits(None, "ANYTHING")


@pytest.mark.parametrize(("lines", "fmt"), [(MRV_A, "MRV-A"), (MRV_B, "MRV-B")])
def test_visas_are_read_by_their_own_rules(lines: list[str], fmt: str) -> None:
    read = read_fields(lines, 2, **camera(lines))
    assert (read.document_type, read.is_visa, read.key) == (fmt, True, ("L8988901C", "400907", "961210"))
    assert read_fields(lines, 2).document_type == fmt  # typed text too
    # Without line 1 nothing says it is a visa: passport rules apply, and its missing composite refuses it.
    with pytest.raises(MrzUnreadableError):
        read_fields(lines[1:], 2)


class Frames:
    """Stands in for ``MrzLineReader``: every frame is the same TD3 line 2 with its own glyph heights."""

    def __init__(self, line: str, heights: list[float]) -> None:
        self.line, self.heights = line, iter(heights)

    def read(self, frame: np.ndarray) -> MrzText:
        h = next(self.heights)
        return MrzText(2, (LineRead(self.line, (1.0,) * len(self.line), tuple({} for _ in self.line),
                                    digit_ratio=tuple(ratios(self.line, {0: h, 1: h}))),))


def feed(scanner: MrzScanner, frames: int) -> list[object]:
    out: list[object] = []
    for k in range(frames):
        try:
            out.append(scanner.feed(np.zeros((8, 8, 3), np.uint8), 0.2 * k))
        except MrzAmbiguousError:
            out.append("doubt")
    return out


LINE = build_td3(document_number="008SFWTAR", birth_date="850317", expiry_date="310101", issuing_state="UTO",
                 nationality="UTO", primary_identifier="ERIKSSON").lines[1]


def test_a_doubt_one_frame_leaves_is_settled_by_the_frames_together() -> None:
    # Each frame leans to "00" but by less than the margin: one frame is refused, two together decide.
    with pytest.raises(MrzAmbiguousError):
        read_fields([LINE], 2, alternatives=[[{} for _ in LINE]], digit_ratio=[ratios(LINE, {0: MID, 1: MID})])
    out = feed(MrzScanner(Frames(LINE, [MID, MID]), needed=2), 2)  # type: ignore[arg-type]
    assert out[0] == "doubt" and getattr(out[1], "document_number", None) == "008SFWTAR"


def test_a_doubt_that_survives_every_frame_is_refused() -> None:
    out = feed(MrzScanner(Frames(LINE, [EVEN] * (VOTE_FRAMES + 2)), needed=2), VOTE_FRAMES + 2)  # type: ignore[arg-type]
    assert out == ["doubt"] * (VOTE_FRAMES + 2)


def test_frames_that_lean_opposite_ways_never_settle() -> None:
    o_like, zero_like = LETTER_RATIO["O"], 0.985  # the first frame says OO, the next ones 00
    out = feed(MrzScanner(Frames(LINE, [o_like, zero_like, zero_like, MID]), needed=2), 4)  # type: ignore[arg-type]
    assert all(not hasattr(o, "document_number") or o.document_number == "008SFWTAR" for o in out)
    assert not hasattr(out[0], "document_number")


def test_a_visa_typed_through_build_td1_is_not_possible() -> None:
    # Visas exist only in the two-line sizes: a TD1 with a V code is still a TD1 and keeps its composite digit.
    t1 = build_td1(document_number="D23145890", birth_date="850317", expiry_date="310101", issuing_state="UTO",
                   nationality="UTO", primary_identifier="ERIKSSON", document_code="V")
    assert t1.format == "TD1"


class Both:
    """Stands in for a reader that passes both lines of a two-line band."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def read(self, frame: np.ndarray) -> MrzText:
        return MrzText(2, tuple(LineRead(ln, (1.0,) * len(ln), tuple({} for _ in ln)) for ln in self.lines))


def test_the_kiosk_scanner_refuses_a_visa_with_a_message_a_customer_can_act_on() -> None:
    from kiosk.mrz.scan import VisaNotAcceptedError

    scanner = MrzScanner(Both(MRV_A), needed=2)  # type: ignore[arg-type]
    assert scanner.feed(np.zeros((8, 8, 3), np.uint8), 0.0) is None
    with pytest.raises(VisaNotAcceptedError, match="visa.*passport") as exc:
        scanner.feed(np.zeros((8, 8, 3), np.uint8), 0.2)
    assert isinstance(exc.value, MrzUnreadableError) and "L898" not in str(exc.value)
    # A clerk's tool may read visas: the same frames give the read.
    reader = MrzScanner(Both(MRV_B), needed=2, accept_visas=True)  # type: ignore[arg-type]
    reads = [reader.feed(np.zeros((8, 8, 3), np.uint8), t) for t in (0.0, 0.2)]
    assert reads[1] is not None and reads[1].document_type == "MRV-B"


class TwinFrames(Frames):
    """As ``Frames``, and the recogniser gave 30 % to an I where the 8 is: same check value, no digit can see it."""

    def read(self, frame: np.ndarray) -> MrzText:
        text = super().read(frame)
        ln = text.lines[0]
        alts = tuple({"I": 0.3} if i == 2 else a for i, a in enumerate(ln.alternatives))
        return MrzText(2, (LineRead(ln.text, ln.confidence, alts, digit_ratio=ln.digit_ratio),))


def test_the_vote_never_takes_what_one_frame_would_refuse() -> None:
    out = feed(MrzScanner(TwinFrames(LINE, [MID] * 4), needed=2), 4)  # type: ignore[arg-type]
    assert out == ["doubt"] * 4
