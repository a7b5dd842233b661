"""``KioskWorkflow``: runs the state machine with real (or simulated) devices, headless.

Commands come from the screen (``start``, ``submit_mrz``, ``cancel``...) and from the clock (``tick``);
the chip read and the face session run on worker threads. Everything the screens need arrives as events
(``kiosk.workflow.events``) through ``subscribe``. Each session has a generation number: when a session
ends (cancel, timeout, fault), its workers are told to stop and whatever they still report is dropped,
so a late worker can never move the next customer's session.

Every internal error becomes the "please ask staff" screen, is logged (type and message: never personal
data) and is written to the audit trail; the kiosk then returns to attract by itself.
"""
from __future__ import annotations

import datetime as dt
from collections import deque
from concurrent.futures import Future
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardware.emrtd.errors import MrzError
from hardware.emrtd.password import AccessKey
from hardware.errors import HardwareError
from inference.flash import FlashConfig, draw_sequence

from kiosk.errors import BadInputError
from kiosk.face_session import FaceEngine, PortraitEnrolment, enrol_portrait
from kiosk.policy import PolicyConfig
from kiosk.priority import lower_this_thread
from kiosk.workflow.chip_step import ChipOutcome, ChipProblem, ChipStepError, progress_fraction, read_document
from kiosk.workflow.config import KioskConfig
from kiosk.evidence import AccessEvidence
from kiosk.workflow.events import (AccessChanged, ChallengeDrawn, ChipProgress, ChipRetry, DocumentScanned,
                                   FlashRequested, MessageKey, SessionEnded, StateChanged)
from kiosk.workflow.document_step import scan_document
from kiosk.workflow.record_step import decide_and_record
from kiosk.workflow.face_step import (CameraStalled, Cancelled, FaceCapture, FlashDeclined, capture_face,
                                      flash_not_shown, head_free_steps, watch_flash)
from kiosk.workflow.machine import State, StateMachine, Transition, Trigger
from kiosk.workflow.ports import CardReader, DocumentScanner, FrameSource

log = logging.getLogger(__name__)

# Segments of at least 0.34 s keep the colour changes under three a second (WCAG 2.3.1, photosensitive
# customers); the engine's defaults allow 0.25 s. Twelve segments (the default) take 4-5.4 s.
FLASH_CONFIG = FlashConfig(segment_min_s=0.34, segment_max_s=0.45)
# How long the screen has to report that the flash sequence is showing before the check counts as failed.
FLASH_SHOWN_WITHIN_S = 2.0

# States in which no session is open (or its decision is already made): leaving them ends nothing.
_NO_SESSION = (State.ATTRACT, State.RESULT, State.STAFF)
_RETRY_MESSAGES = {ChipProblem.REMOVED: MessageKey.KEEP_ON_READER, ChipProblem.UNREADABLE: MessageKey.READ_AGAIN}


@dataclass
class Devices:
    """The devices one kiosk drives, and the trust store passive authentication uses."""

    camera: FrameSource
    reader: CardReader
    trust: Any  # hardware.emrtd.trust.TrustStore


@dataclass
class _Flash:
    """A flash sequence asked of the screen; ``shown`` is set with ``t0`` when it reports showing it."""

    sequence: Any  # inference.flash.FlashSequence
    shown: threading.Event
    t0: float | None = None


@dataclass
class _Session:
    generation: int
    stop: threading.Event
    started_at: dt.datetime
    assisted_by: str | None = None
    key: AccessKey | None = None
    chip: ChipOutcome | None = None
    flash: _Flash | None = None
    # MRZ reads the chip refused: the scanner must not hand the same misread over again.
    refused_reads: set[tuple[str, str, str]] = field(default_factory=set)
    scanned: tuple[str, str, str] | None = None
    fallback_keys: list[AccessKey] = field(default_factory=list)
    # The accessible paths the customer chose (issue 26); each ends in REVIEW, never in a silent REJECT.
    help_requested: bool = False
    flash_declined: threading.Event = field(default_factory=threading.Event)
    head_free: bool = False          # asked for: the next draw (or a restart of the running one) is head-free
    head_free_tried: bool = False    # the face step has seen the request
    head_free_used: bool = False     # the challenge that ran was head-free
    pending_steps: tuple[Any, ...] | None = None  # a head-free draw the running face step must switch to
    step_timeout_s: float | None = None

    def access(self, time_factor: float) -> AccessEvidence:
        """What goes into the evidence."""
        return AccessEvidence(help_requested=self.help_requested, flash_declined=self.flash_declined.is_set(),
                              head_free_challenge=self.head_free_used, time_factor=time_factor,
                              step_timeout_s=self.step_timeout_s)


class KioskWorkflow:
    """The customer's session, from attract to result, on ``devices``; record under ``data_dir``."""

    def __init__(self, engine: FaceEngine | Future[FaceEngine], devices: Devices, data_dir: Path, config: KioskConfig | None = None,
                 policy: PolicyConfig | None = None, clock: Callable[[], float] = time.monotonic,
                 retry_pause_s: float = 1.0, record_mode: str | None = None,
                 challenge: Callable[[], tuple[Any, ...]] | None = None,
                 scanner: DocumentScanner | Future[DocumentScanner] | None = None) -> None:
        # The face models may still be loading (a Future) when the attract screen is shown: nothing needs
        # them before the face screen, so the kiosk is ready for a customer before they are.
        self.engine = engine
        self.devices = devices
        self.data_dir = Path(data_dir)
        self.config = config or KioskConfig()
        self.policy = policy or self.config.policy
        if self.config.ui.screen_flash and not self.policy.require_flash:
            # A kiosk that shows the flash challenge decides on it: a failed flash is a reason, not a footnote.
            self.policy = self.policy.model_copy(update={"require_flash": True})
        self.clock = clock
        self.retry_pause_s = retry_pause_s
        self.record_mode = record_mode
        # Draws each session's challenge; None is the engine's random draw (``secrets``). Only benchmarks
        # that must pre-render their actor pass a fixed one.
        self.challenge = challenge
        # Reads the MRZ from the camera on the document screen (may be a Future: its model loads in the
        # background); None: the customer types it.
        self.scanner = scanner
        t = self.config.timeouts
        self.machine = StateMachine({State.DOCUMENT: t.document, State.CHIP: t.chip, State.FACE: t.face,
                                     State.CHALLENGE: t.challenge, State.PROCESSING: t.processing,
                                     State.RESULT: t.result, State.STAFF: t.staff}, entered_at=clock())
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Any], None]] = []
        self._pending: deque[Any] = deque()
        self._dispatching = False
        self._generation = 0
        self._session: _Session | None = None
        self._threads: list[threading.Thread] = []
        self.last_report: dict[str, Any] | None = None
        # How the last session that ended without a decision ended (which screen, which cause).
        self.last_outcome: SessionEnded | None = None

    # -- observers -----------------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Any], None]) -> None:
        """Call ``listener(event)`` for every event (from whichever thread raised it; keep it quick)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Any], None]) -> None:
        """Stop calling ``listener``."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    @property
    def state(self) -> State:
        """The current state."""
        return self.machine.state

    def _emit(self, event: Any, generation: int | None = None) -> None:
        with self._lock:
            if generation is not None and generation != self._generation:
                return  # a worker of a session that already ended
            self._pending.append(event)
            if self._dispatching:
                return  # a listener reacted with a command: its events follow this one, in order
            self._dispatching = True
            try:
                while self._pending:
                    queued = self._pending.popleft()
                    for listener in list(self._listeners):
                        try:
                            listener(queued)
                        except Exception:  # a broken screen must not stop the kiosk
                            log.exception("event listener failed")
            finally:
                self._dispatching = False

    # -- commands ------------------------------------------------------------------------------------------

    def start(self, assisted_by: str | None = None) -> None:
        """Begin a session (customer touched the screen, or a clerk started one in assisted mode)."""
        self._fire(Trigger.START, extra=assisted_by)

    def submit_mrz(self, document_number: str, birth_date: str, expiry_date: str) -> None:
        """The MRZ fields (read or typed); ``BadInputError`` with the field to fix when they cannot be right."""
        number = document_number.strip().upper().replace(" ", "")
        for name, value in (("date of birth", birth_date), ("expiry date", expiry_date)):
            if not (len(value) == 6 and value.isdigit() and 1 <= int(value[2:4]) <= 12 and 1 <= int(value[4:6]) <= 31):
                raise BadInputError(f"the {name} must be six digits YYMMDD")
        if not 1 <= len(number) <= 22 or not number.isalnum():
            raise BadInputError("the document number must be letters and digits")
        try:
            key = AccessKey.from_mrz(number, birth_date, expiry_date)
        except MrzError as exc:
            raise BadInputError(str(exc)) from exc
        self._enter_document(key)

    def submit_can(self, can: str) -> None:
        """The card access number of an ID card (PACE only)."""
        try:
            key = AccessKey.from_can(can)
        except MrzError as exc:
            raise BadInputError(str(exc)) from exc
        self._enter_document(key)

    def _enter_document(self, key: AccessKey, scanned: tuple[str, str, str] | None = None) -> None:
        with self._lock:
            if self.state is not State.DOCUMENT or self._session is None:
                return
            self._session.key = key
            self._session.scanned = scanned
            if scanned is None:
                self._session.fallback_keys = []
            self._fire(Trigger.DOCUMENT_ENTERED)

    def flash_shown(self, t0: float) -> None:
        """The screen shows the requested flash sequence since ``t0`` (``time.monotonic()``, the clock real
        cameras stamp frames with). A simulated camera is told too, so that its face reflects the colours."""
        with self._lock:
            flash = self._session.flash if self._session is not None else None
            if flash is None or flash.shown.is_set():
                return
            # A simulated camera may run on its own clock (headless tests: frame index / fps): translate.
            camera_clock = getattr(self.devices.camera, "clock", None)
            flash.t0 = float(t0) + (camera_clock() - time.monotonic() if camera_clock is not None else 0.0)
            illuminate = getattr(self.devices.camera, "illuminate", None)
            if illuminate is not None:
                illuminate(flash.sequence, flash.t0)
            flash.shown.set()

    # -- the accessible paths (issue 26) -------------------------------------------------------------------

    def more_time(self) -> None:
        """The customer asked for more time: every limit of this session, the screen's and each challenge
        step's, is multiplied by ``ui.more_time_factor`` (at least 10, WCAG 2.2.1) from now on. On the result
        and staff screens it extends only that screen."""
        with self._lock:
            if self.state is State.ATTRACT:
                return
            self.machine.factor = max(self.machine.factor, self.config.ui.more_time_factor)
            self.machine.extend(self.clock())
            log.info("more time: limits x%g", self.machine.factor)
            self._announce()

    def request_help(self) -> None:
        """The customer asked for help: the session goes on with staff (assisted mode: a clerk may sign in to
        it), with more time, and ends in REVIEW (``HELP_REQUESTED``) whatever the checks say, never ACCEPT."""
        with self._lock:
            session = self._session
            if session is None or self.state in _NO_SESSION:
                return
            session.help_requested = True
            self.machine.factor = max(self.machine.factor, self.config.ui.more_time_factor)
            self.machine.extend(self.clock())
            log.info("the customer asked for help")
            self._announce()

    def assist(self, clerk: str) -> None:
        """A clerk signed in to a session the customer asked help with: it is recorded under their name."""
        with self._lock:
            if self._session is not None and self._session.help_requested and self._session.assisted_by is None:
                self._session.assisted_by = clerk

    def decline_flash(self) -> None:
        """The customer declines the screen flash (photosensitivity): it is not shown, or stops if showing;
        the session ends in REVIEW (``FLASH_DECLINED``) instead of relying on it."""
        with self._lock:
            session = self._session
            if session is None or self.state in _NO_SESSION or session.flash_declined.is_set():
                return
            session.flash_declined.set()
            log.info("the customer declined the screen flash")
            self._announce()

    def avoid_head_movement(self) -> None:
        """The customer cannot turn or nod: the challenge uses actions without head movement (blink, move
        closer), restarted if it was running; ``CHALLENGE_WITHOUT_HEAD_MOVEMENT`` sends it to REVIEW. Where the
        site's challenge has no such action, the customer gets the assisted path (``HELP_REQUESTED``) instead."""
        with self._lock:
            session = self._session
            if session is None or self.state not in (State.DOCUMENT, State.CHIP, State.FACE, State.CHALLENGE):
                return
            if session.head_free:
                return
            session.head_free = True
            log.info("the customer asked for a challenge without head movement")
            self._announce()

    def _announce(self) -> None:
        session = self._session
        self._emit(AccessChanged(self.machine.factor, bool(session and session.help_requested),
                                 bool(session and session.flash_declined.is_set()), bool(session and session.head_free)))

    def cancel(self) -> None:
        """The customer (or clerk) cancelled: back to attract."""
        self._fire(Trigger.CANCEL, message=MessageKey.CANCELLED)

    def finish(self) -> None:
        """The result (or the staff screen) was acknowledged."""
        self._fire(Trigger.FINISH)

    def activity(self) -> None:
        """The customer touched something: the current screen's time limit starts again."""
        with self._lock:
            if self.state not in (State.ATTRACT, State.PROCESSING):
                self.machine.extend(self.clock())

    def tick(self) -> None:
        """Apply the time limits (call a few times a second)."""
        with self._lock:
            if self.machine.deadline is not None and self.clock() >= self.machine.deadline:
                busy = self.state is State.PROCESSING
                self._fire(Trigger.FAULT if busy else Trigger.TIMEOUT,
                           message=MessageKey.INTERNAL_ERROR if busy else MessageKey.TIMED_OUT,
                           detail="processing took too long" if busy else None)

    def shutdown(self) -> None:
        """Stop the workers and the camera (the window is closing)."""
        with self._lock:
            self._end_session()
        self.devices.camera.stop()
        for thread in self._threads:
            thread.join(timeout=5)

    # -- the machine ---------------------------------------------------------------------------------------

    def _fire(self, trigger: Trigger, generation: int | None = None, message: MessageKey | None = None,
              extra: str | None = None, detail: str | None = None) -> Transition | None:
        with self._lock:
            if generation is not None and generation != self._generation:
                return None
            factor = self.machine.factor
            move = self.machine.fire(trigger, self.clock())
            if move is None:
                log.debug("ignored %s in %s", trigger, self.state)
                return None
            log.info("%s --%s--> %s", move.source, trigger, move.target)
            if move.target is State.STAFF:
                self._record_fault(move.source, detail or str(message))
            if move.target in (State.ATTRACT, State.STAFF) and move.source not in _NO_SESSION:
                self._session_ended(move, detail or (str(message) if message else None), factor)
            self._on_enter(move, extra)
            self._emit(StateChanged(move.target, move.source, trigger, message))
            return move

    def _on_enter(self, move: Transition, extra: str | None) -> None:
        target = move.target
        if target is State.DOCUMENT and move.source is State.ATTRACT:
            self._generation += 1
            self._session = _Session(self._generation, threading.Event(), dt.datetime.now(dt.timezone.utc),
                                     assisted_by=extra)
            self.devices.camera.start()
        if target is State.DOCUMENT and self._session is not None:
            if move.trigger is Trigger.MRZ_REJECTED and self._session.scanned is not None:
                self._session.refused_reads.add(self._session.scanned)
            if self.scanner is not None:
                self._spawn("document-scanner", self._scan_worker)
        elif target is State.CHIP and move.source is not State.CHIP:
            self._spawn("chip-reader", self._chip_worker)
        elif target is State.FACE:
            self._spawn("face-session", self._face_worker)
        elif target in (State.ATTRACT, State.STAFF):
            self._end_session()

    def _end_session(self) -> None:
        if self._session is not None:
            self._session.stop.set()
        self._session = None
        self._generation += 1  # whatever the old workers still say is dropped
        rest = getattr(self.devices.camera, "rest", None)
        if rest is not None:
            rest()

    def _spawn(self, name: str, target: Callable[[_Session], None]) -> None:
        session = self._session
        assert session is not None
        thread = threading.Thread(target=self._guard, args=(target, session), name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _guard(self, target: Callable[[_Session], None], session: _Session) -> None:
        """Run a worker; any error it did not handle becomes the staff screen, logged and audited."""
        lower_this_thread()  # the GUI thread goes first (kiosk.priority)
        try:
            target(session)
        except Cancelled:
            return
        except CameraStalled as exc:
            log.warning("camera stalled: %s", exc)
            self._fire(Trigger.FAULT, session.generation, MessageKey.CAMERA_STOPPED, detail=f"camera: {exc}")
        except Exception as exc:
            log.exception("worker %s failed", threading.current_thread().name)
            self._fire(Trigger.FAULT, session.generation, MessageKey.INTERNAL_ERROR,
                       detail=f"{type(exc).__name__}: {exc}")

    def _session_ended(self, move: Transition, detail: str | None, factor: float = 1.0) -> None:
        """Name how a session ended without a decision: an event, the log, and (a time limit or a cancel; faults
        are recorded by ``_record_fault``) an audit event written off the caller's thread, which may be the GUI's."""
        limit = (self.machine.limits.get(move.source) or 0.0) * factor if move.trigger is Trigger.TIMEOUT else None
        ended = SessionEnded(move.source, move.trigger, limit, detail if move.trigger is Trigger.FAULT else None)
        self.last_outcome = ended
        log.warning("session ended without a decision: %s", ended.describe())
        self._emit(ended)
        if move.trigger is not Trigger.FAULT:
            thread = threading.Thread(target=self._record_end, args=(ended,), name="record-session-end", daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _record_end(self, ended: SessionEnded) -> None:
        self._audit("session_ended", {"state": str(ended.state), "cause": str(ended.trigger), "limit_s": ended.limit_s})

    def _record_fault(self, state: State, detail: str) -> None:
        """Write the fault to the audit trail (what failed and where; no personal data)."""
        self._audit("workflow_error", {"state": str(state), "detail": detail[:300]})

    def _audit(self, kind: str, details: dict[str, Any]) -> None:
        """One audit event in its own store opening; a store that cannot be written is logged, never raised: the
        kiosk must still show the staff screen or return to attract when the store itself is the fault."""
        from storage import open_storage

        try:
            st = open_storage(self.data_dir)
            try:
                st.audit.record(kind, self.config.kiosk_id, details)
            finally:
                st.close()
        except Exception:
            log.exception("could not record %s in the audit trail", kind)

    # -- workers -------------------------------------------------------------------------------------------

    def _chip_worker(self, session: _Session) -> None:
        assert session.key is not None
        attempts = self.config.devices.chip_attempts
        failures = 0
        gen = session.generation

        def progress(event: Any) -> None:
            self._emit(ChipProgress(str(event.phase), progress_fraction(event), event.bytes_read,
                                    event.bytes_expected), gen)

        while not session.stop.is_set():
            try:
                connection = self.devices.reader.connect(timeout=1.0)
            except TimeoutError:
                continue  # no document yet: the chip screen's own time limit covers a customer who left
            except HardwareError as exc:
                failures += 1
                log.warning("reader not available: %s", exc)
                if failures >= attempts:
                    self._fire(Trigger.FAULT, gen, MessageKey.INTERNAL_ERROR, detail=f"reader: {exc}")
                    return
                session.stop.wait(self.retry_pause_s)
                continue
            try:
                outcome = read_document(connection, session.key, self.devices.trust, progress=progress)
            except ChipStepError as exc:
                log.info("chip read failed: %s", exc.detail)
                if exc.problem is ChipProblem.ACCESS_DENIED and session.fallback_keys:
                    session.key = session.fallback_keys.pop(0)  # another reading of the scanned page
                    continue
                if exc.problem is ChipProblem.ACCESS_DENIED:
                    self._fire(Trigger.MRZ_REJECTED, gen, MessageKey.MRZ_REJECTED)
                    return
                if exc.problem is ChipProblem.REFUSED:  # a hostile or broken chip gets no second read
                    self._fire(Trigger.FAULT, gen, MessageKey.DOCUMENT_REFUSED, detail=f"chip: {exc.detail}")
                    return
                failures += 1
                if failures >= attempts:
                    self._fire(Trigger.FAULT, gen, MessageKey.INTERNAL_ERROR, detail=f"chip: {exc.detail}")
                    return
                self._emit(ChipRetry(_RETRY_MESSAGES.get(exc.problem, MessageKey.READ_AGAIN), failures, attempts), gen)
                self._fire(Trigger.CHIP_RETRY, gen)
                session.stop.wait(self.retry_pause_s)
                continue
            session.chip = outcome
            self._fire(Trigger.CHIP_READ, gen)
            return

    def _scan_worker(self, session: _Session) -> None:
        """The MRZ scanner while the document screen is up; a certain read enters the document as if typed."""
        try:
            scanner = self.scanner.result() if isinstance(self.scanner, Future) else self.scanner
        except Exception as exc:  # no MRZ model: typing still works; the load error was logged where it failed
            log.warning("no MRZ scanner (%s): typing only", type(exc).__name__)
            return
        assert scanner is not None
        gen = session.generation
        scanned = scan_document(scanner, self.devices.camera, stop=session.stop, refused=session.refused_reads,
                                keep_going=lambda: self.state is State.DOCUMENT and gen == self._generation)
        if scanned is None:
            return
        with self._lock:
            if gen != self._generation or self.state is not State.DOCUMENT:
                return
            session.fallback_keys = list(scanned.fallback_keys)
            self._emit(DocumentScanned(scanned.document_type), gen)
            self._enter_document(scanned.key, scanned=scanned.fields)

    def _face_worker(self, session: _Session) -> None:
        chip = session.chip
        assert chip is not None
        gen = session.generation
        engine = self.engine.result() if isinstance(self.engine, Future) else self.engine
        portrait = (enrol_portrait(engine, chip.portrait_bgr) if chip.portrait_bgr is not None
                    else PortraitEnrolment(None, None, "no portrait on the chip"))

        def redraw() -> tuple[Any, ...] | None:
            # The customer chose a challenge without head movement: draw it once, when first asked.
            with self._lock:
                if not session.head_free or session.head_free_tried:
                    return None
                session.head_free_tried = True
                steps = head_free_steps(engine.challenge)
                if steps is None:  # the site's challenge has no such action: the assisted path instead
                    log.info("no head-free action configured: the assisted path instead")
                    session.help_requested = True
                    self._announce()
                else:
                    session.head_free_used = True
                return steps

        with self._lock:
            first = redraw() or (self.challenge() if self.challenge is not None else None)
        capture = capture_face(engine, self.devices.camera, emit=lambda e: self._emit(e, gen),
                               on_ready=lambda: self._fire(Trigger.FACE_READY, gen), stop=session.stop,
                               stall_s=self.config.devices.camera_stall_s, steps=first,
                               on_steps=lambda steps: self._emit(ChallengeDrawn(steps), gen),
                               time_factor=lambda: self.machine.factor, redraw=redraw)
        session.step_timeout_s = capture.session.challenge.config.step_timeout_s
        if (self.config.ui.screen_flash and not session.flash_declined.is_set()
                and capture.session.challenge.status == "passed"):
            try:
                capture.session.flash = self._flash_check(session, capture, portrait)
            except FlashDeclined:
                capture.session.flash = None  # declined while it ran: FLASH_DECLINED, not a failed check
        if self._fire(Trigger.CAPTURE_DONE, gen) is None:
            return
        result, self.last_report = decide_and_record(
            self.data_dir, kiosk_id=self.config.kiosk_id, started_at=session.started_at,
            mode=self.record_mode or ("assisted" if session.assisted_by or session.help_requested else "kiosk"),
            assisted_by=session.assisted_by, camera=self.devices.camera, policy=self.policy, chip=chip,
            portrait=portrait, capture=capture, access=session.access(self.machine.factor))
        self._emit(result, gen)
        self._fire(Trigger.DECIDED, gen)

    def _flash_check(self, session: _Session, capture: FaceCapture, portrait: PortraitEnrolment) -> Any:
        """Ask the screen for a random colour sequence and watch the face follow it (``FlashResult``); the face
        that answers must be the portrait's (the policy's review threshold)."""
        flash = _Flash(draw_sequence(FLASH_CONFIG), threading.Event())
        with self._lock:
            if session.generation != self._generation:
                raise Cancelled()
            session.flash = flash
            # A new phase: the challenge screen's time limit counts again from here, so a customer who used
            # most of it on the active challenge is not timed out in the middle of the colours.
            self.machine.extend(self.clock())
        self._emit(FlashRequested(flash.sequence), session.generation)
        waited = 0.0
        while not flash.shown.wait(0.1):
            if session.stop.is_set():
                raise Cancelled()
            if session.flash_declined.is_set():
                raise FlashDeclined()
            waited += 0.1
            if waited >= FLASH_SHOWN_WITHIN_S:
                log.warning("the screen did not report showing the flash sequence")
                return flash_not_shown(flash.sequence, FLASH_CONFIG)
        assert flash.t0 is not None
        return watch_flash(capture.session, self.devices.camera, flash.sequence, flash.t0, stop=session.stop,
                           stall_s=self.config.devices.camera_stall_s, config=FLASH_CONFIG,
                           declined=session.flash_declined, portrait=portrait.embedding,
                           same_face_threshold=self.policy.match_review)
