"""``kiosk bench review``: a store of N recorded sessions (storage API, no images), then the console's
first queue page and a search timed as the console runs them. Figures only, nothing asserted."""
from __future__ import annotations

import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from storage.clock import FixedClock
from storage.config import StorageConfig
from storage.store import Storage, open_storage

from kiosk.console.queue import QueueFilter, review_queue, search
from kiosk.console.sample import sample_record

KIOSKS = ("kiosk-01", "kiosk-02", "branch-berlin", "branch-hamburg")
BATCH = 50


def populate(st: Storage, clock: FixedClock, sessions: int, days: int = 30) -> None:
    """Record ``sessions`` sessions spread over ``days`` days before the clock's time (one commit per batch):
    one in eight goes to review, one in ten is rejected."""
    end = clock.now()
    step = dt.timedelta(days=days) / max(1, sessions)
    clock.set(end - dt.timedelta(days=days))
    for start in range(0, sessions, BATCH):
        recs = []
        for i in range(start, min(sessions, start + BATCH)):
            outcome = "review" if i % 8 == 3 else "reject" if i % 10 == 7 else "accept"
            kiosk = KIOSKS[(i // 3) % len(KIOSKS)]  # every kiosk gets some of the REVIEW sessions
            recs.append(sample_record(outcome, clock.now(), kiosk_id=kiosk, document=f"B{i:08d}",
                                      mode="assisted" if kiosk.startswith("branch") else "kiosk"))
        st.decisions.record_sessions(recs)
        clock.set(clock.now() + step * len(recs))
    clock.set(end)


def _time(fn: Any, runs: int) -> tuple[float, float, Any]:
    took, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        took.append((time.perf_counter() - t0) * 1000)
    return statistics.median(took), max(took), out


def bench_review(sessions: int = 10_000, data_dir: Path | None = None, runs: int = 5) -> dict[str, Any]:
    """Build the store (under ``data_dir`` or a temporary folder) and time the queries."""
    own = data_dir is None
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-review-")) if own else Path(data_dir)  # type: ignore[arg-type]
    try:
        clock = FixedClock(dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
        st = open_storage(folder, StorageConfig(), clock=clock)
        t0 = time.perf_counter()
        populate(st, clock, sessions)
        build_s = time.perf_counter() - t0
        st.close()
        st = open_storage(folder, StorageConfig())  # a fresh process would start cold like this
        today = dt.datetime.now(dt.timezone.utc).date()
        first_ms, first_max, page = _time(lambda: review_queue(st, QueueFilter()), runs)
        f = QueueFilter(day_from=today - dt.timedelta(days=7), day_to=today, reason="LIVENESS_CHALLENGE_FAILED")
        search_ms, search_max, found = _time(lambda: search(st, f), runs)
        kiosk_ms, kiosk_max, by_kiosk = _time(lambda: review_queue(st, QueueFilter(kiosk_id="branch-berlin")), runs)
        st.close()
        return {"sessions": sessions, "build_s": round(build_s, 1), "runs": runs,
                "queue_first_page_ms": {"median": round(first_ms, 1), "max": round(first_max, 1),
                                        "rows": len(page.items), "total": page.total},
                "search_ms": {"median": round(search_ms, 1), "max": round(search_max, 1),
                              "rows": len(found.items), "total": found.total,
                              "filter": "last 7 days, reason LIVENESS_CHALLENGE_FAILED"},
                "queue_by_kiosk_ms": {"median": round(kiosk_ms, 1), "max": round(kiosk_max, 1),
                                      "total": by_kiosk.total},
                "data_dir": None if own else str(folder)}
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)
