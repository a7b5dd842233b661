"""``kiosk bench api``: the real server under load (figures for the README, nothing asserted).

1. ``POST /v1/compare`` with two 640x480 JPEGs at 1, 4 and 16 concurrent clients for a fixed time each:
   requests/s (answered 200), p50/p99 latency, and every other answer counted by status (429/503 carry
   ``Retry-After``; a dropped connection is counted as ``error``).
2. A soak mixing every endpoint at ``soak_clients`` clients for ``soak_s`` seconds: answers by status
   (the point: zero 5xx) and the server's resident memory before and after.

The server is ``python -m kiosk serve`` in a subprocess on 127.0.0.1 with a temporary data folder.
"""
from __future__ import annotations

import base64
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

BENCH_TOML = """[api]
port = 0
workers = 2
queue = 8
rate_per_minute = 1000000
max_frames = 400
challenge_length = 2
"""


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _jpeg(bgr: np.ndarray, quality: int = 90) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return bytes(buf.tobytes()) if ok else b""


def _images() -> tuple[bytes, bytes]:
    """Two 640x480 JPEGs of the same face (the astronaut on a grey canvas, two framings)."""
    import cv2

    from inference.image import read_image
    from models.store import ModelStore

    face = read_image(ModelStore().asset_path("astronaut"))
    out = []
    for scale, dx in ((0.9, 60), (0.8, 110)):
        canvas = np.full((480, 640, 3), 120, np.uint8)
        small = cv2.resize(face, (int(480 * scale), int(480 * scale)))
        y = (480 - small.shape[0]) // 2
        canvas[y:y + small.shape[0], dx:dx + small.shape[1]] = small
        out.append(_jpeg(canvas))
    return out[0], out[1]


class _Server:
    def __init__(self, base: Path) -> None:
        (base / "api.toml").write_text(BENCH_TOML, encoding="utf-8")
        self.data = base / "data"
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--data-dir", str(self.data),
                                      "--config", str(base / "api.toml")], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("kiosk serve did not start")
        self.url = json.loads(line)["listening"]

    def key(self) -> str:
        from storage import open_storage

        st = open_storage(self.data)
        try:
            return st.api_keys.create("bench", ("all",), "bench:api")[1]
        finally:
            st.close()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _drive(url: str, clients: int, seconds: float, call: Callable[[Any, int], Any],
           label: Callable[[int], str] | None = None) -> dict[str, Any]:
    """Run ``call(client, i)`` in ``clients`` threads for ``seconds``; latencies of 200s and status counts
    (and per ``label(i)``, the p50 and the slowest latency of each kind of call)."""
    import httpx

    lat: list[float] = []
    by_kind: dict[str, list[float]] = {}
    counts: Counter[str] = Counter()
    retry_missing = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        nonlocal retry_missing
        i = 0
        # TCP_NODELAY: httpx writes a POST's head and body separately; Nagle would hold the body for the
        # server's delayed ACK (40 ms a request, a client artefact, not the service's cost).
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        with httpx.Client(base_url=url, timeout=120, transport=transport) as c:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    r = call(c, n * 100000 + i)
                    status = str(r.status_code)
                    missing = r.status_code in (429, 503) and "retry-after" not in r.headers
                except Exception:  # a dropped connection or a timeout: counted, never hidden
                    status, missing = "error", False
                dt = time.perf_counter() - t0
                i += 1
                with lock:
                    counts[status] += 1
                    retry_missing += missing
                    if status.startswith("2"):
                        lat.append(dt * 1000)
                    if label is not None:
                        by_kind.setdefault(label(i - 1), []).append(dt * 1000)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    lat.sort()
    return {"clients": clients, "seconds": round(wall, 1), "ok_per_s": round(len(lat) / wall, 2),
            "p50_ms": round(statistics.median(lat), 1) if lat else None,
            "p99_ms": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 1) if lat else None,
            "statuses": dict(counts), "busy_without_retry_after": retry_missing,
            **({"by_kind": {k: {"n": len(v), "p50_ms": round(statistics.median(v), 1), "max_ms": round(max(v), 1)}
                            for k, v in sorted(by_kind.items())}} if label else {})}


SOAK_KINDS = ("health", "quality", "compare", "enrol+delete", "identify", "challenge+frames",
              "challenge+verify+session", "info")


def _soak_call(key: str, a: bytes, b: bytes, frames: list[tuple[bytes, float]]) -> Callable[[Any, int], Any]:
    h = {"X-API-Key": key}
    b64 = base64.b64encode
    ja, jb = b64(a).decode(), b64(b).decode()

    def challenge_frames(c: Any, verify: bool) -> Any:
        ch = c.post("/v1/challenges", headers=h).json()
        files = [("frames", (f"{i}.jpg", data, "image/jpeg")) for i, (data, _) in enumerate(frames)]
        data = {"nonce": ch["nonce"], "timestamps": json.dumps([t for _, t in frames])}
        if verify:
            return c.post("/v1/verify", headers=h, files=files + [("portrait", ("p.jpg", a, "image/jpeg"))],
                          data={**data, "challenge_id": ch["challenge_id"]})
        return c.post(f"/v1/challenges/{ch['challenge_id']}/frames", headers=h, files=files, data=data)

    def call(c: Any, i: int) -> Any:
        kind = i % 8
        if kind == 0:
            return c.get("/health")
        if kind == 1:
            return c.post("/v1/quality", headers=h, json={"image": ja})
        if kind == 2:
            return c.post("/v1/compare", headers=h, json={"image1": ja, "image2": jb})
        if kind == 3:
            r = c.post("/v1/identities", headers=h, json={"list": f"soak{i}", "image": ja})
            if r.status_code == 201:
                return c.delete(f"/v1/identities/{r.json()['identity_id']}", headers=h)
            return r
        if kind == 4:
            return c.post("/v1/identify", headers=h, json={"list": "soak", "image": jb})
        if kind == 5:
            return challenge_frames(c, verify=False)
        if kind == 6:
            r = challenge_frames(c, verify=True)
            if r.status_code == 200:
                return c.get(f"/v1/sessions/{r.json()['session_id']}", headers=h)
            return r
        return c.get("/v1/info", headers=h)

    return call


def bench_api(levels: tuple[int, ...] = (1, 4, 16), level_s: float = 15.0, soak_s: float = 60.0,
              soak_clients: int = 8, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run both parts against a fresh server; returns the figures."""
    a, b = _images()
    # A 3-second recording of a still face: a real upload's size and decode cost (its challenge fails).
    frames = [(a, i / 15) for i in range(45)]
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-api-") as tmp:
        server = _Server(Path(tmp))
        try:
            key = server.key()
            h = {"X-API-Key": key}
            body = {"image1": base64.b64encode(a).decode(), "image2": base64.b64encode(b).decode()}
            _drive(server.url, 2, 3.0, lambda c, i: c.post("/v1/compare", headers=h, json=body))  # warm-up
            compare = []
            for n in levels:
                r = _drive(server.url, n, level_s, lambda c, i: c.post("/v1/compare", headers=h, json=body))
                log(f"compare, {n:>2} clients: {r['ok_per_s']:6.2f} req/s  p50 {r['p50_ms']} ms  p99 "
                    f"{r['p99_ms']} ms  answers {r['statuses']}")
                compare.append(r)
            rss_before = _rss_kb(server.proc.pid)
            soak = _drive(server.url, soak_clients, soak_s, _soak_call(key, a, b, frames),
                          label=lambda i: SOAK_KINDS[i % len(SOAK_KINDS)])
            rss_after = _rss_kb(server.proc.pid)
            soak["rss_before_mb"] = round(rss_before / 1024, 1)
            soak["rss_after_mb"] = round(rss_after / 1024, 1)
            soak["5xx"] = sum(v for k, v in soak["statuses"].items() if k.startswith("5") or k == "error")
            log(f"soak, {soak_clients} clients, {soak['seconds']} s: answers {soak['statuses']}  5xx/errors "
                f"{soak['5xx']}  RSS {soak['rss_before_mb']} -> {soak['rss_after_mb']} MB")
            for kind, v in soak["by_kind"].items():
                log(f"  {kind:<26} n {v['n']:>3}  p50 {v['p50_ms']:>8} ms  slowest {v['max_ms']:>8} ms")
        finally:
            server.stop()
    return {"compare": compare, "soak": soak, "load_average": os.getloadavg()}
