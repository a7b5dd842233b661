"""The reader I/O thread: every call on one thread, in order, with timeouts and inline re-entry."""
from __future__ import annotations

import threading

import pytest

from hardware.nfc.errors import ReaderError, ReaderTimeoutError
from hardware.nfc.thread import IoThread


def test_calls_run_on_one_thread_in_order() -> None:
    seen: list[tuple[int, int]] = []
    with IoThread("t") as io:
        futures = [io.submit(lambda i=i: seen.append((i, threading.get_ident()))) for i in range(20)]
        for f in futures:
            f.result(5)
        assert [i for i, _ in seen] == list(range(20))
        assert {t for _, t in seen} == {io.ident}
        assert io.ident != threading.get_ident()


def test_exceptions_reach_the_caller_and_reentry_runs_inline() -> None:
    with IoThread("t") as io:
        def boom() -> None:
            raise ValueError("x")

        with pytest.raises(ValueError):
            io.call(boom)
        # A call made from the I/O thread itself must not deadlock waiting for its own queue.
        assert io.call(lambda: io.call(lambda: io.on_thread())) is True
        io.call(io.assert_on_thread)
        with pytest.raises(ReaderError):
            io.assert_on_thread()


def test_timeout_raises_a_typed_error() -> None:
    release = threading.Event()
    io = IoThread("t", default_timeout=0.05)
    try:
        with pytest.raises(ReaderTimeoutError, match="did not answer"):
            io.call(release.wait)
    finally:
        release.set()
        io.close()
    with pytest.raises(ReaderError):
        io.submit(lambda: None)
