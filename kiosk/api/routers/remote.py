"""Streamed remote verification: ``POST /v1/remote-sessions`` (scope ``verify``, the integrator's back end)
makes a single-use token; ``WS /v1/remote/stream?token=...`` (the customer's page, no API key) streams the
capture. The protocol (JSON text messages; frames as binary messages, each one JPEG):

server -> page: ``ping`` (x3, answered at once with ``pong``: the round trip is measured), ``ready``,
``step`` (one at a time), ``hold`` then ``flash`` (colours and durations to paint full screen, at once; before
the first step, between two or after the last, as the server drew), ``result`` (decision and session id),
``error`` (code and message; then a close frame: 1013 try again later, 1008 otherwise).
page -> server: ``pong``, ``camera`` (device label and size), ``visibility``, frames, ``end``.

Connections and each stream's messages are bounded (``kiosk.api.remote.limits``): the HTTP gate never sees a
WebSocket.

The session is recorded like ``/v1/verify``'s (mode ``api_stream``, kiosk id ``api:<key id>``), so the key
that made it reads it with ``GET /v1/sessions/{id}``.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import queue
import time
from typing import Any

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.websockets import WebSocketDisconnect

from kiosk.api.body import openapi_body, parse_body
from kiosk.api.contract import BODY, KEYED, SCOPED, errors
from kiosk.api.errors import ApiError
from kiosk.api.remote.limits import POLICY, TRY_LATER, Meter, StreamRefused
from kiosk.api.remote.signals import StreamSignals
from kiosk.api.remote.stream import StreamOutcome, StreamSettings, run_stream
from kiosk.api.routers._common import api_key, reference, service
from kiosk.api.schemas import Blob, Encoding, _Body

log = logging.getLogger(__name__)
router = APIRouter(tags=["remote"])
PINGS = 3
MAX_RTT_S = 1.0  # a round trip slower than this cannot bound the flash's timing usefully: refused
_INBOX = 64  # frames waiting for the worker; beyond it a frame is dropped (and counted)


class RemoteSessionRequest(_Body):
    """The reference portrait (image or DG2) of the person the page will capture."""

    portrait: Blob | None = Field(None, description="document portrait image (or give dg2)")
    dg2: Blob | None = None
    dg2_encoding: Encoding = "base64"
    ttl_s: float | None = Field(None, gt=0, description="seconds the token stays usable (at most the server's limit)")


class RemoteSession(BaseModel):
    """``POST /v1/remote-sessions``: what the integrator's back end hands to the customer's page."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(description="single use; opens one stream, once, until expires_at")
    expires_at: str = Field(description="ISO 8601, UTC")
    stream_path: str = Field(description="the WebSocket path: ws(s)://HOST{stream_path}?token=TOKEN")
    capture_path: str = Field(description="the capture page served by kiosk serve, with the token in the fragment")


@router.post("/v1/remote-sessions", summary="Create a streamed remote session: a single-use token for the page",
             openapi_extra=openapi_body(RemoteSessionRequest), response_model=RemoteSession,
             responses=errors(*KEYED, *SCOPED, *BODY, 422))
async def create(request: Request) -> dict[str, Any]:
    """A token the integrator hands to the customer's page (never the API key); it opens one stream, once."""
    svc = service(request)
    body = await parse_body(request, RemoteSessionRequest)
    portrait, kind = await reference(svc, body.portrait, body.dg2, body.dg2_encoding, "portrait")
    key = api_key(request)
    token, spec = svc.remote.issue(key, portrait, kind, body.ttl_s)
    await svc.audit(key, "remote_sessions", {"ref": spec.session_ref})
    return {"token": token, "expires_at": dt.datetime.fromtimestamp(spec.expires_at, dt.timezone.utc).isoformat(),
            "stream_path": "/v1/remote/stream", "capture_path": f"/capture#token={token}"}


async def _refuse(ws: WebSocket, code: str, message: str, close_code: int = POLICY) -> None:
    """The page's error message, then a close frame with ``close_code`` and a short reason (at most 123 bytes)."""
    with contextlib.suppress(Exception):
        await ws.send_json({"type": "error", "code": code, "message": message})
        await ws.close(close_code, f"{code}: {message}".encode()[:120].decode("utf-8", "ignore"))


async def _receive(ws: WebSocket, meter: Meter) -> dict[str, Any]:
    """The next message, counted against the stream's bounds."""
    msg = await ws.receive()
    if msg["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(msg.get("code", 1000))
    meter.take(msg)
    return msg


async def _receive_json(ws: WebSocket, meter: Meter, timeout: float) -> dict[str, Any]:
    msg = await asyncio.wait_for(_receive(ws, meter), timeout)
    try:
        data = json.loads(msg.get("text") or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_message", "expected a JSON object")
    return data


async def _round_trip(ws: WebSocket, meter: Meter) -> float:
    worst = 0.0
    for i in range(PINGS):
        sent = time.monotonic()
        await ws.send_json({"type": "ping", "id": i})
        answer = await _receive_json(ws, meter, 2 * MAX_RTT_S)
        if answer.get("type") != "pong" or answer.get("id") != i:
            raise ApiError(400, "bad_message", f"expected pong {i}")
        worst = max(worst, time.monotonic() - sent)
    return worst


@router.websocket("/v1/remote/stream")
async def stream(ws: WebSocket) -> None:
    """Run one streamed session (see the module docstring); the token is the only credential."""
    svc = ws.app.state.service
    await ws.accept()
    try:
        # Counted before the token is looked at: guessing tokens costs connections too.
        admission = ws.app.state.remote_limits.admit((ws.client or ("unknown", 0))[0])
    except StreamRefused as exc:
        await _refuse(ws, exc.code, exc.message, exc.close_code)
        return
    try:
        await _stream(ws, svc)
    finally:
        admission.release()


async def _stream(ws: WebSocket, svc: Any) -> None:
    if svc.pool.pending >= svc.pool.workers:
        # A stream holds a worker for its whole length and its clock starts now: waiting in the queue would eat
        # the customer's time. Refused before the token is claimed, so the same link works a minute later.
        await _refuse(ws, "busy", "every model worker is busy; try again in a minute", TRY_LATER)
        return
    try:
        spec = svc.remote.claim(ws.query_params.get("token", ""))
    except ApiError as exc:
        await _refuse(ws, exc.code, exc.message)
        return
    signals = StreamSignals()
    meter = ws.app.state.remote_limits.meter(spec.session_ref)
    started = dt.datetime.now(dt.timezone.utc)
    try:
        rtt = await _round_trip(ws, meter)
        if rtt > MAX_RTT_S:
            raise ApiError(400, "too_slow", f"the connection's round trip ({rtt * 1000:.0f} ms) is over "
                           f"{MAX_RTT_S * 1000:.0f} ms: try a better connection")
        await ws.send_json({"type": "ready", "rtt_ms": round(rtt * 1000, 1)})
        outcome = await _capture(ws, svc, spec, rtt, signals, meter)
    except (WebSocketDisconnect, asyncio.TimeoutError):
        await svc.audit(spec.key, "remote_stream", {"ref": spec.session_ref, "result": "abandoned"})
        return
    except StreamRefused as exc:  # the client broke a bound: nothing is recorded but the audit event
        await svc.audit(spec.key, "remote_stream", {"ref": spec.session_ref, "result": exc.code})
        await _refuse(ws, exc.code, exc.message, exc.close_code)
        return
    except ApiError as exc:
        await svc.audit(spec.key, "remote_stream", {"ref": spec.session_ref, "result": exc.code})
        await _refuse(ws, exc.code, exc.message)
        return
    session_id = await run_in_threadpool(_record, svc, spec, outcome, started)
    d = outcome.decision.to_dict()
    await svc.audit(spec.key, "remote_stream", {"ref": spec.session_ref, "decision": d["decision"]},
                    session_id=session_id)
    with contextlib.suppress(Exception):
        await ws.send_json({"type": "result", "decision": d["decision"], "session_id": session_id})
        await ws.close(1000)


async def _capture(ws: WebSocket, svc: Any, spec: Any, rtt: float, signals: StreamSignals,
                   meter: Meter) -> StreamOutcome:
    """Receive frames and page reports while the worker runs the session; its outcome."""
    from inference.challenge import draw_steps

    loop = asyncio.get_running_loop()
    t_start = time.monotonic()

    def clock() -> float:
        return time.monotonic() - t_start

    inbox: queue.Queue[tuple[str, Any, float]] = queue.Queue(_INBOX)
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def emit(message: dict[str, Any]) -> None:  # from the worker thread
        loop.call_soon_threadsafe(outbox.put_nowait, message)

    async def sender() -> None:
        while True:
            await ws.send_json(await outbox.get())

    cfg = svc.config
    settings = StreamSettings(max_s=min(45.0, cfg.timeout_s - 5), max_frames=cfg.max_frames,
                              max_bytes=cfg.max_image_bytes, max_pixels=cfg.max_image_pixels)
    steps = list(draw_steps(svc.challenges.config))
    job = asyncio.ensure_future(svc.pool.run(run_stream, steps, spec.portrait.bgr, svc.policy, rtt, inbox, emit,
                                             clock, signals, settings))
    send_task = asyncio.ensure_future(sender())
    recv: asyncio.Future[Any] | None = None
    try:
        while not job.done():
            if recv is None:
                recv = asyncio.ensure_future(_receive(ws, meter))
            done, _ = await asyncio.wait({recv, job}, return_when=asyncio.FIRST_COMPLETED)
            if recv not in done:
                break
            try:
                msg = recv.result()
            finally:
                recv = None
            if msg.get("bytes") is not None:
                try:
                    inbox.put_nowait(("frame", msg["bytes"], clock()))
                except queue.Full:
                    signals.dropped += 1
                continue
            _page_report(msg.get("text") or "", signals, inbox, clock)
        outcome: StreamOutcome = await job
        while not outbox.empty():  # the last step or flash message before the result
            await ws.send_json(outbox.get_nowait())
        return outcome
    finally:
        send_task.cancel()
        if recv is not None:
            recv.cancel()
        if not job.done():
            _end(inbox, clock())
            with contextlib.suppress(Exception):  # the worker stops at the end mark; its outcome is not recorded
                await job


def _end(inbox: queue.Queue[tuple[str, Any, float]], t: float) -> None:
    """Tell the worker to stop, from the event loop: never blocks (a full inbox is emptied first)."""
    _put(inbox, ("end", None, t))


def _put(inbox: queue.Queue[tuple[str, Any, float]], item: tuple[str, Any, float]) -> None:
    """A control message for the worker, from the event loop: never blocks and is never lost (the oldest
    queued frame makes room when the inbox is full)."""
    while True:
        try:
            inbox.put_nowait(item)
            return
        except queue.Full:
            with contextlib.suppress(queue.Empty):
                inbox.get_nowait()


def _page_report(text: str, signals: StreamSignals, inbox: queue.Queue[tuple[str, Any, float]], clock: Any) -> None:
    try:
        data = json.loads(text)
    except ValueError:
        return
    if not isinstance(data, dict):
        return
    kind = data.get("type")
    if kind == "camera":
        signals.camera(data)
    elif kind == "visibility":
        signals.visibility(str(data.get("state", "")))
    elif kind == "end":
        _end(inbox, clock())
    elif kind == "decline_flash":  # the customer must not see flashing colours: REVIEW, FLASH_DECLINED
        _put(inbox, ("decline", None, clock()))


def _record(svc: Any, spec: Any, outcome: StreamOutcome, started: dt.datetime) -> str:
    from storage import ImageEvidence

    from kiosk.api.images import encode_jpeg
    from kiosk.api.service import api_kiosk_id
    from kiosk.recording import record_to

    images = [ImageEvidence("dg2", spec.portrait.data, spec.portrait.media_type)]
    if outcome.best_frame is not None:
        images.append(ImageEvidence("live", encode_jpeg(outcome.best_frame), "image/jpeg"))
    images += [ImageEvidence("audit_frame", b, "image/jpeg") for b in outcome.audit_frames]
    checks = {"face_session": outcome.session.to_dict(),
              "api": {"key_id": spec.key.key_id, "remote_ref": spec.session_ref, "portrait": spec.portrait_kind,
                      **outcome.report}}
    return record_to(svc.storage, mode="api_stream", started_at=started, evidence=outcome.evidence,
                     decision=outcome.decision, policy=svc.policy, checks=checks, images=images,
                     kiosk_id=api_kiosk_id(spec.key.key_id))
