"""Issue 21: the capture stream's WebSocket against a hostile client, on a real uvicorn server on 127.0.0.1.
Many connections from one address, connections faster than the per-minute limit, an oversized frame, a frame
flood and a stream that sends too much in all are each closed with a clear code and reason (and the page's
JSON ``error`` first); the server-wide cap holds across addresses."""
from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from kiosk.api.remote.limits import StreamBounds, StreamLimits, StreamRefused
from tests.kiosk.api.conftest import dg2_of
from tests.kiosk.api.remote_fixtures import serving

MAX_MESSAGE = 64 * 1024


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from kiosk.api.config import ApiConfig

    cfg = ApiConfig(port=0, workers=1, queue=2, challenge_length=2, remote_max_message_bytes=MAX_MESSAGE)
    with serving(tmp_path_factory.mktemp("limits") / "data", cfg) as running:
        yield running


def _bounds(app: Any, **kw: Any) -> StreamLimits:
    """Fresh counters with these bounds (each test starts clean)."""
    limits = StreamLimits(StreamBounds(**kw))
    app.state.remote_limits = limits
    return limits


def _token(svc: Any, url: str, photo: Any) -> str:
    import httpx

    key = svc.storage.api_keys.create("limits-test", ("verify", "sessions"), "test:fixture")[1]
    r = httpx.post(f"{url}/v1/remote-sessions", headers={"X-API-Key": key}, timeout=30,
                   json={"dg2": base64.b64encode(dg2_of(photo)).decode()})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def _ws(url: str, token: str) -> str:
    return url.replace("http://", "ws://") + f"/v1/remote/stream?token={token}"


def _ready(ws: Any) -> None:
    """Answer the round-trip probe; the stream is then capturing (it holds the worker)."""
    for _ in range(3):
        ping = json.loads(ws.recv(timeout=10))
        ws.send(json.dumps({"type": "pong", "id": ping["id"]}))
    assert json.loads(ws.recv(timeout=10))["type"] == "ready"


def _refused(ws: Any) -> tuple[dict[str, Any], int, str]:
    """The error message, then the close code and reason."""
    msg = json.loads(ws.recv(timeout=10))
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None, "the server sent no close frame"
    return msg, closed.value.rcvd.code, closed.value.rcvd.reason


def _closed_by_server(ws: Any, send: Any, limit: int = 2000) -> tuple[int, str]:
    """Keep sending until the server closes the connection: its close code and reason."""
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(limit):
            send()
        while True:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None, "the server never closed the stream"
    return closed.value.rcvd.code, closed.value.rcvd.reason


def _wait_released(limits: StreamLimits) -> None:
    deadline = time.monotonic() + 30
    while limits.open_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert limits.open_count() == 0


def test_a_second_connection_from_one_address_is_refused_with_1013(limited, photo) -> None:  # type: ignore[no-untyped-def]
    svc, url, app = limited
    limits = _bounds(app, per_address=1)
    with connect(_ws(url, _token(svc, url, photo)), open_timeout=10) as first:
        _ready(first)
        with connect(_ws(url, "made-up"), open_timeout=10) as second:
            msg, code, reason = _refused(second)
        assert msg["type"] == "error" and msg["code"] == "too_many_streams", msg
        assert code == 1013 and reason.startswith("too_many_streams"), (code, reason)
    _wait_released(limits)  # the place is given back when the first stream ends
    with connect(_ws(url, "made-up"), open_timeout=10) as third:
        assert json.loads(third.recv(timeout=10))["code"] == "token_unknown"


def test_connections_faster_than_the_per_minute_limit_are_refused(limited) -> None:  # type: ignore[no-untyped-def]
    _svc, url, app = limited
    _bounds(app, connects_per_minute=3)
    for _ in range(3):  # guessing tokens counts against the limit too
        with connect(_ws(url, "guess"), open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10))["code"] == "token_unknown"
    with connect(_ws(url, "guess"), open_timeout=10) as ws:
        msg, code, reason = _refused(ws)
    assert msg["code"] == "rate_limited" and "a minute" in msg["message"], msg
    assert code == 1013 and reason.startswith("rate_limited")


def test_the_server_wide_cap_holds_across_addresses() -> None:
    limits = StreamLimits(StreamBounds(per_address=5, total=2))
    a, b = limits.admit("10.0.0.1"), limits.admit("10.0.0.2")
    with pytest.raises(StreamRefused) as exc:
        limits.admit("10.0.0.3")
    assert exc.value.code == "busy" and exc.value.close_code == 1013
    a.release()
    a.release()  # twice is once
    limits.admit("10.0.0.3")
    assert limits.open_count() == 2
    b.release()


def test_an_oversized_frame_closes_the_stream_with_1009(limited, photo) -> None:  # type: ignore[no-untyped-def]
    svc, url, app = limited
    limits = _bounds(app)
    before = len(svc.storage.decisions.list_sessions(limit=1000))
    with connect(_ws(url, _token(svc, url, photo)), open_timeout=10, max_size=None) as ws:
        _ready(ws)
        code, reason = _closed_by_server(ws, lambda: ws.send(b"\xff" * (MAX_MESSAGE + 1)), limit=3)
    assert code == 1009 and "exceeds limit" in reason, (code, reason)
    _wait_released(limits)
    assert len(svc.storage.decisions.list_sessions(limit=1000)) == before  # nothing half-recorded


def test_a_frame_flood_is_closed_with_1008(limited, photo) -> None:  # type: ignore[no-untyped-def]
    svc, url, app = limited
    limits = _bounds(app, max_fps=5)
    with connect(_ws(url, _token(svc, url, photo)), open_timeout=10) as ws:
        _ready(ws)
        code, reason = _closed_by_server(ws, lambda: ws.send(b"\xff\xd8 not really a jpeg"))
    assert code == 1008 and reason.startswith("frame_rate"), (code, reason)
    _wait_released(limits)


def test_a_stream_that_sends_too_much_in_all_is_closed_with_1008(limited, photo) -> None:  # type: ignore[no-untyped-def]
    svc, url, app = limited
    limits = _bounds(app, max_session_bytes=256 * 1024, max_fps=1000)
    with connect(_ws(url, _token(svc, url, photo)), open_timeout=10) as ws:
        _ready(ws)
        code, reason = _closed_by_server(ws, lambda: ws.send(b"\xff" * 60_000), limit=50)
    assert code == 1008 and reason.startswith("session_too_large"), (code, reason)
    _wait_released(limits)
