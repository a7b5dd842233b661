"""Capture benchmark: delivered frame rate, age of frames handed to consumers, and replug recovery.

Runs a ``ReplaySource`` at a camera's rate (default 30 fps, 640x480) with the two consumers the kiosk
has: a preview polling ``latest()`` on a timer and an analysis worker blocking in ``wait_next``.

* ``handoff age``: time from the capture thread stamping a frame to ``wait_next`` returning it to the
  worker. This is the latency our code adds; the target is under one frame period.
* ``preview age``: age of the frame ``latest()`` returns when the preview timer fires. Sampling makes
  it up to one frame period even with no added latency (a frame can arrive just after a tick).
* ``recovery``: from ``replug()`` to the first new frame, over several unplug/replug cycles, with the
  default ``reconnect_interval_s`` of ``CameraConfig``.

``python -m hardware.camera.bench [--seconds S] [--fps F] [--json OUT]``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from pathlib import Path

import numpy as np

from hardware.camera.config import CameraConfig
from hardware.camera.replay import ReplaySource


def _frames(width: int, height: int, count: int = 30) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(count)]


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(values), "median_ms": 1000 * statistics.median(ordered),
            "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))], "max_ms": 1000 * ordered[-1]}


def bench_capture(seconds: float = 10.0, fps: float = 30.0, width: int = 640, height: int = 480,
                  preview_hz: float = 30.0) -> dict[str, object]:
    """Run the replay with a preview poller and a ``wait_next`` worker; return the measurements."""
    frames = _frames(width, height)
    source = ReplaySource(lambda: iter(frames), fps=fps, loop=True, name="bench")
    handoff: list[float] = []
    preview: list[float] = []
    shown: set[int] = set()
    stop = threading.Event()

    def worker() -> None:
        last = -1
        while not stop.is_set():
            frame = source.wait_next(last, timeout=1.0)
            if frame is None:
                continue
            handoff.append(time.monotonic() - frame.t)
            last = frame.index

    source.start()
    thread = threading.Thread(target=worker, name="bench-worker")
    thread.start()
    first = source.wait_next(-1, timeout=10.0)
    if first is None:
        raise RuntimeError("the replay delivered no frame")
    start_count, t0 = source.health().frames, time.monotonic()
    tick = 1.0 / preview_hz
    next_tick = t0
    while time.monotonic() - t0 < seconds:
        next_tick += tick
        time.sleep(max(0.0, next_tick - time.monotonic()))
        frame = source.latest()
        if frame is not None:
            preview.append(time.monotonic() - frame.t)
            shown.add(frame.index)
    elapsed = time.monotonic() - t0
    delivered = source.health().frames - start_count
    stop.set()
    thread.join(5.0)
    health = source.health()
    source.stop()
    return {
        "target_fps": fps, "size": [width, height], "seconds": round(elapsed, 2),
        "delivered_fps": delivered / elapsed, "preview_distinct_fps": len(shown) / elapsed,
        "dropped": health.dropped, "frame_period_ms": 1000.0 / fps,
        "handoff_age": _summary(handoff), "preview_age": _summary(preview),
    }


def bench_recovery(cycles: int = 10, fps: float = 30.0) -> dict[str, object]:
    """Unplug and replug a replay ``cycles`` times; time from replug to the first new frame."""
    interval = CameraConfig().reconnect_interval_s
    frames = _frames(320, 240)
    source = ReplaySource(lambda: iter(frames), fps=fps, loop=True, name="bench-replug",
                          reconnect_interval_s=interval)
    source.start()
    times: list[float] = []
    try:
        if source.wait_next(-1, timeout=10.0) is None:
            raise RuntimeError("the replay delivered no frame")
        for i in range(cycles):
            source.unplug()
            # Stay unplugged a while (the thread notices and starts retrying); vary it so the replug
            # falls at different points of the retry interval.
            time.sleep(1.0 + interval * i / cycles)
            before = source.health().frames
            replug_t = time.monotonic()
            source.replug()
            frame = source.wait_next(before - 1, timeout=30.0)
            if frame is None:
                raise RuntimeError("the replay did not come back")
            times.append(frame.t - replug_t)
            time.sleep(0.3)
    finally:
        source.stop()
    return {"cycles": cycles, "reconnect_interval_s": interval, "recovery_s": times,
            "max_s": max(times), "reconnects": source.health().reconnects}


def main(argv: list[str] | None = None) -> int:
    """Print (and optionally write) the capture and recovery measurements."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = {"capture": bench_capture(args.seconds, args.fps), "recovery": bench_recovery(fps=args.fps)}
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
