"""``kiosk bench ui``: what the window costs and how it holds up. Figures, not pass/fail.

- **Preview and GUI thread**, per execution provider: one demo session in the window (offscreen), the
  camera at 30 frames/s on its own thread and the face session analysing on its worker. Reported: the
  frames/s the preview painted and the analysis took during the face and challenge screens, and the GUI
  thread's worst stall (the longest a 5 ms timer was late, i.e. how long the event loop was busy).
- **Start-up**: a fresh process from launch to the attract screen painted, with an empty compiled-model
  cache (cold) and again with it filled (warm).
- **Soak**: back-to-back headless sessions in one process (virtual passport, synthetic customer): resident
  memory, threads and open files before and after.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


class StallMonitor:
    """A 5 ms timer on the GUI thread; a late tick means the event loop was busy that long."""

    def __init__(self, interval_ms: int = 5) -> None:
        from PySide6.QtCore import QTimer

        self.interval = interval_ms / 1000
        self.gaps: list[float] = []
        self._last: float | None = None
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append(now - self._last - self.interval)
        self._last = now

    def start(self) -> None:
        """Start measuring."""
        self._last = None
        self.timer.start()

    def stop(self) -> dict[str, float]:
        """Stop; the worst and the 99th-percentile stall in ms."""
        self.timer.stop()
        gaps = np.maximum(np.array(self.gaps or [0.0]), 0.0) * 1000
        return {"worst_stall_ms": round(float(gaps.max()), 1), "p99_stall_ms": round(float(np.percentile(gaps, 99)), 1)}


def prerendered_camera(engine: Any, steps: tuple[Any, ...], fps: float = 30.0) -> Any:
    """A 30 frames/s camera showing the synthetic customer acting ``steps``, rendered before the session.

    Rendering the synthetic subject costs ~29 ms a frame here, close to a core at 30 frames/s, where a
    real camera costs the kiosk almost nothing: rendering first keeps the figures about the window.
    """
    from inference.synthetic import NEUTRAL, SyntheticSubject, script_duration, state_at

    from kiosk.workflow.demo import demo_photo
    from kiosk.workflow.demo_devices import ActorCamera

    subject = SyntheticSubject.from_image(demo_photo()[:, :, ::-1].copy(), engine.detector, engine.pipeline.mesh)
    script = subject.follow(list(steps))
    frames = [subject.render(state_at(script, i / fps, NEUTRAL)[0]) for i in range(int(script_duration(script) * fps) + 1)]
    still = subject.render(NEUTRAL)

    class Prerendered(ActorCamera):
        def image_at(self, t: float) -> np.ndarray:
            if not self._script:
                return still
            return frames[min(len(frames) - 1, int((t - self._script_t0) * fps))]

    return Prerendered(subject, subject, fps=fps, realtime=True)


def preview_run(provider: str, timeout_s: float = 180.0, warm: bool = True) -> dict[str, Any]:
    """One demo session in the window with ``provider``; preview/analysis rates and GUI stalls."""
    from PySide6.QtWidgets import QApplication

    from inference.config import RuntimeConfig
    from kiosk.face_session import FaceEngine
    from kiosk.workflow.config import KioskConfig
    from kiosk.workflow.controller import KioskWorkflow
    from kiosk.workflow.demo import Autoplay, build_demo
    from kiosk.workflow.events import FaceUpdate
    from kiosk.workflow.machine import State
    from ui.app import ModelLoader, add_start_up_work, autotype
    from ui.i18n import Languages
    from ui.main_window import KioskWindow

    app = QApplication.instance() or QApplication([])
    data = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    # Start-up as the window does it (ui.app.build_kiosk): the models on the loader's background thread, then
    # (unless ``warm`` is False, to show what it saves) the decision log opened and start-up objects frozen.
    loader = ModelLoader()
    loaded = loader.future(lambda: FaceEngine.load(RuntimeConfig(provider=provider)), "face models")
    last = add_start_up_work(loader, data) if warm else loaded
    loader.start()
    last.result()
    engine = loaded.result()
    config = KioskConfig()
    from inference.challenge_steps import draw_steps

    steps = draw_steps(engine.challenge)
    devices = build_demo(engine, "customer")
    devices.camera = prerendered_camera(engine, steps)
    workflow = KioskWorkflow(engine, devices, data, config=config, record_mode="demo", challenge=lambda: steps)
    autoplay = Autoplay(workflow, type_mrz=False, show_flash=False)
    window = KioskWindow(workflow, config, Languages(app))
    window.resize(1280, 800)
    window.show()
    autotype(window, autoplay, delay_ms=300)
    analysed: list[float] = []
    workflow.subscribe(lambda e: isinstance(e, FaceUpdate) and analysed.append(time.perf_counter()))
    monitor = StallMonitor()
    view = window.screens[State.FACE].view
    marks: dict[str, tuple[float, int]] = {}

    def on_state(event: Any) -> None:
        if event.state is State.FACE:
            marks["face"] = (time.perf_counter(), view.frames_shown)
        elif event.state is State.PROCESSING:
            marks["end"] = (time.perf_counter(), view.frames_shown)
        elif event.state is State.RESULT:  # from the bridge's queue: seen even when the result lasts no time
            marks["result"] = (time.perf_counter(), view.frames_shown)
    window.bridge.state_changed.connect(on_state)
    monitor.start()
    workflow.start()
    deadline = time.monotonic() + timeout_s
    while "result" not in marks and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    stalls = monitor.stop()
    window.unlocked = True
    window.close()
    if "result" not in marks:
        return {"error": f"the session did not reach the result (stuck in {workflow.state})"}
    (t0, f0), (t1, f1) = marks["face"], marks["end"]
    n = sum(1 for t in analysed if t0 <= t <= t1)
    return {"preview_fps": round((f1 - f0) / (t1 - t0), 1), "analysed_fps": round(n / (t1 - t0), 1),
            "face_and_challenge_s": round(t1 - t0, 1), **stalls,
            "decision": (workflow.last_report or {}).get("decision")}


_PROBE = """
import sys, time
from pathlib import Path
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QTimer
from kiosk.workflow.config import KioskConfig
from ui.app import build_kiosk
from ui.i18n import Languages
from ui.main_window import KioskWindow
app = QApplication([])
config = KioskConfig()
workflow, _, models = build_kiosk(config, Path(sys.argv[1]), sys.argv[2], realtime=False)
window = KioskWindow(workflow, config, Languages(app))
window.resize(1280, 800)
window.show()
QTimer.singleShot(0, lambda: (print("READY", flush=True), app.quit()))
app.exec()
models.start()  # as run_window does, once the attract screen is shown
workflow.engine.result()
print("MODELS", flush=True)
"""


def start_time(provider: str, data_dir: Path) -> dict[str, float]:
    """Seconds from launching a fresh process to the attract screen shown (event loop running), and to the
    face models loaded and warmed up in the background."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _PROBE, str(data_dir), provider], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    marks: dict[str, float] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        marks[line.strip()] = round(time.perf_counter() - started, 2)
    proc.wait(timeout=300)
    if "READY" not in marks or "MODELS" not in marks:
        raise RuntimeError(f"the start-up probe failed (exit {proc.returncode})")
    return {"attract": marks["READY"], "models_ready": marks["MODELS"]}


def soak(sessions: int, provider: str = "openvino") -> dict[str, Any]:
    """``sessions`` back-to-back headless sessions on one kiosk (one workflow, one set of simulated devices,
    as a kiosk runs all day): resident memory, threads and open files before and after."""
    import gc

    from inference.config import RuntimeConfig
    from kiosk.face_session import FaceEngine
    from kiosk.memory import limit_malloc_arenas
    from kiosk.workflow.controller import KioskWorkflow
    from kiosk.workflow.demo import Autoplay, build_demo, demo_photo, run_until_attract

    capped = limit_malloc_arenas()
    engine = FaceEngine.load(RuntimeConfig(provider=provider))
    data = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    workflow = KioskWorkflow(engine, build_demo(engine, "customer", photo_rgb=demo_photo(), link=None), data,
                             record_mode="demo", retry_pause_s=0.05)
    Autoplay(workflow)
    outcomes: dict[str, int] = {}

    def one() -> None:
        workflow.last_report = None
        run_until_attract(workflow)
        decision = (workflow.last_report or {}).get("decision", "none")
        outcomes[decision] = outcomes.get(decision, 0) + 1

    one()  # warm-up: first-use allocations (models' arenas, the store's schema) are not growth
    gc.collect()
    before = {"rss_mb": _rss_mb(), "threads": _threads(), "open_files": _open_files()}
    started = time.perf_counter()
    for _ in range(sessions):
        one()
    gc.collect()
    after = {"rss_mb": _rss_mb(), "threads": _threads(), "open_files": _open_files()}
    workflow.shutdown()
    return {"sessions": sessions, "seconds_per_session": round((time.perf_counter() - started) / max(sessions, 1), 2),
            "outcomes": outcomes, "malloc_arenas_capped": capped,
            "before": {k: round(v, 1) for k, v in before.items()},
            "after": {k: round(v, 1) for k, v in after.items()},
            "rss_growth_mb": round(after["rss_mb"] - before["rss_mb"], 1),
            "python_threads_alive": threading.active_count()}


def bench_ui(providers: tuple[str, ...] = ("openvino", "cpu"), sessions: int = 20, preview_runs: int = 1,
             warm: bool = True) -> dict[str, Any]:
    """All the figures (see the module docstring). With ``preview_runs`` > 1 the window sessions alternate
    between providers; rates are medians over the runs, the worst stall the worst of all of them."""
    result: dict[str, Any] = {"preview": {}, "start_s": {}, "warm_up": warm}
    runs: dict[str, list[dict[str, Any]]] = {p: [] for p in providers}
    for _ in range(max(1, preview_runs)):
        for provider in providers:
            runs[provider].append(preview_run(provider, warm=warm))
    for provider, done in runs.items():
        result["preview"][provider] = _combine(done)
    for provider in providers:
        cache = Path(tempfile.mkdtemp(prefix="bench-start-"))
        result["start_s"][provider] = {"cold": start_time(provider, cache), "warm": start_time(provider, cache)}
    if sessions > 0:
        result["soak"] = soak(sessions, providers[0])
    return result


def _combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One provider's window sessions as one row: median rates, the worst stall of all, each run's worst."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    out: dict[str, Any] = {k: round(float(np.median([r[k] for r in ok])), 1)
                           for k in ("preview_fps", "analysed_fps", "face_and_challenge_s", "p99_stall_ms")}
    out["worst_stall_ms"] = max(r["worst_stall_ms"] for r in ok)
    out["decision"] = ok[0]["decision"] if len({r["decision"] for r in ok}) == 1 else [r["decision"] for r in ok]
    if len(runs) > 1:
        out["runs"] = len(runs)
        out["worst_stall_ms_per_run"] = [r.get("worst_stall_ms") for r in runs]
        out["errors"] = [r["error"] for r in runs if "error" in r]
    return out


def print_report(result: dict[str, Any]) -> None:
    """The figures as a table."""
    provs = list(result["preview"])
    print(f"{'':<34}" + "".join(f"{p:>14}" for p in provs))
    for key, label in (("preview_fps", "preview frames/s shown"), ("analysed_fps", "frames/s analysed"),
                       ("worst_stall_ms", "GUI thread worst stall, ms"), ("p99_stall_ms", "GUI thread p99 stall, ms"),
                       ("face_and_challenge_s", "face + challenge, s"), ("decision", "decision"),
                       ("worst_stall_ms_per_run", "worst stall of each run, ms")):
        if all(key not in result["preview"][p] for p in provs):
            continue
        print(f"{label:<34}" + "".join(f"{str(result['preview'][p].get(key)):>14}" for p in provs))
    for p in provs:
        s = result["start_s"][p]
        print(f"start to attract screen ({p}): cold {s['cold']['attract']} s, warm {s['warm']['attract']} s; "
              f"face models ready in the background: cold {s['cold']['models_ready']} s, "
              f"warm {s['warm']['models_ready']} s")
    if "soak" in result:
        s = result["soak"]
        print(f"soak: {s['sessions']} sessions ({s['seconds_per_session']} s each, {s['outcomes']}): resident memory "
              f"{s['before']['rss_mb']} -> {s['after']['rss_mb']} MB ({s['rss_growth_mb']:+} MB), threads "
              f"{s['before']['threads']} -> {s['after']['threads']}, open files {s['before']['open_files']} -> "
              f"{s['after']['open_files']}")
