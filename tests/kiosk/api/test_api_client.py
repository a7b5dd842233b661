"""The Python client (issue 22 item 5) against the real server: typed methods, typed exceptions, images from
paths, bytes and numpy arrays, Retry-After honoured; and the integrator quick start (docs/api/quickstart.md)
run as it is written."""
from __future__ import annotations

import re

import httpx
import numpy as np
import pytest

from kiosk.client import Forbidden, KioskClient, NoFace, NotFound, RateLimited, Unauthorized, Unavailable
from tests.kiosk.api.conftest import ROOT, jpeg


def test_quickstart_runs_end_to_end(server, photo, other_face, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    text = (ROOT / "docs" / "api" / "quickstart.md").read_text(encoding="utf-8")
    code = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(code) == 1
    (tmp_path / "passport.jpg").write_bytes(jpeg(photo))
    (tmp_path / "selfie.jpg").write_bytes(jpeg(photo, 75))
    (tmp_path / "stranger.jpg").write_bytes(jpeg(other_face))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KIOSK_URL", server.url)
    monkeypatch.setenv("KIOSK_API_KEY", server.key("all"))
    exec(compile(code[0], "quickstart.md", "exec"), {})  # noqa: S102 - the page's own code, as a reader runs it
    out = capsys.readouterr().out
    assert "compare: match" in out and "decision grade: False" in out and "already enrolled as" in out
    assert "same person: match" in out and "identified: A-17" in out and "identity_not_found" in out
    assert re.search(r"\('A-17', '[0-9a-f-]+'\), \('B-2', ", out)
    assert "(5 s)" in out and any(p in out for p in ("Drehen", "Schauen", "Blinzeln", "Bewegen", "Kommen"))


def test_images_from_path_bytes_and_numpy_and_typed_errors(server, photo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.jpg").write_bytes(jpeg(photo))
    with KioskClient(server.url, server.key("compare", "facebank"), bgr=True) as api:
        by_path = api.compare(tmp_path / "a.jpg", jpeg(photo, 80))
        by_array = api.compare(str(tmp_path / "a.jpg"), photo)  # a BGR numpy array, sent as PNG
        assert by_path["band"] == by_array["band"] == "match"
        with pytest.raises(NoFace) as no_face:
            api.compare(np.full((480, 640, 3), 128, np.uint8), photo)
        assert no_face.value.status == 422 and no_face.value.code == "no_face" and no_face.value.request_id
        with pytest.raises(NotFound):
            api.identity("no-such-identity")
    with KioskClient(server.url, server.key("compare")) as narrow, pytest.raises(Forbidden) as scope:
        narrow.identify("vip", photo)
    assert scope.value.code == "scope_denied"
    with KioskClient(server.url, "idk_not-a-key") as bad, pytest.raises(Unauthorized) as denied:
        bad.info()
    assert denied.value.code == "invalid_api_key"


def _replay(*answers: httpx.Response) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    return httpx.MockTransport(handler), seen


def _err(status: int, code: str, retry_after: str | None) -> httpx.Response:
    return httpx.Response(status, headers={"Retry-After": retry_after} if retry_after else {},
                          json={"error": {"code": code, "message": "later", "request_id": "r1"}})


def test_retry_after_is_honoured_then_the_error_is_raised() -> None:
    waits: list[float] = []
    transport, seen = _replay(_err(429, "rate_limited", "2"), _err(503, "busy", "1"),
                              httpx.Response(200, json={"status": "ok", "workers": 2, "pending": 0}))
    api = KioskClient("http://api.test", "k", transport=transport, sleep=waits.append)
    assert api.health()["status"] == "ok" and waits == [2.0, 1.0] and len(seen) == 3
    waits.clear()
    transport, seen = _replay(*[_err(429, "rate_limited", "3")] * 3)
    api = KioskClient("http://api.test", "k", transport=transport, sleep=waits.append, max_retries=2)
    with pytest.raises(RateLimited) as limited:
        api.info()
    assert waits == [3.0, 3.0] and len(seen) == 3 and limited.value.retry_after == 3.0
    transport, seen = _replay(_err(503, "busy", "120"))  # longer than max_wait_s: raised at once
    with pytest.raises(Unavailable):
        KioskClient("http://api.test", "k", transport=transport, sleep=waits.append, max_wait_s=30).info()
    assert len(seen) == 1
