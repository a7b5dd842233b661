"""Issue 21 item 2 and 4: the streamed remote protocol on a real uvicorn server on 127.0.0.1 (in-process,
so the test can draw challenges from the actions the synthetic subject performs reliably; the astronaut's
pitch bias is in README "Known limits"). The synthetic subject lit by the colours the server asks for is
accepted; the same subject unlit, as on a screen or an injected video, is not; a virtual camera label goes
to review; a token opens one stream, once, and never with an API key in the browser."""
from __future__ import annotations

import json
from typing import Any

from kiosk.api.remote.protocol_client import run_page
from tests.kiosk.api.conftest import dg2_of
from tests.kiosk.api.remote_fixtures import remote_server, subject  # noqa: F401 (fixtures)


def _key(svc: Any, *scopes: str) -> str:
    return svc.storage.api_keys.create("remote-test", scopes or ("verify", "sessions"), "test:fixture")[1]


def _token(url: str, key: str, photo: Any) -> str:
    import base64

    import httpx

    r = httpx.post(f"{url}/v1/remote-sessions", headers={"X-API-Key": key}, timeout=30,
                   json={"dg2": base64.b64encode(dg2_of(photo)).decode()})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"token", "expires_at", "stream_path", "capture_path"}
    return str(r.json()["token"])


def _ws(url: str, token: str) -> str:
    return url.replace("http://", "ws://") + f"/v1/remote/stream?token={token}"


def _session(url: str, key: str, session_id: str) -> dict[str, Any]:
    import httpx

    r = httpx.get(f"{url}/v1/sessions/{session_id}", headers={"X-API-Key": key}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _checks(svc: Any, session_id: str) -> dict[str, Any]:
    return svc.storage.decisions.load_session(session_id, actor="test:reader").checks  # type: ignore[no-any-return]


def _steps_revealed_one_at_a_time(run: Any) -> None:
    kinds = [m["type"] for m in run.messages]
    steps = [m for m in run.messages if m["type"] == "step"]
    assert [s["index"] for s in steps] == list(range(len(steps))) and all(s["of"] == 2 for s in steps)
    assert "steps" not in json.dumps(run.messages)  # never the whole challenge
    if "flash" in kinds:  # once, announced only by the hold right before it
        assert kinds.count("flash") == 1 and kinds[kinds.index("flash") - 1] == "hold", kinds


def test_a_lit_face_passes_the_flash_and_is_accepted(remote_server, subject, photo) -> None:  # type: ignore[no-untyped-def]
    svc, url = remote_server
    key = _key(svc)
    run = run_page(_ws(url, _token(url, key, photo)), subject, lit=True)
    assert run.result is not None and run.result["type"] == "result", run.messages[-3:]
    _steps_revealed_one_at_a_time(run)
    checks = _checks(svc, run.result["session_id"])
    flash = checks["api"]["flash"]
    assert flash is not None and flash["passed"], flash
    assert checks["evidence"]["remote"]["path"] == "stream"
    assert checks["api"]["rtt_ms"] < 1000
    session = _session(url, key, run.result["session_id"])
    assert session["mode"] == "api_stream" and session["decision"] == run.result["decision"]
    assert run.result["decision"] == "ACCEPT", (run.result, session["reasons"])


def test_the_same_face_unlit_is_not_accepted(remote_server, subject, photo) -> None:  # type: ignore[no-untyped-def]
    svc, url = remote_server
    key = _key(svc)
    run = run_page(_ws(url, _token(url, key, photo)), subject, lit=False)
    assert run.result is not None and run.result["type"] == "result", run.messages[-3:]
    assert run.result["decision"] != "ACCEPT"
    checks = _checks(svc, run.result["session_id"])
    reasons = {f["code"] for f in checks["findings"]}
    assert "FLASH_CHALLENGE_FAILED" in reasons, reasons
    assert checks["api"]["flash"] is not None and checks["api"]["flash"]["reason"] == "NO_COLOUR_RESPONSE"


def test_a_virtual_camera_goes_to_review_and_a_token_opens_one_stream_once(remote_server, subject, photo) -> None:  # type: ignore[no-untyped-def]
    from websockets.sync.client import connect

    svc, url = remote_server
    key = _key(svc)
    token = _token(url, key, photo)
    run = run_page(_ws(url, token), subject, lit=True, label="OBS Virtual Camera")
    assert run.result is not None and run.result["type"] == "result"
    assert run.result["decision"] != "ACCEPT"
    checks = _checks(svc, run.result["session_id"])
    assert "virtual_camera" in checks["evidence"]["remote"]["injection_signals"]
    assert "REMOTE_INJECTION_SUSPECTED" in {f["code"] for f in checks["findings"]}
    for bad, code in ((token, "token_used"), ("made-up", "token_unknown")):
        with connect(_ws(url, bad), open_timeout=10) as ws:
            msg = json.loads(ws.recv(timeout=10))
            assert msg == {"type": "error", "code": code, "message": msg["message"]}
    # Creating a session needs the verify scope; the key never goes to the stream.
    import httpx

    r = httpx.post(f"{url}/v1/remote-sessions", headers={"X-API-Key": _key(svc, "sessions")}, json={}, timeout=30)
    assert r.status_code == 403 and r.json()["error"]["code"] == "scope_denied"


def test_a_face_that_answers_the_colours_late_fails_the_flash(remote_server, subject, photo) -> None:  # type: ignore[no-untyped-def]
    svc, url = remote_server
    key = _key(svc)
    # A renderer sees the colour, then paints it: a full second behind the screen, beyond the kiosk's lag plus
    # the measured round trip (loopback: a few ms).
    run = run_page(_ws(url, _token(url, key, photo)), subject, lit=True, answer_delay_s=1.0)
    assert run.result is not None and run.result["type"] == "result"
    assert run.result["decision"] != "ACCEPT"
    checks = _checks(svc, run.result["session_id"])
    flash = checks["api"]["flash"]
    assert flash is not None and not flash["passed"] and flash["reason"] == "NO_COLOUR_RESPONSE", flash


def test_a_busy_server_refuses_the_stream_without_spending_the_token(remote_server, photo) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import threading
    import time

    from websockets.sync.client import connect

    svc, url = remote_server
    token = _token(url, _key(svc), photo)
    release = threading.Event()
    holder = threading.Thread(target=lambda: asyncio.run(svc.pool.run(lambda engine: release.wait(20))))
    holder.start()
    try:
        while svc.pool.pending < svc.pool.workers:  # the only worker is taken
            time.sleep(0.01)
        with connect(_ws(url, token), open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10))["code"] == "busy"
    finally:
        release.set()
        holder.join(20)
    with connect(_ws(url, token), open_timeout=10) as ws:  # the same link works once a worker is free
        assert json.loads(ws.recv(timeout=10))["type"] == "ping"


def test_the_flash_can_come_between_steps_and_the_next_step_waits_for_it(remote_server, subject, photo,  # type: ignore[no-untyped-def]
                                                                         monkeypatch) -> None:
    """Issue 21 item 2: the server picks the moment (here, forced: between the two steps); the next step is
    revealed only once the colours are done, and the challenge's clock goes on without a repeated or backward
    timestamp. (Whether the lit face then passes depends on the machine rendering it in real time: the
    accepting case is test_a_lit_face_passes_the_flash_and_is_accepted, with the moment drawn at random.)"""
    import kiosk.api.remote.stream as stream

    svc, url = remote_server
    key = _key(svc)
    monkeypatch.setattr(stream, "draw_slot", lambda steps: 1)
    run = run_page(_ws(url, _token(url, key, photo)), subject, lit=True)
    assert run.result is not None and run.result["type"] == "result", run.messages[-3:]
    kinds = [m["type"] for m in run.messages]
    assert kinds == ["step", "hold", "flash", "step", "result"], kinds
    _steps_revealed_one_at_a_time(run)
    checks = _checks(svc, run.result["session_id"])
    api = checks["api"]
    assert api["flash_slot"] == 1 and api["flash"] is not None, api
    assert len(api["flash"]["sequence"]["segments"]) == 12
    assert api["flash_sequence_s"] > 0 and api["flash_added_s"] >= api["flash_sequence_s"]
    challenge = checks["face_session"]["challenge"]
    assert challenge["reason"] != "NON_MONOTONIC_TIME", challenge


def test_the_flash_moment_is_drawn_over_every_slot() -> None:
    """Before the first step, between any two, after the last: each one possible (the page cannot know)."""
    from kiosk.api.remote.flash_timing import draw_slot

    seen = {draw_slot(3) for _ in range(2000)}  # a slot missing from 2000 draws: (3/4)**2000
    assert seen == {0, 1, 2, 3}


def test_the_remote_flash_adds_at_most_4_s_within_wcag_and_keeps_the_kiosks_chance_agreement() -> None:
    """Issue 21 target: the flash adds at most 4 s. Bound by configuration (no timing measured here): the longest
    settle pause, the longest sequence, and the kiosk's lag (a face answering at the latest lag the kiosk
    searches, on a zero round trip). At most three flashes (pairs of opposing changes) in any second (WCAG
    2.3.1), and the threshold follows the fixed rule 0.7 x sqrt(12 / N): chance agreement no easier than the
    kiosk's."""
    import math

    from kiosk.api.remote.flash_timing import SETTLE_S, flashes_per_second
    from kiosk.api.remote.stream import flash_config
    from kiosk.workflow.controller import FLASH_CONFIG

    cfg = flash_config(0.0)
    assert flashes_per_second(cfg.segment_min_s) <= 3 and flashes_per_second(0.12) > 3
    assert SETTLE_S[1] + cfg.segments * cfg.segment_max_s + cfg.max_lag_s <= 4.0
    assert cfg.min_correlation >= 0.7 * math.sqrt(12 / cfg.segments)
    assert cfg.min_correlation * math.sqrt(2 * cfg.segments) >= FLASH_CONFIG.min_correlation * math.sqrt(
        2 * FLASH_CONFIG.segments)
    assert (cfg.colours, cfg.lag_step_s, cfg.min_frames) == (FLASH_CONFIG.colours, FLASH_CONFIG.lag_step_s,
                                                             FLASH_CONFIG.min_frames)
    assert flash_config(0.25).max_lag_s == FLASH_CONFIG.max_lag_s + 0.25  # only the round trip widens the lag


def test_a_customer_who_declines_the_flash_before_it_comes_is_reviewed_never_flashed(  # type: ignore[no-untyped-def]
        remote_server, subject, photo) -> None:
    """Issue 26 on the remote page: a customer who must not see flashing colours declines before any step: no
    colours are ever sent, the steps go on, and the session ends in REVIEW with FLASH_DECLINED (and
    REMOTE_NO_FLASH: nothing told a live face from a video), never ACCEPT."""
    svc, url = remote_server
    key = _key(svc)
    run = run_page(_ws(url, _token(url, key, photo)), subject, lit=True, decline="at_start")
    assert run.result is not None and run.result["type"] == "result", run.messages[-3:]
    kinds = [m["type"] for m in run.messages]
    assert "flash" not in kinds and "hold" not in kinds and kinds.count("step") == 2, kinds
    assert run.result["decision"] == "REVIEW"
    checks = _checks(svc, run.result["session_id"])
    reasons = {f["code"] for f in checks["findings"]}
    assert {"FLASH_DECLINED", "REMOTE_NO_FLASH"} <= reasons and "FLASH_CHALLENGE_FAILED" not in reasons, reasons
    assert checks["api"]["flash_declined"] is True and checks["evidence"]["access"]["flash_declined"] is True


def test_declining_while_the_colours_play_stops_them_and_the_next_step_follows(  # type: ignore[no-untyped-def]
        remote_server, subject, photo, monkeypatch) -> None:
    """Declined while the colours play (the flash forced between the two steps): the next step is revealed at
    once, the challenge's clock stays monotonic, and the session is reviewed with FLASH_DECLINED."""
    import kiosk.api.remote.stream as stream

    svc, url = remote_server
    key = _key(svc)
    monkeypatch.setattr(stream, "draw_slot", lambda steps: 1)
    run = run_page(_ws(url, _token(url, key, photo)), subject, lit=True, decline="at_flash")
    assert run.result is not None and run.result["type"] == "result", run.messages[-3:]
    kinds = [m["type"] for m in run.messages]
    assert kinds == ["step", "hold", "flash", "step", "result"], kinds
    assert run.result["decision"] == "REVIEW"
    checks = _checks(svc, run.result["session_id"])
    reasons = {f["code"] for f in checks["findings"]}
    assert "FLASH_DECLINED" in reasons and "FLASH_CHALLENGE_FAILED" not in reasons, reasons
    assert checks["face_session"]["challenge"]["reason"] != "NON_MONOTONIC_TIME"


def test_a_stand_in_who_answers_the_colours_for_a_puppet_fails_the_flash(  # type: ignore[no-untyped-def]
        remote_server, subject, photo, engine, shared_data) -> None:
    """A live accomplice in front of the camera while the colours play, the victim's puppet for the steps: the
    colours are answered by a live, lit face, but not the portrait's, so the flash fails (FACE_NOT_THE_PORTRAITS)
    and the session is not accepted. The same flow with the customer's own face passes (the tests above)."""
    from inference.image import read_image
    from inference.synthetic import SyntheticSubject

    person = sorted((shared_data / "faces/lfw_dev/images/Aaron_Sorkin").glob("*.jpg"))[0]
    # framed larger than the default: a small photo framed at 0.28 mirrors copies of the face into the frame
    accomplice = SyntheticSubject.from_image(read_image(person), engine.detector, engine.pipeline.mesh,
                                             face_width_fraction=0.5)
    svc, url = remote_server
    key = _key(svc)
    run = run_page(_ws(url, _token(url, key, photo)), subject, lit=True, stand_in=accomplice)
    assert run.result is not None and run.result["type"] == "result", run.messages[-3:]
    assert run.result["decision"] != "ACCEPT"
    checks = _checks(svc, run.result["session_id"])
    assert checks["api"]["flash"] is not None and checks["api"]["flash"]["reason"] == "FACE_NOT_THE_PORTRAITS", \
        checks["api"]["flash"]
    assert "FLASH_CHALLENGE_FAILED" in {f["code"] for f in checks["findings"]}
