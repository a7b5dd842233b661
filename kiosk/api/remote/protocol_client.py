"""A protocol-level client of the streamed remote capture (what the capture page does, without a browser):
the synthetic subject in front of a camera, streamed in real time over the WebSocket, acting out each step
when the server reveals it, and (``lit``) reflecting the colours the server asks the page to paint, as a face
in front of a screen does. Unlit, it is what a screen or an injected video shows: the same face, the colours
never reaching it. Used by the protocol tests and by ``kiosk bench remote``."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.sync.client import connect

from inference.challenge import ChallengeStep
from inference.flash import FlashSequence
from inference.synthetic import NEUTRAL, screen_light, state_at
from kiosk.workflow.demo_devices import SCREEN_LATENCY_S, SCREEN_LIGHT_STRENGTH

FPS = 15.0


def jpeg(bgr: Any, quality: int = 85) -> bytes:
    """BGR -> JPEG bytes, as the page's canvas sends them."""
    import cv2

    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("the frame could not be encoded as JPEG")
    return bytes(buf.tobytes())


@dataclass
class PageRun:
    """What the page saw: every server message, and the result."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    frames_sent: int = 0
    seconds: float = 0.0  # from opening the connection to the result (or giving up)


def run_page(ws_url: str, subject: Any, *, lit: bool, label: str = "Integrated Camera", limit_s: float = 50.0,
             answer_delay_s: float = 0.0, decline: str | None = None, stand_in: Any = None) -> PageRun:
    """Stream ``subject`` to ``ws_url`` until the server answers with a result (or ``limit_s``).

    ``answer_delay_s``: the lit face answers the colours that much later (a renderer that must see the colour
    before it can paint it on the face). ``decline``: the customer declines the flash, ``"at_start"`` (before
    any step) or ``"at_flash"`` (when the colours arrive, so they stop), as the page's button does.
    ``stand_in``: another synthetic subject, lit, in front of the camera while the colours play (a live
    accomplice answering the colours for a puppet of ``subject``; both render at the same frame size).
    """
    run = PageRun()
    lock = threading.Lock()
    script: list[Any] = []
    script_t0 = [0.0]
    light: list[Any] = [None]  # (sequence, local time it arrived)
    opened = time.monotonic()
    with connect(ws_url, max_size=2**22, open_timeout=10) as ws:
        for _ in range(3):  # the round-trip probe
            ping = json.loads(ws.recv(timeout=10))
            if ping["type"] == "error":  # refused (busy, a used token...): the caller decides
                run.result = ping
                run.seconds = time.monotonic() - opened
                return run
            if ping["type"] != "ping":
                raise ValueError(f"expected a ping, got {ping}")
            ws.send(json.dumps({"type": "pong", "id": ping["id"]}))
        ready = json.loads(ws.recv(timeout=10))
        if ready["type"] != "ready":
            raise ValueError(f"expected ready, got {ready}")
        ws.send(json.dumps({"type": "camera", "label": label, "width": 640, "height": 480}))
        if decline == "at_start":
            ws.send(json.dumps({"type": "decline_flash"}))
        done = threading.Event()
        decline_now = threading.Event()  # set by the receiver; sent by this thread (one sender per socket)

        def receive() -> None:
            try:
                while True:
                    msg = json.loads(ws.recv())
                    now = time.monotonic()
                    with lock:
                        run.messages.append(msg)
                        if msg["type"] == "step":
                            step = ChallengeStep(msg["action"], tuple(msg["target"]) if msg["target"] else None)
                            script[:] = subject.follow([step], lead_in_s=0.3)
                            script_t0[0] = now
                        elif msg["type"] == "flash":
                            seq = FlashSequence.of(msg["colours"], [d / 1000 for d in msg["durations_ms"]])
                            if decline == "at_flash":
                                decline_now.set()  # the page stops painting at once
                            else:
                                light[0] = (seq, now)
                        elif msg["type"] in ("result", "error"):
                            run.result = msg
                            return
            except Exception:  # the connection closed
                return
            finally:
                done.set()

        threading.Thread(target=receive, daemon=True).start()
        start = time.monotonic()
        while not done.is_set() and time.monotonic() - start < limit_s:
            tick = time.monotonic()
            if decline_now.is_set():
                decline_now.clear()
                ws.send(json.dumps({"type": "decline_flash"}))
            with lock:
                state = state_at(script, tick - script_t0[0], NEUTRAL)[0] if script else NEUTRAL
                shown = light[0]
            face = subject
            if stand_in is not None and shown is not None and tick - shown[1] < shown[0].total_s + 0.8:
                face, state = stand_in, NEUTRAL  # the accomplice steps in for the colours and their lag
            image = face.render(state)
            if lit and shown is not None:
                rgb = shown[0].colour_at(tick - shown[1] - SCREEN_LATENCY_S - answer_delay_s)
                if rgb is not None:
                    image = screen_light(image, face.project(state), rgb, strength=SCREEN_LIGHT_STRENGTH)
            try:
                ws.send(jpeg(image, 85))
            except Exception:
                break
            run.frames_sent += 1
            time.sleep(max(0.0, 1 / FPS - (time.monotonic() - tick)))
        done.wait(10)
    run.seconds = time.monotonic() - opened
    return run
