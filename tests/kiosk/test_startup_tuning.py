"""The start-up work that keeps the window's GUI thread from stalling: worker priority, the decision log opened
before the first customer, start-up objects frozen out of the garbage collector."""
from __future__ import annotations

import gc
import os
import sys
import threading
from pathlib import Path

import pytest

from kiosk.memory import freeze_long_lived
from kiosk.priority import WORKER_NICENESS, lower_this_thread
from kiosk.workflow.record_step import prepare_store


def _nice_of_thread(fn) -> tuple[int, int]:
    """Run ``fn`` in a new thread; that thread's nice value before and after."""
    out: list[int] = []

    def body() -> None:
        tid = threading.get_native_id()
        out.append(os.getpriority(os.PRIO_PROCESS, tid))
        fn()
        out.append(os.getpriority(os.PRIO_PROCESS, tid))
    t = threading.Thread(target=body)
    t.start()
    t.join()
    return out[0], out[1]


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are a Linux feature")
def test_a_worker_runs_below_the_main_thread_and_only_it():
    base = os.getpriority(os.PRIO_PROCESS, os.getpid())
    before, after = _nice_of_thread(lower_this_thread)
    assert before == base
    assert after == min(19, base + WORKER_NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, os.getpid()) == base  # the main thread is untouched


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are a Linux feature")
def test_a_worker_started_by_a_worker_is_not_pushed_further_down():
    base = os.getpriority(os.PRIO_PROCESS, os.getpid())
    seen: list[tuple[int, int]] = []

    def outer() -> None:
        lower_this_thread()
        seen.append(_nice_of_thread(lower_this_thread))  # inherits the lowered value, then stays there
    _nice_of_thread(outer)
    assert seen == [(min(19, base + WORKER_NICENESS),) * 2]


def test_freezing_takes_start_up_objects_out_of_later_collections():
    kept = [[i] for i in range(1000)]  # tracked containers alive at "start-up"
    try:
        frozen = freeze_long_lived()
        assert frozen >= len(kept)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()  # leave the test process as it was


def test_prepare_store_creates_the_decision_log_before_the_first_session(tmp_path: Path):
    prepare_store(tmp_path / "data")
    from storage import open_storage

    st = open_storage(tmp_path / "data")  # opens without creating anything new: schema and keys exist
    try:
        assert st.verify().ok
    finally:
        st.close()


def test_prepare_store_fails_at_start_up_when_the_keys_are_lost(tmp_path: Path):
    from storage.errors import KeysMissingError

    prepare_store(tmp_path)
    from storage import open_storage
    from kiosk.recording import config_hash
    from kiosk.policy import PolicyConfig

    st = open_storage(tmp_path)
    st.startup(config_hash(PolicyConfig()))  # the store now holds data (an audit event)
    st.close()
    (tmp_path / "keys.json").unlink()
    with pytest.raises(KeysMissingError):
        prepare_store(tmp_path)
