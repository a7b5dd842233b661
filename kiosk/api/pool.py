"""Bounded model work: a fixed number of workers, each owning one face engine, and a short queue.

A face engine is not shared between threads (its pipeline tracks one face at a time), so each worker
takes an engine from a queue for the length of one job. When every worker is busy and the queue is full,
a request is answered 503 with ``Retry-After`` at once instead of piling up: the service keeps answering
under a burst. ONNX Runtime releases the GIL, so two workers use both cores.
"""
from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from kiosk.api.errors import ApiError

T = TypeVar("T")


class EnginePool:
    """``await pool.run(fn, ...)`` calls ``fn(engine, ...)`` on a worker, or raises a 503 ``ApiError``."""

    def __init__(self, engines: list[Any], queue_size: int, timeout_s: float) -> None:
        if not engines:
            raise ValueError("an engine pool needs at least one engine")
        self._engines: queue.Queue[Any] = queue.Queue()
        for engine in engines:
            self._engines.put(engine)
        self.workers = len(engines)
        self._capacity = len(engines) + queue_size
        self._pending = 0
        self._lock = threading.Lock()
        self._timeout = timeout_s
        self._executor = ThreadPoolExecutor(max_workers=len(engines), thread_name_prefix="api-engine")

    @property
    def pending(self) -> int:
        """Jobs running or waiting."""
        return self._pending

    def _job(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        engine = self._engines.get()
        try:
            return fn(engine, *args)
        finally:
            self._engines.put(engine)
            with self._lock:
                self._pending -= 1

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(engine, *args)`` on a worker; 503 ``busy`` when saturated, 503 ``timeout`` when too slow."""
        with self._lock:
            if self._pending >= self._capacity:
                raise ApiError(503, "busy", "every model worker is busy; try again shortly",
                               headers={"Retry-After": "1"})
            self._pending += 1
        try:
            future = self._executor.submit(self._job, fn, args)
        except RuntimeError:  # shutting down
            with self._lock:
                self._pending -= 1
            raise ApiError(503, "shutting_down", "the service is stopping", headers={"Retry-After": "5"}) from None
        try:
            # shield: a timed-out job still finishes on its worker (model calls cannot be interrupted) and
            # keeps counting against the capacity until it does.
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), self._timeout)
        except TimeoutError:
            raise ApiError(503, "timeout", f"the request took longer than {self._timeout:g} s; try again",
                           headers={"Retry-After": "5"}) from None

    def close(self) -> None:
        """Stop accepting work and wait for running jobs."""
        self._executor.shutdown(wait=True, cancel_futures=True)
