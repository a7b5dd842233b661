"""Start the kiosk window: Qt application, languages, face models, devices, workflow, window.

``kiosk run`` calls ``run_window`` when a display is present. With the demo devices (no camera or reader
configured) the window runs an autoplay demo: the simulated customer types the demo MRZ into the
document screen, lays the virtual passport down and follows the challenge, session after session.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.priority import lower_this_thread
from ui.screen_fit import fit_to_screen, name_application
from kiosk.workflow.config import KioskConfig
from kiosk.workflow.machine import State

log = logging.getLogger(__name__)


class ModelLoader:
    """The kiosk's models (and the rest of its start-up work) as Futures now, done in order on one background
    thread once ``start()`` is called.

    Creating an OpenVINO session holds Python's interpreter lock for up to ~0.65 s a model (measured: the
    main thread's longest gap while the five face models loaded), so the window starts them only once the
    attract screen is on screen; nothing before the face screen needs them.
    """

    def __init__(self) -> None:
        self._jobs: list[tuple[Future[Any], Any]] = []
        # Below the GUI thread, with the inference pools the models create from it (kiosk.priority).
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="models", initializer=lower_this_thread)
        self._started = False

    def future(self, load: Any, what: str) -> Future[Any]:
        """A Future resolved by ``load()`` after ``start``, in the order asked for; ``what`` names it in the log."""
        fut: Future[Any] = Future()
        fut.add_done_callback(lambda done: _report(done, what))
        self._jobs.append((fut, load))
        return fut

    def start(self) -> None:
        """Begin loading (idempotent)."""
        if self._started:
            return
        self._started = True
        for fut, load in self._jobs:
            self._pool.submit(_resolve, fut, load)


def _resolve(fut: Future[Any], load: Any) -> None:
    try:
        fut.set_result(load())
    except BaseException as exc:  # the worker that needs the models re-raises it; the kiosk stays up
        fut.set_exception(exc)


def add_start_up_work(loader: ModelLoader, data_dir: Path) -> Future[Any]:
    """After the models, what would otherwise stall the first session or a later one (see each function's
    measurements): open the decision log, then freeze the start-up objects. Returns the last job's Future."""
    from kiosk.memory import freeze_long_lived
    from kiosk.workflow.record_step import prepare_store

    loader.future(lambda: prepare_store(data_dir), "decision log")
    return loader.future(freeze_long_lived, "start-up objects frozen")


def build_kiosk(config: KioskConfig, data_dir: Path, provider: str = "openvino", actor: str = "customer",
                realtime: bool = True) -> tuple[Any, Any, ModelLoader]:
    """The workflow on the configured devices, the demo's autoplay (None with real devices), and the model
    loader to ``start()`` once the attract screen is shown."""
    from inference.config import RuntimeConfig

    from kiosk.face_session import FaceEngine
    from kiosk.pad.site import liveness_config
    from kiosk.workflow.controller import KioskWorkflow
    from kiosk.workflow.demo import Autoplay, build_demo

    # The face models load in the background (about 2 s with OpenVINO): the attract, document and chip
    # screens need none of them, so the kiosk is ready for a customer first. OpenVINO keeps compiled models
    # in the data folder.
    runtime = RuntimeConfig(provider=provider, cache_dir=Path(data_dir) / "compiled-models")
    # Checked now, not in the background: a missing or damaged site model stops the start (SiteModelError).
    liveness = liveness_config(config.liveness.model, data_dir, config.liveness.aggregate)
    loader = ModelLoader()
    engine = loader.future(lambda: FaceEngine.load(runtime, liveness=liveness), "face models")
    scanner = None
    if config.devices.scan_mrz:
        from kiosk.mrz.scan import MrzScanner

        scanner = loader.future(lambda: MrzScanner.load(runtime), "MRZ scanner")  # after the face models
    add_start_up_work(loader, data_dir)
    if not config.devices.simulated:
        from kiosk.workflow.devices import open_devices

        workflow = KioskWorkflow(engine, open_devices(config, data_dir), data_dir, config=config, scanner=scanner)
        return workflow, None, loader
    devices = build_demo(engine, actor, realtime=realtime)  # type: ignore[arg-type]
    workflow = KioskWorkflow(engine, devices, data_dir, config=config, record_mode="demo", scanner=scanner)
    page = None
    if scanner is not None:
        from kiosk.workflow.demo import demo_document_page

        page = demo_document_page()  # the simulated customer shows the photo page instead of typing
    autoplay = Autoplay(workflow, type_mrz=False, show_flash=False, result_pause_s=4.0, attract_pause_s=3.0,
                        document_page=page)
    return workflow, autoplay, loader


def _report(done: Any, what: str) -> None:
    error = done.exception()
    if error is not None:  # say why once, here (face models: each session reaches the staff screen)
        log.error("%s failed: %s", what, error)
    else:
        log.info("%s ready", what)


def start_systemd_watchdog(parent: Any) -> QTimer | None:
    """Tell systemd the kiosk is up (``READY=1``) and, where the unit has a watchdog, ping it from a timer on the
    GUI thread: a window whose event loop hangs stops pinging and systemd restarts the kiosk. Returns the
    timer (owned by ``parent``), or None without a watchdog. Outside systemd nothing is sent."""
    from kiosk.sd_notify import notify, watchdog_interval_s

    notify("READY=1")
    interval = watchdog_interval_s()
    if interval is None:
        return None
    timer = QTimer(parent)
    timer.setInterval(max(1, round(interval * 1000)))
    timer.timeout.connect(lambda: notify("WATCHDOG=1"))
    timer.start()
    notify("WATCHDOG=1")
    return timer


def autotype(window: Any, autoplay: Any, delay_ms: int = 1200) -> None:
    """In the demo, type the MRZ into the document screen's fields and continue, as a customer would (unless
    the simulated customer shows the photo page to the camera instead)."""
    document = window.screens[State.DOCUMENT]

    def on_state(event: Any) -> None:
        if event.state is State.DOCUMENT and not autoplay.scans():
            QTimer.singleShot(delay_ms, lambda: (document.fill(*autoplay.mrz), document.next.click()))
    window.bridge.state_changed.connect(on_state)


def run_window(config: KioskConfig, data_dir: Path, provider: str = "openvino", actor: str = "customer",
               size: tuple[int, int] | None = None, quit_after_s: float | None = None) -> int:
    """Open the window and run the Qt event loop until it is closed (kiosk mode: with the operator PIN)."""
    from ui.i18n import Languages
    from ui.main_window import ActivityFilter, KioskWindow

    started = time.monotonic()
    app = QApplication.instance() or QApplication([])
    name_application(app)
    languages = Languages(app)
    workflow, autoplay, models = build_kiosk(config, data_dir, provider, actor)
    window = KioskWindow(workflow, config, languages)
    activity = ActivityFilter(workflow)
    app.installEventFilter(activity)
    if autoplay is not None:
        autotype(window, autoplay)
        autoplay.begin()
    if config.kiosk_mode.enabled:
        window.enter_kiosk_mode()
    else:
        fit_to_screen(window, size or (1280, 800))
        window.show()
    log.info("attract screen shown %.2f s after start", time.monotonic() - started)
    QTimer.singleShot(50, models.start)  # once the attract screen is painted (see ModelLoader)
    QTimer.singleShot(0, lambda: start_systemd_watchdog(window))  # once the event loop runs
    if quit_after_s is not None:
        window.unlocked = True
        QTimer.singleShot(round(quit_after_s * 1000), window.close)
    return app.exec()
