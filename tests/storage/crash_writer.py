"""Fork server for the crash-safety test (run as a script, not collected by pytest).

It imports everything once, holds no database connection, and is single-threaded, so each
``fork`` it makes is cheap and safe (unlike forking the pytest process, which other tests may have
filled with runtime threads). Protocol on stdin/stdout, one line each:
``fork REPORT_FILE`` -> replies the child's pid; the child records sessions in a loop and appends
each decision id plus a newline to REPORT_FILE with one ``write`` *after* ``record_session`` returned.
``reap PID`` -> waits for the (killed) child, replies ``reaped``. ``quit`` -> exits.
"""
from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from storage import (
    DecisionInput,
    IdentityFields,
    ImageEvidence,
    SessionRecord,
    TemplateEvidence,
    open_storage,
)
from storage_helpers import GIVEN, SURNAME, image_bytes


def records() -> list[SessionRecord]:
    now = datetime.now(timezone.utc)
    out = []
    for k in range(4):
        out.append(SessionRecord(
            kiosk_id="kiosk-crash", mode="unattended", started_at=now - timedelta(seconds=30), ended_at=now,
            decision=DecisionInput("review" if k % 3 == 0 else "reject", ("LIVENESS_FAIL",), "policy-1"),
            issuing_state="D", document_number=f"CRASH{k}", identity=IdentityFields(SURNAME, GIVEN, "1971-02-03"),
            chip={"access": "PACE"}, checks={"match": 0.4}, config_hash="cfg",
            images=[ImageEvidence("dg2", image_bytes("JPEG", k), "image/jpeg"),
                    ImageEvidence("live", image_bytes("PNG", k + 10, size=160), "image/png")],
            templates=[TemplateEvidence("live", [float(k + i) for i in range(128)])]))
    return out


def child(data_dir: Path, report: str, recs: list[SessionRecord]) -> None:
    fd = os.open(report, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        st = open_storage(data_dir)
        i = 0
        while True:
            r = st.decisions.record_session(recs[i % len(recs)])
            os.write(fd, f"{r.decision_id}\n".encode())
            i += 1
    except BaseException as exc:  # noqa: BLE001 - report anything, then die
        os.write(fd, f"ERR {type(exc).__name__}: {exc}\n".encode()[:500])
        os._exit(3)


def main() -> None:
    data_dir = Path(sys.argv[1])
    recs = records()
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "fork":
            pid = os.fork()
            if pid == 0:
                child(data_dir, arg, recs)
                os._exit(4)
            print(pid, flush=True)
        elif cmd == "reap":
            os.waitpid(int(arg), 0)
            print("reaped", flush=True)
        else:
            break


if __name__ == "__main__":
    main()
