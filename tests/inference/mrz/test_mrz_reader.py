"""The line reader reads its best candidates until one is accepted, never only the first (no model: a stub)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.errors import MrzNotFoundError
from inference.mrz import LineRead, MrzLineReader, MrzText
from inference.mrz.reader import text_cost


class _Stub:
    """Stands in for ``MrzRecogniser``: every line reads as 44 characters; counts the batches."""

    provider = "stub"

    def __init__(self) -> None:
        self.calls = 0

    def read_lines(self, lines: list[np.ndarray]) -> list[LineRead]:
        self.calls += 1
        return [LineRead(f"{self.calls:02d}" + "<" * 42, (0.99,) * 44) for _ in lines]


def _two_bands() -> np.ndarray:
    frame = np.full((720, 1280, 3), 228, np.uint8)
    for y in (200, 250, 560, 610):  # two MRZ-like blocks: which one is the MRZ only reading can tell
        cv2.putText(frame, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", (60, y), cv2.FONT_HERSHEY_PLAIN, 1.9,
                    (20, 20, 20), 2)
    return frame


def test_the_first_candidate_the_checks_accept_is_returned() -> None:
    stub = _Stub()
    seen: list[str] = []

    def accept(text: MrzText) -> bool:
        seen.append(text.lines[0].text[:2])
        return len(seen) == 3  # the checks refuse the best-ranked candidate (line 2, then both lines), accept the next

    text = MrzLineReader(stub, accept=accept).read(_two_bands())  # type: ignore[arg-type]
    assert stub.calls == 3 and text.lines[0].text.startswith("03") and len(text.lines) == 1


def test_line_1_is_read_only_when_line_2_alone_does_not_pass() -> None:
    stub = _Stub()
    text = MrzLineReader(stub, accept=lambda _t: True).read(_two_bands())  # type: ignore[arg-type]
    assert stub.calls == 1 and len(text.lines) == 1  # a passport's line 2 passes: line 1 is never read
    stub = _Stub()
    text = MrzLineReader(stub, accept=lambda t: len(t.lines) == 2).read(_two_bands())  # type: ignore[arg-type]
    assert stub.calls == 2 and len(text.lines) == 2  # a visa's line 2 passes only with line 1's code


def test_without_acceptance_the_likeliest_reading_is_returned_after_the_tries() -> None:
    stub = _Stub()
    text = MrzLineReader(stub, accept=lambda _t: False, tries=2).read(_two_bands())  # type: ignore[arg-type]
    assert stub.calls == 4 and text.line_count == 2  # each candidate: line 2, then with line 1


def test_text_cost_prefers_whole_lines() -> None:
    whole = MrzText(2, (LineRead("<" * 44, (0.99,) * 44),))
    short = MrzText(2, (LineRead("<" * 30, (0.99,) * 30),))
    assert text_cost(whole) < 0.05 < text_cost(short)


def test_a_frame_without_an_mrz_is_not_found() -> None:
    with pytest.raises(MrzNotFoundError, match="no MRZ found"):
        MrzLineReader(_Stub()).read(np.full((720, 1280, 3), 200, np.uint8))  # type: ignore[arg-type]
