"""The four bugs of issue 22 (item 7): the challenge's ``ttl_s`` is the one in force, a JPEG portrait is
recorded as ``portrait`` (not ``dg2``), hex DG2 without ``dg2_encoding`` says what to do, and quality hints
through the API do not speak of the kiosk's staff or oval."""
from __future__ import annotations

import base64
import datetime as dt

import cv2

from tests.kiosk.api.conftest import dg2_of, jpeg, multipart_frames
from tests.kiosk.api.test_api_gate import _error


def test_short_ttl_is_answered_as_granted(server, client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/challenges", headers={"X-API-Key": server.key("liveness")}, json={"ttl_s": 5})
    assert r.status_code == 200, r.text
    ch = r.json()
    lifetime = dt.datetime.fromisoformat(ch["expires_at"]) - dt.datetime.fromisoformat(ch["issued_at"])
    assert ch["ttl_s"] == 5 and abs(lifetime.total_seconds() - 5) < 1e-3


def test_jpeg_portrait_is_recorded_as_portrait_not_dg2(server, client, photo) -> None:  # type: ignore[no-untyped-def]
    key = server.key("liveness", "verify", "sessions")
    ch = client.post("/v1/challenges", headers={"X-API-Key": key}).json()
    frames = [(jpeg(photo), t) for t in (0.0, 0.05, 0.1)]  # too short to pass: recorded all the same
    r = client.post("/v1/verify", headers={"X-API-Key": key},
                    **multipart_frames(frames, nonce=ch["nonce"], challenge_id=ch["challenge_id"]),
                    )
    assert r.status_code == 400  # no portrait: nothing recorded
    files = multipart_frames(frames, nonce=ch["nonce"], challenge_id=ch["challenge_id"])
    files["files"].append(("portrait", ("doc.jpg", jpeg(photo), "image/jpeg")))  # type: ignore[attr-defined]
    ch = client.post("/v1/challenges", headers={"X-API-Key": key}).json()
    files["data"].update(nonce=ch["nonce"], challenge_id=ch["challenge_id"])  # type: ignore[attr-defined]
    r = client.post("/v1/verify", headers={"X-API-Key": key}, **files)
    assert r.status_code == 200, r.text
    s = client.get(f"/v1/sessions/{r.json()['session_id']}", headers={"X-API-Key": key}).json()
    kinds = [i["kind"] for i in s["images"]]
    assert "portrait" in kinds and "dg2" not in kinds, kinds


def test_hex_dg2_without_encoding_names_the_fix(server, client, photo) -> None:  # type: ignore[no-untyped-def]
    h = {"X-API-Key": server.key("compare")}
    dg2 = dg2_of(photo)
    image2 = base64.b64encode(jpeg(photo)).decode()
    for raw in (dg2, dg2 + b"\x00", dg2 + b"\x00\x00"):  # hex lengths both valid and invalid as base64
        body = _error(client.post("/v1/compare", headers=h, json={"dg2": raw.hex(), "image2": image2}), 400,
                      "invalid_encoding")
        assert '"dg2_encoding": "hex"' in body["message"], body


def test_quality_hints_are_worded_for_a_remote_client(server, client, photo) -> None:  # type: ignore[no-untyped-def]
    small = cv2.resize(photo, (200, 200))  # under the 480-pixel minimum: the kiosk says "please ask staff"
    out = client.post("/v1/quality", headers={"X-API-Key": server.key("compare")},
                      files={"image": ("s.jpg", jpeg(small), "image/jpeg")}).json()
    texts = out["hints"] + [m["hint"] for m in out["report"]["measures"] if m["hint"]]
    assert any("480 pixels" in t for t in out["hints"]), out["hints"]
    assert not any("staff" in t or "oval" in t for t in texts), texts
