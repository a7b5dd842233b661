"""Per-model latency for each execution provider, side by side (``kiosk bench inference``).

Each model runs on its manifest parity input (a real face crop), after warm-up, ``runs`` times; we
report median and 90th percentile in milliseconds and the provider that really ran it.
"""
from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np
from models.parity import make_input
from models.store import ModelStore

from inference.config import RuntimeConfig
from inference.runtime import create_runner, providers_for_bench


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation."""
    return float(np.percentile(np.asarray(values), q))


def bench_models(runs: int = 50, providers: list[str] | None = None, store: ModelStore | None = None,
                 config: RuntimeConfig | None = None) -> dict[str, Any]:
    """Latency of every manifest model under each provider: ``{provider: {model: {...}}}``."""
    store = store or ModelStore()
    config = config or RuntimeConfig()
    result: dict[str, Any] = {"runs": runs, "providers": {}}
    for provider in providers or list(providers_for_bench()):
        per_model: dict[str, Any] = {}
        for entry in store.manifest.models:
            assert entry.parity is not None
            x = make_input(entry, store.asset_path(entry.parity.image))
            t0 = time.perf_counter()
            runner = create_runner(store.model_path(entry.id), entry.id, config, provider,
                                   warmup_shapes={entry.input["name"]: entry.input["shape"]})
            load_s = time.perf_counter() - t0
            for _ in range(3):
                runner.run1(x)
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                runner.run1(x)
                times.append((time.perf_counter() - t) * 1000)
            per_model[entry.id] = {
                "ran_on": runner.provider,
                "fallback": runner.fallback_reason,
                "median_ms": round(statistics.median(times), 3),
                "p90_ms": round(percentile(times, 90), 3),
                "load_and_warmup_s": round(load_s, 3),
            }
        result["providers"][provider] = per_model
    return result
