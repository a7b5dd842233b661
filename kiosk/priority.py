"""Thread priorities: the window's thread first, the analysis and the devices' work after it.

On a 2-core kiosk PC the face session, the MRZ scanner and ONNX Runtime's and OpenVINO's inference threads
can keep both cores busy. Measured in the window (per-thread ``schedstat``): most of the GUI thread's worst
stalls were time spent runnable, waiting for a core the analysis held. The workers therefore run a few nice
levels below the process, so the scheduler hands the GUI thread a core as soon as it wakes; when the GUI is
idle the workers still get all the CPU, so nothing is slower on a quiet kiosk.
"""
from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

WORKER_NICENESS = 5


def lower_this_thread(by: int = WORKER_NICENESS) -> bool:
    """Run the calling thread ``by`` nice levels below the process's main thread (never lower than that, so a
    worker started by another worker is not pushed further down). Threads it starts afterwards inherit it:
    ONNX Runtime's and OpenVINO's pools are made by the thread that loads and first runs a model.

    Linux only (there ``setpriority`` on a thread id sets that one thread's nice value); elsewhere, and where
    the call is refused, it returns False and changes nothing. Lowering a priority needs no privilege."""
    if sys.platform != "linux":
        return False
    try:
        base = os.getpriority(os.PRIO_PROCESS, os.getpid())  # the main thread's (its id is the pid)
        tid = threading.get_native_id()
        target = min(19, base + by)
        if os.getpriority(os.PRIO_PROCESS, tid) < target:
            os.setpriority(os.PRIO_PROCESS, tid, target)
        return True
    except OSError as exc:
        log.debug("thread priority not changed: %s", exc)
        return False
