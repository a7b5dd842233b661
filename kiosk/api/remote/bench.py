"""``kiosk bench remote``: the streamed remote path and the upload path side by side, on the real server
(figures for the docs; nothing asserted).

The server is ``kiosk serve``'s application (``build_service`` + uvicorn with the API's transport settings) in
a subprocess on 127.0.0.1, so its CPU time (``/proc/PID/stat``) is its own; its challenges are drawn from the
actions the synthetic subject performs reliably (turn left/right, blink, look down; the astronaut's pitch bias
fails upward steps: README "Known limits"), two steps each. Clients run in this process, one thread each:

- **stream**: a protocol-level client (``kiosk.api.remote.protocol_client``): the synthetic subject streamed at
  15 frames/s over the WebSocket, acting out each step when it is revealed and lit by the colours the server
  asks for. Not a browser: 16 headless Chromiums would need more memory and CPU than the server under test on
  this machine, and a browser adds nothing the server can see (it receives the same messages);
- **upload**: ``POST /v1/challenges``, the subject filmed following the steps for as long as that takes in real
  time (the client waits that long, as a customer would), then ``POST /v1/verify`` with the frames.

A client that is told ``busy`` (every worker taken; a stream is refused before its token is spent, an upload
gets 503) waits 1 s and tries again. Per path and number of clients: sessions finished a minute, their
decisions, the customer's time per session (stream: from opening the connection to the result; upload: the
capture plus the request), the flash's part of it (the server's own ``flash_added_s``), the server's CPU
seconds per finished session, and the busy answers.
"""
from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from kiosk.api.bench import _Server as ApiBenchServer

ACTIONS = ("turn_left", "turn_right", "blink", "look_down")
_SERVE = """
import json, socket, sys
import uvicorn
from inference.challenge import ChallengeConfig
from kiosk.api.app import create_app
from kiosk.api.challenges import ChallengeRegistry
from kiosk.api.config import ApiConfig
from kiosk.api.server import build_service
from kiosk.api.transport import uvicorn_settings

cfg = ApiConfig(port=0, workers=int(sys.argv[2]), queue=16, rate_per_minute=1000000, challenge_length=2,
                remote_connections_per_address=64, remote_connects_per_minute=100000)
svc = build_service(sys.argv[1], cfg)
svc.challenges = ChallengeRegistry(ChallengeConfig(length=2, actions=tuple(sys.argv[3].split(","))), 120.0)
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
uvicorn.Server(uvicorn.Config(create_app(svc), **uvicorn_settings(cfg))).run(sockets=[sock])
"""


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Server(ApiBenchServer):
    """``kiosk serve``'s app with the bench's challenge actions (``kiosk bench api``'s server, stopped the same way)."""

    def __init__(self, base: Path, workers: int) -> None:  # noqa: D107 (a different start than the parent's)
        self.data = base / "data"
        root = Path(__file__).resolve().parents[3]
        env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen([sys.executable, "-c", _SERVE, str(self.data), str(workers), ",".join(ACTIONS)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the server did not start")
        self.url = f"http://127.0.0.1:{json.loads(line)['port']}"
        self._wait_ready()
        from storage import open_storage

        st = open_storage(self.data)
        try:
            self.key = st.api_keys.create("bench-remote", ("verify", "liveness", "sessions"), "bench:remote")[1]
        finally:
            st.close()

    def _wait_ready(self) -> None:
        import httpx

        for _ in range(600):
            try:
                if httpx.get(self.url + "/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server never answered /health")



def _portrait() -> tuple[bytes, Any]:
    """The reference portrait (a JPEG of the astronaut) and the synthetic subject made from the same photo."""
    from inference.image import read_image
    from inference.synthetic import SyntheticSubject
    from kiosk.api.remote.protocol_client import jpeg
    from kiosk.face_session import FaceEngine
    from models.store import ModelStore

    photo = read_image(ModelStore().asset_path("astronaut"))
    engine = FaceEngine.load()
    return jpeg(photo, 92), SyntheticSubject.from_image(photo, engine.detector, engine.pipeline.mesh)


def _stream_session(url: str, key: str, portrait: bytes, subject: Any) -> dict[str, Any]:
    import httpx

    from kiosk.api.remote.protocol_client import run_page

    r = httpx.post(f"{url}/v1/remote-sessions", headers={"X-API-Key": key}, timeout=60,
                   json={"portrait": base64.b64encode(portrait).decode()})
    r.raise_for_status()
    ws_url = url.replace("http://", "ws://") + f"/v1/remote/stream?token={r.json()['token']}"
    busy = 0
    while True:
        run = run_page(ws_url, subject, lit=True)
        if run.result is not None and run.result.get("code") == "busy":
            busy += 1
            time.sleep(1.0)
            continue
        result = run.result or {}
        return {"ok": result.get("type") == "result", "decision": result.get("decision") or result.get("code"),
                "session_id": result.get("session_id"), "seconds": run.seconds, "busy": busy}


def _upload_session(url: str, key: str, portrait: bytes, subject: Any) -> dict[str, Any]:
    import httpx

    from inference.challenge import ChallengeStep
    from kiosk.api.remote.protocol_client import jpeg

    h = {"X-API-Key": key}
    busy = 0
    with httpx.Client(base_url=url, timeout=120) as c:
        while True:
            t0 = time.monotonic()
            ch = c.post("/v1/challenges", headers=h)
            ch.raise_for_status()
            body = ch.json()
            steps = [ChallengeStep(s["action"], tuple(s["target"]) if s.get("target") else None)
                     for s in body["steps"]]
            played = list(subject.play(subject.follow(steps), fps=15.0))
            frames = [(jpeg(f.image), f.t) for f in played]
            time.sleep(max(0.0, played[-1].t - (time.monotonic() - t0)))  # the customer films in real time
            files = [("frames", (f"{i}.jpg", d, "image/jpeg")) for i, (d, _) in enumerate(frames)]
            files.append(("portrait", ("p.jpg", portrait, "image/jpeg")))
            r = c.post("/v1/verify", headers=h, files=files,
                       data={"challenge_id": body["challenge_id"], "nonce": body["nonce"],
                             "timestamps": json.dumps([t for _, t in frames])})
            if r.status_code == 503:
                busy += 1
                time.sleep(1.0)
                continue
            ok = r.status_code == 200
            return {"ok": ok, "decision": r.json().get("decision") if ok else str(r.status_code),
                    "session_id": r.json().get("session_id") if ok else None,
                    "seconds": time.monotonic() - t0, "busy": busy}


def _level(server: _Server, path: str, clients: int, seconds: float, portrait: bytes, subject: Any) -> dict[str, Any]:
    """``clients`` threads running sessions back to back for ``seconds`` (sessions under way then finish)."""
    run = _stream_session if path == "stream" else _upload_session
    rows: list[dict[str, Any]] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < stop:
            try:
                row = run(server.url, server.key, portrait, subject)
            except Exception as exc:  # a dropped connection or a timeout: counted, never hidden
                with lock:
                    errors[type(exc).__name__] += 1
                continue
            with lock:
                rows.append(row)

    cpu0, t0 = _cpu_s(server.proc.pid), time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.monotonic() - t0, _cpu_s(server.proc.pid) - cpu0
    done = [r for r in rows if r["ok"]]
    times = sorted(r["seconds"] for r in done)
    return {"path": path, "clients": clients, "wall_s": round(wall, 1), "sessions": len(done),
            "sessions_per_min": round(60 * len(done) / wall, 2),
            "decisions": dict(Counter(r["decision"] for r in rows)), "errors": dict(errors),
            "busy_answers": sum(r["busy"] for r in rows),
            "customer_s_median": round(statistics.median(times), 2) if times else None,
            "customer_s_max": round(times[-1], 2) if times else None,
            "server_cpu_s_per_session": round(cpu / len(done), 2) if done else None,
            "server_cpu_s": round(cpu, 1), "session_ids": [r["session_id"] for r in done if r["session_id"]]}


def _flash_times(data: Path, levels: list[dict[str, Any]]) -> None:
    """Add what the store recorded: each level's reason codes, and for the stream the server's own flash figures
    (``checks.api.flash_added_s`` and its parts, ``flash.passed``)."""
    from storage import open_storage

    st = open_storage(data)
    try:
        for lv in levels:
            reasons: Counter[str] = Counter()
            for sid in lv["session_ids"]:
                checks = st.decisions.load_session(sid, actor="bench:remote").checks
                reasons.update({f["code"] for f in checks.get("findings", [])})
            lv["reasons"] = dict(reasons)
            if lv["path"] != "stream":  # an upload runs no flash
                lv["flash_added_s_median"] = lv["flash_added_s_max"] = lv["flash_passed"] = None
                lv["flash_parts_s_median"] = {}
                continue
            parts: dict[str, list[float]] = {}
            passed = 0
            for sid in lv["session_ids"]:
                api = st.decisions.load_session(sid, actor="bench:remote").checks.get("api", {})
                for k in ("flash_added_s", "flash_settle_s", "flash_sequence_s", "flash_tail_s"):
                    if api.get(k) is not None:
                        parts.setdefault(k, []).append(api[k])
                passed += bool((api.get("flash") or {}).get("passed"))
            added = sorted(parts.get("flash_added_s", []))
            lv["flash_added_s_median"] = round(statistics.median(added), 2) if added else None
            lv["flash_added_s_max"] = round(added[-1], 2) if added else None
            lv["flash_parts_s_median"] = {k: round(statistics.median(v), 3) for k, v in parts.items()}
            lv["flash_passed"] = passed
    finally:
        st.close()


def bench_remote(level_s: float = 60.0, clients: tuple[int, ...] = (1, 4, 16), paths: tuple[str, ...] = ("stream", "upload"),
                 workers: int = 2, progress: bool = False) -> dict[str, Any]:
    """Every path at every number of clients for ``level_s`` seconds each, against one server."""
    if level_s <= 0 or not clients or any(c < 1 for c in clients) or not set(paths) <= {"stream", "upload"}:
        raise ValueError("level_s must be positive, every client count at least 1, paths among stream and upload")
    load_before = os.getloadavg()
    portrait, subject = _portrait()
    with tempfile.TemporaryDirectory(prefix="bench-remote-") as tmp:
        server = _Server(Path(tmp), workers)
        levels = []
        try:
            for path in paths:
                for n in clients:
                    if progress:
                        print(f"{path}: {n} client(s) for {level_s:g} s", flush=True)
                    levels.append(_level(server, path, n, level_s, portrait, subject))
        finally:
            server.stop()
        _flash_times(server.data, levels)
    for lv in levels:
        del lv["session_ids"]
    return {"workers": workers, "level_s": level_s, "actions": list(ACTIONS), "challenge_length": 2,
            "load_average_before": load_before, "load_average_after": os.getloadavg(), "levels": levels}
