"""Agreement across frames: one frame is never enough, disagreeing frames are never accepted."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from hardware.emrtd.mrz import build_td3
from inference.errors import MrzNotFoundError, MrzUnreadableError
from inference.mrz import LineRead, MrzText
from kiosk.mrz.scan import MrzScanner

FRAME = np.zeros((8, 8, 3), np.uint8)  # the fake reader ignores pixels


def line(number: str) -> str:
    return build_td3(document_number=number, birth_date="850317", expiry_date="310101", issuing_state="UTO",
                     nationality="UTO", primary_identifier="ERIKSSON").lines[1]


class ScriptedReader:
    """Stands in for ``MrzLineReader``: each ``read`` returns the next scripted line or raises it."""

    def __init__(self, script: list[str | Exception]) -> None:
        self._it: Iterator[str | Exception] = iter(script)

    def read(self, frame: np.ndarray) -> MrzText:
        item = next(self._it)
        if isinstance(item, Exception):
            raise item
        return MrzText(2, (LineRead(item, (1.0,) * len(item), tuple({} for _ in item)),))


def feed_all(scanner: MrzScanner, times: list[float]) -> list[object]:
    out: list[object] = []
    for t in times:
        try:
            out.append(scanner.feed(FRAME, t))
        except (MrzNotFoundError, MrzUnreadableError) as exc:
            out.append(type(exc).__name__)
    return out


def test_one_frame_is_never_enough() -> None:
    scanner = MrzScanner(ScriptedReader([line("AB1234567")]))  # type: ignore[arg-type]
    assert scanner.feed(FRAME, 0.0) is None


def test_two_agreeing_frames_are_accepted() -> None:
    scanner = MrzScanner(ScriptedReader([line("AB1234567"), line("AB1234567")]))  # type: ignore[arg-type]
    out = feed_all(scanner, [0.0, 0.2])
    assert out[0] is None and out[1] is not None
    assert out[1].key == ("AB1234567", "850317", "310101")  # type: ignore[attr-defined]


def test_disagreeing_frames_are_never_accepted() -> None:
    # Both reads pass every check digit (A and K have the same value) but they differ.
    a, k = line("A11234567"), line("K11234567")
    scanner = MrzScanner(ScriptedReader([a, k, a, k, a, k]))  # type: ignore[arg-type]
    assert feed_all(scanner, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]) == [None] * 6


def test_a_different_read_restarts_the_count() -> None:
    a, b = line("AB1234567"), line("CD7654321")
    scanner = MrzScanner(ScriptedReader([a, b, a, a]))  # type: ignore[arg-type]
    out = feed_all(scanner, [0.0, 0.2, 0.4, 0.6])
    assert out[:3] == [None, None, None] and out[3] is not None


def test_unreadable_frames_neither_count_nor_break_agreement() -> None:
    a = line("AB1234567")
    scanner = MrzScanner(ScriptedReader([a, MrzNotFoundError("x"), "GARBAGE", a]))  # type: ignore[arg-type]
    out = feed_all(scanner, [0.0, 0.2, 0.4, 0.6])
    assert out[:3] == [None, "MrzNotFoundError", "MrzUnreadableError"] and out[3] is not None


def test_reads_too_far_apart_do_not_agree() -> None:
    a = line("AB1234567")
    scanner = MrzScanner(ScriptedReader([a, a, a]), window_s=5.0)  # type: ignore[arg-type]
    out = feed_all(scanner, [0.0, 6.0, 6.5])
    assert out[:2] == [None, None] and out[2] is not None


def test_reset_forgets_the_previous_document() -> None:
    a = line("AB1234567")
    scanner = MrzScanner(ScriptedReader([a, a]))  # type: ignore[arg-type]
    scanner.feed(FRAME, 0.0)
    scanner.reset()
    assert scanner.feed(FRAME, 0.1) is None


def test_agreement_of_one_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        MrzScanner(ScriptedReader([]), needed=1)  # type: ignore[arg-type]
