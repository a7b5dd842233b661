"""What goes wrong at a kiosk: a mistyped MRZ, a passport lifted mid-read, a reader that vanishes, a camera
that stops, a worker that crashes, a customer who cancels or walks away. Each ends on a clear screen,
faults are audited, and the kiosk always comes back to attract."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from hardware.emrtd.errors import CardRemovedError
from hardware.errors import HardwareError
from kiosk.workflow.events import ChallengeDrawn, ChipRetry, MessageKey, ResultReady, SessionEnded, StateChanged
from kiosk.workflow.machine import State, Trigger
from storage import open_storage


def _states(events: list) -> list[State]:
    return [e.state for e in events if isinstance(e, StateChanged)]


def _audit_kinds(data_dir: Path) -> list[str]:
    st = open_storage(data_dir)
    try:
        assert st.audit.verify().ok
        return [e.kind for e in st.audit.events()]
    finally:
        st.close()


class _LiftedOnce:
    """The first connection loses the card after a few APDUs (the customer lifted the passport)."""

    def __init__(self, inner: Any, after: int = 12) -> None:
        self.inner, self.after, self.connections = inner, after, 0
        self.description = inner.description

    def connect(self, timeout: float) -> Any:
        self.connections += 1
        chip = self.inner.connect(timeout)
        if self.connections > 1:
            return chip
        outer = self

        class Lifting:
            n = 0

            def transmit(self, apdu: bytes) -> Any:
                Lifting.n += 1
                if Lifting.n > outer.after:
                    raise CardRemovedError("card removed")
                return chip.transmit(apdu)

            def close(self) -> None:
                chip.close()

            def __getattr__(self, name: str) -> Any:
                return getattr(chip, name)
        return Lifting()


def test_wrong_mrz_goes_back_to_the_document_screen(engine, demo, run_session, tmp_path: Path) -> None:
    def prepare(wf):
        wf.subscribe(lambda e: isinstance(e, StateChanged) and e.message is MessageKey.MRZ_REJECTED
                     and threading.Timer(0.05, wf.cancel).start())
    devices = demo("customer")
    wf, events = run_session(engine, devices, tmp_path, autoplay=False,
                             prepare=lambda wf: (prepare(wf), wf.subscribe(
                                 lambda e: isinstance(e, StateChanged) and e.state is State.DOCUMENT
                                 and e.previous is State.ATTRACT and wf.submit_mrz("X1234567", "900101", "341231"))))
    back = [e for e in events if isinstance(e, StateChanged) and e.previous is State.CHIP]
    assert back[0].state is State.DOCUMENT and back[0].message is MessageKey.MRZ_REJECTED
    assert _states(events)[-1] is State.ATTRACT and not any(isinstance(e, ResultReady) for e in events)


def test_passport_lifted_mid_read_asks_to_keep_it_on_the_reader_then_succeeds(engine, demo, run_session,
                                                                               tmp_path: Path) -> None:
    devices = demo("customer")
    devices.reader = _LiftedOnce(devices.reader)
    wf, events = run_session(engine, devices, tmp_path)
    retry = [e for e in events if isinstance(e, ChipRetry)]
    assert retry and retry[0].message is MessageKey.KEEP_ON_READER
    assert next(e for e in events if isinstance(e, ResultReady)).outcome == "ACCEPT"


def test_reader_unplugged_ends_on_the_staff_screen_and_is_audited(engine, demo, run_session, fast,
                                                                  tmp_path: Path) -> None:
    devices = demo("customer")

    class Unplugged:
        description = "unplugged"

        def connect(self, timeout: float) -> Any:
            raise HardwareError("reader not found")
    devices.reader = Unplugged()
    wf, events = run_session(engine, devices, tmp_path, config=fast(staff=0.2))
    assert _states(events)[-2:] == [State.STAFF, State.ATTRACT]
    assert "workflow_error" in _audit_kinds(tmp_path)


def test_camera_that_stops_is_restarted_then_staff_is_called(engine, demo, run_session, fast, tmp_path: Path) -> None:
    devices = demo("customer")
    camera = devices.camera
    restarts = []

    class Dying:
        def __init__(self) -> None:
            self.frames = 0

        def start(self) -> None:
            restarts.append(1)
            camera.start()

        def stop(self) -> None:
            camera.stop()

        def latest(self) -> Any:
            return camera.latest()

        def wait_next(self, after: int, timeout: float) -> Any:
            self.frames += 1
            if self.frames > 20:
                threading.Event().wait(min(timeout, 0.05))
                return None
            return camera.wait_next(after, timeout)

        def act(self, steps: Any) -> None:
            camera.act(steps)
    devices.camera = Dying()
    wf, events = run_session(engine, devices, tmp_path, config=fast(staff=0.2))
    staff = [e for e in events if isinstance(e, StateChanged) and e.state is State.STAFF]
    assert staff and staff[0].message is MessageKey.CAMERA_STOPPED
    assert len(restarts) >= 2  # started with the session, restarted once by the watchdog
    assert _states(events)[-1] is State.ATTRACT
    assert "workflow_error" in _audit_kinds(tmp_path)


def test_a_crash_inside_a_worker_returns_to_attract_and_is_recorded(engine, demo, run_session, fast,
                                                                    tmp_path: Path) -> None:
    devices = demo("customer")

    class Broken:
        description = "broken driver"

        def connect(self, timeout: float) -> Any:
            class Conn:
                def transmit(self, apdu: bytes) -> Any:
                    raise ZeroDivisionError("driver bug")

                def close(self) -> None:
                    pass
            return Conn()
    devices.reader = Broken()
    wf, events = run_session(engine, devices, tmp_path, config=fast(staff=0.2))
    staff = [e for e in events if isinstance(e, StateChanged) and e.state is State.STAFF]
    assert staff and staff[0].message is MessageKey.INTERNAL_ERROR
    assert _states(events)[-1] is State.ATTRACT
    st = open_storage(tmp_path)
    try:
        [event] = [e for e in st.audit.events() if e.kind == "workflow_error"]
        assert event.details["state"] == "chip" and "ZeroDivisionError" in event.details["detail"]
    finally:
        st.close()


def test_cancel_during_the_challenge_records_nothing_and_drops_late_events(engine, demo, run_session,
                                                                           tmp_path: Path) -> None:
    def prepare(wf):
        wf.subscribe(lambda e: isinstance(e, ChallengeDrawn) and threading.Timer(0.3, wf.cancel).start())
    wf, events = run_session(engine, demo("customer"), tmp_path, prepare=prepare)
    assert _states(events)[-1] is State.ATTRACT
    assert not any(isinstance(e, ResultReady) for e in events)
    assert wf.last_report is None
    after = events.index(next(e for e in events if isinstance(e, StateChanged) and e.state is State.ATTRACT))
    assert events[after + 1:] == []


def test_a_customer_who_walks_away_is_reset_by_the_time_limit(engine, demo, run_session, fast, tmp_path: Path) -> None:
    wf, events = run_session(engine, demo("customer"), tmp_path, config=fast(document=0.3), autoplay=False)
    last = [e for e in events if isinstance(e, StateChanged)][-1]
    assert last.state is State.ATTRACT and last.message is MessageKey.TIMED_OUT
    # The session's end is named (which screen, which limit), as an event and in the audit trail.
    ended = SessionEnded(State.DOCUMENT, Trigger.TIMEOUT, limit_s=0.3)
    assert wf.last_outcome == ended and ended in events
    assert ended.describe() == "the document screen's time limit (0.3 s) ran out"
    st = open_storage(tmp_path)
    try:
        assert st.audit.verify().ok
        [record] = [e for e in st.audit.events() if e.kind == "session_ended"]
        assert record.details == {"state": "document", "cause": "timeout", "limit_s": 0.3}
    finally:
        st.close()


def test_a_hostile_chip_goes_straight_to_staff_without_a_second_read(engine, demo, run_session, fast,
                                                                    tmp_path: Path) -> None:
    from hardware.emrtd.virtual.faults import ChipFaults

    devices = demo("customer")
    devices.reader.passport.chip.faults = ChipFaults(endless_file=0x0102)
    wf, events = run_session(engine, devices, tmp_path, config=fast(staff=0.2))
    staff = [e for e in events if isinstance(e, StateChanged) and e.state is State.STAFF]
    assert staff and staff[0].message is MessageKey.DOCUMENT_REFUSED
    assert not any(isinstance(e, ChipRetry) for e in events)
    assert "workflow_error" in _audit_kinds(tmp_path)
