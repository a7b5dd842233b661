"""Fixtures of the streamed remote tests: a real uvicorn server on 127.0.0.1 around a built service, and the
synthetic subject."""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Actions the synthetic subject (the astronaut) performs reliably; upward steps meet her pitch bias (README
# "Known limits"), which is not what these tests are about.
ACTIONS = ("turn_left", "turn_right", "blink", "look_down")


@contextlib.contextmanager
def serving(data: Path, cfg: Any) -> Iterator[tuple[Any, str, Any]]:
    """``create_app`` on a built service (``cfg``), served by uvicorn with the API's own transport settings, on
    127.0.0.1: (service, base URL, app)."""
    import uvicorn

    from inference.challenge import ChallengeConfig
    from kiosk.api.app import create_app
    from kiosk.api.challenges import ChallengeRegistry
    from kiosk.api.server import build_service
    from kiosk.api.transport import uvicorn_settings

    svc = build_service(data, cfg)
    svc.challenges = ChallengeRegistry(ChallengeConfig(length=2, actions=ACTIONS), 120.0)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(svc)
    server = uvicorn.Server(uvicorn.Config(app, **uvicorn_settings(cfg)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield svc, f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(20)
        svc.pool.close()
        svc.storage.close()
        sock.close()


@pytest.fixture(scope="module")
def remote_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One worker, two-step challenges of the actions the synthetic subject performs reliably."""
    from kiosk.api.config import ApiConfig

    cfg = ApiConfig(port=0, workers=1, queue=2, challenge_length=2)
    with serving(tmp_path_factory.mktemp("remote") / "data", cfg) as (svc, url, _app):
        yield svc, url


@pytest.fixture(scope="module")
def subject(engine, photo):  # type: ignore[no-untyped-def]
    from inference.synthetic import SyntheticSubject

    return SyntheticSubject.from_image(photo, engine.detector, engine.pipeline.mesh)
