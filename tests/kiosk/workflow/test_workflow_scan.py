"""The MRZ read by the camera on the document screen: a certain read enters the document as if typed; a read
the chip refuses sends the customer back to the document screen and is never handed over again."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.workflow.controller import KioskWorkflow
from kiosk.workflow.demo import Autoplay
from kiosk.workflow.demo_devices import DEMO_MRZ
from kiosk.workflow.events import DocumentScanned, MessageKey, ResultReady, StateChanged
from kiosk.workflow.machine import State


@dataclass(frozen=True)
class _Read:
    document_number: str
    birth_date: str
    expiry_date: str
    document_type: str = "TD3"


class _Scanner:
    """Hands over ``reads`` one per ``every`` frames (a real scanner needs agreeing frames too)."""

    def __init__(self, *reads: tuple[str, str, str], every: int = 5) -> None:
        self.reads, self.every, self.frames, self.resets = list(reads), every, 0, 0

    def feed(self, image, t):  # type: ignore[no-untyped-def]
        self.frames += 1
        if self.frames % self.every or not self.reads:
            return None
        return _Read(*(self.reads[0] if len(self.reads) == 1 else self.reads.pop(0)))

    def reset(self) -> None:
        self.resets += 1


def _states(events: list) -> list[State]:
    return [e.state for e in events if isinstance(e, StateChanged)]


def test_a_scanned_mrz_needs_no_typing(engine, demo, run_session, tmp_path: Path) -> None:
    scanner = _Scanner(DEMO_MRZ)
    wf, events = run_session(engine, demo("customer"), tmp_path, autoplay=False,
                             prepare=lambda w: (setattr(w, "scanner", scanner), Autoplay(w, type_mrz=False)))
    assert [e.document_type for e in events if isinstance(e, DocumentScanned)] == ["TD3"]
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome == "ACCEPT", result.reasons
    assert scanner.frames >= scanner.every and scanner.resets == 1


def test_a_misread_refused_by_the_chip_is_not_handed_over_again(engine, demo, fast, tmp_path: Path) -> None:
    wrong = ("D23145891", DEMO_MRZ[1], DEMO_MRZ[2])  # one digit off: the chip refuses the key
    scanner = _Scanner(wrong, every=3)
    wf = KioskWorkflow(engine, demo("customer"), tmp_path, config=fast(), retry_pause_s=0.05, scanner=scanner)
    events: list = []
    wf.subscribe(events.append)
    try:
        wf.start()
        deadline = time.monotonic() + 30
        while not any(isinstance(e, StateChanged) and e.message is MessageKey.MRZ_REJECTED for e in events):
            assert time.monotonic() < deadline, _states(events)
            time.sleep(0.05)
        frames = scanner.frames
        while scanner.frames < frames + 4 * scanner.every:  # the same misread, several times over
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert wf.state is State.DOCUMENT
        assert _states(events) == [State.DOCUMENT, State.CHIP, State.DOCUMENT]
        assert len([e for e in events if isinstance(e, DocumentScanned)]) == 1
        wf.submit_mrz(*DEMO_MRZ)  # typing it still works
        while len(_states(events)) < 4:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert _states(events)[3] is State.CHIP
    finally:
        wf.cancel()
        wf.shutdown()


def test_the_fallback_reading_is_tried_when_the_chip_refuses_the_first(engine, demo, fast, tmp_path: Path) -> None:
    from hardware.emrtd.password import AccessKey

    class _Ambiguous(_Read):
        def fallback_keys(self):  # type: ignore[no-untyped-def]
            return [AccessKey.from_mrz(*DEMO_MRZ)]  # the other reading the check digits allow

    class _Once(_Scanner):
        def feed(self, image, t):  # type: ignore[no-untyped-def]
            self.frames += 1
            return _Ambiguous("D23145891", DEMO_MRZ[1], DEMO_MRZ[2]) if self.frames == 2 else None

    wf = KioskWorkflow(engine, demo("customer"), tmp_path, config=fast(), retry_pause_s=0.05, scanner=_Once())
    events: list = []
    wf.subscribe(events.append)
    try:
        wf.start()
        deadline = time.monotonic() + 30
        while len(_states(events)) < 3:  # the event follows the state change: wait for the event itself
            assert time.monotonic() < deadline, _states(events)
            time.sleep(0.02)
        assert _states(events)[:3] == [State.DOCUMENT, State.CHIP, State.FACE]  # no trip back to the document
    finally:
        wf.cancel()
        wf.shutdown()


def test_the_demo_customer_shows_the_photo_page_and_the_kiosk_reads_it(engine, demo, run_session, tmp_path: Path) -> None:
    from kiosk.mrz.scan import MrzScanner
    from kiosk.workflow.demo import demo_document_page

    scanner = MrzScanner.load()
    page = demo_document_page()
    wf, events = run_session(engine, demo("customer"), tmp_path, autoplay=False,
                             prepare=lambda w: (setattr(w, "scanner", scanner), Autoplay(w, document_page=page)))
    assert [e.document_type for e in events if isinstance(e, DocumentScanned)] == ["TD3"]
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome == "ACCEPT", result.reasons
