"""The remote challenge and ``/v1/verify`` on the real server, with the synthetic subject and the print-attack
simulator: a live subject following its challenge passes and is accepted against its DG2; a printed photo
is refused; a recording for another challenge fails; challenges are single-use and expire; timestamps must
increase; sessions are recorded, readable by their key (others need admin), and the store still verifies."""
from __future__ import annotations

import base64
import time

import numpy as np

from inference.challenge import ChallengeStep

from tests.kiosk.api.conftest import dg2_of, jpeg, multipart_frames
from tests.kiosk.api.test_api_gate import _error


def _steps(ch: dict) -> list[ChallengeStep]:  # type: ignore[type-arg]
    return [ChallengeStep(s["action"], tuple(s["target"]) if s["target"] else None) for s in ch["steps"]]


def _challenge(client, key: str, **body: float) -> dict:  # type: ignore[no-untyped-def,type-arg]
    r = client.post("/v1/challenges", headers={"X-API-Key": key}, json=body or None)
    assert r.status_code == 200, r.text
    ch = r.json()
    assert ch["nonce"] and ch["expires_at"] > ch["issued_at"] and len(ch["steps"]) == 2
    for s in ch["steps"]:
        assert (s["target"] is not None) == (s["action"] == "nose_to_target")
        if s["target"]:
            assert all(0.0 <= v <= 1.0 for v in s["target"])
    return ch  # type: ignore[no-any-return]


def _frames(client, key: str, ch: dict, frames, nonce: str | None = None):  # type: ignore[no-untyped-def,type-arg]
    return client.post(f"/v1/challenges/{ch['challenge_id']}/frames", headers={"X-API-Key": key},
                       **multipart_frames(frames, nonce=nonce or ch["nonce"]))


def test_live_subject_passes_and_the_challenge_is_single_use(server, client, actors) -> None:  # type: ignore[no-untyped-def]
    # upload_accept: the site waived REMOTE_NO_FLASH for this key (test_api_remote_no_flash.py: without it an upload
    # is never "live"); this test is about the active challenge.
    key = server.key("liveness", "upload_accept")
    ch = _challenge(client, key)
    # Planarity judges only a head that turned or nodded at least 10 degrees: a challenge of, say, blink and
    # move_closer leaves it undecided (None), which is right and not what this test is about. Without look_up and
    # nose targets, for the reason given in the accept test below (the subject's pitch bias).
    while not _actions(ch) & {"turn_left", "turn_right", "look_down"} or _actions(ch) & {"look_up", "nose_to_target"}:
        ch = _challenge(client, key)
    frames = actors(_steps(ch))
    r = _frames(client, key, ch, frames)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["live"] is True and out["challenge"]["passed"] and out["planar_motion"] is False, out
    _error(_frames(client, key, ch, frames), 409, "challenge_used")


def test_recording_for_another_challenge_fails(server, client, actors) -> None:  # type: ignore[no-untyped-def]
    key = server.key("liveness")
    a = _challenge(client, key)
    b = _challenge(client, key)
    a_actions = {s["action"] for s in a["steps"]}

    def unrelated(ch: dict) -> bool:  # type: ignore[type-arg]
        # None of a's actions, and no nose target (any head motion in a's recording might sweep across one):
        # otherwise a chance overlap, not the server, would decide the outcome.
        actions = {s["action"] for s in ch["steps"]}
        return actions.isdisjoint(a_actions) and "nose_to_target" not in actions

    while not unrelated(b):
        b = _challenge(client, key)
    recording = actors(_steps(a))
    # Sent with b's own nonce (the client replays a's recording against b): the challenge is not followed.
    out = _frames(client, key, b, recording).json()
    assert out["live"] is False and "LIVENESS_CHALLENGE_FAILED" in out["reasons"], out
    # Sent with a's nonce to another challenge c: refused outright, before any frame is looked at.
    c = _challenge(client, key)
    _error(_frames(client, key, c, recording, nonce=a["nonce"]), 409, "challenge_mismatch")


def test_expired_unknown_and_foreign_challenges(server, client, actors) -> None:  # type: ignore[no-untyped-def]
    key = server.key("liveness")
    ch = _challenge(client, key, ttl_s=0.2)
    time.sleep(0.5)
    frames = actors(_steps(ch))[:5]
    _error(_frames(client, key, ch, frames), 410, "challenge_expired")
    _error(client.post("/v1/challenges/0123456789abcdef/frames", headers={"X-API-Key": key},
                       **multipart_frames(frames, nonce="x")), 404, "challenge_not_found")
    mine = _challenge(client, key)
    _error(_frames(client, server.key("liveness"), mine, frames), 403, "challenge_foreign")


def test_non_monotonic_timestamps_and_empty_uploads(server, client, actors) -> None:  # type: ignore[no-untyped-def]
    key = server.key("liveness")
    before = server.counts()
    ch = _challenge(client, key)
    frames = actors(_steps(ch))[:6]
    swapped = [frames[0], frames[2], frames[1], *frames[3:]]
    body = _error(_frames(client, key, ch, [(b, t) for (b, _), (_, t) in zip(swapped, frames)][:2] +
                          [(frames[2][0], frames[0][1])]), 400, "non_monotonic_timestamps")
    assert "frame 2" in body["message"]
    ch2 = _challenge(client, key)
    _error(client.post(f"/v1/challenges/{ch2['challenge_id']}/frames", headers={"X-API-Key": key},
                       json={"nonce": ch2["nonce"]}), 400, "frames_missing")
    ch3 = _challenge(client, key)
    _error(client.post(f"/v1/challenges/{ch3['challenge_id']}/frames", headers={"X-API-Key": key},
                       json={"nonce": ch3["nonce"], "frames": [{"image": "AA==", "t": "soon"}]}), 400, "invalid_field")
    assert server.counts() == before


def _actions(ch: dict) -> set[str]:  # type: ignore[type-arg]
    return {s["action"] for s in ch["steps"]}


def test_verify_records_the_session_only_its_key_or_an_admin_reads_it(server, client, actors, photo) -> None:  # type: ignore[no-untyped-def]
    key = server.key("liveness", "verify", "sessions", "upload_accept")  # REMOTE_NO_FLASH waived (see above)
    # The subject is the astronaut, whose open-mouth smile reads as extra pitch (README "Known limits"). Run
    # in-process over all 42 ordered pairs of actions, 39 were accepted; the 3 sent to REVIEW (quality: pitch)
    # each raised her head (look_up with blink, a nose target straight up before move_closer). The server
    # draws at random, so take a challenge without an upward step: this test is about recording and reading.
    ch = _challenge(client, key)
    while _actions(ch) & {"look_up", "nose_to_target"}:
        ch = _challenge(client, key)
    frames = actors(_steps(ch))
    sessions_before = server.counts()[0]
    r = client.post("/v1/verify", headers={"X-API-Key": key},
                    **multipart_frames(frames, nonce=ch["nonce"], challenge_id=ch["challenge_id"],
                                       dg2=dg2_of(photo).hex(), dg2_encoding="hex"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["decision"] == "ACCEPT", out
    assert out["evidence"]["challenge_passed"] and out["evidence"]["match_score"] > 0.6
    assert server.counts()[0] == sessions_before + 1
    s = client.get(f"/v1/sessions/{out['session_id']}", headers={"X-API-Key": key})
    assert s.status_code == 200 and s.json()["decision"] == "ACCEPT" and s.json()["mode"] == "api_verify"
    kinds = {i["kind"] for i in s.json()["images"]}
    assert {"dg2", "live", "audit_frame"} <= kinds and all("data_base64" not in i for i in s.json()["images"])
    _error(client.get(f"/v1/sessions/{out['session_id']}?images=true", headers={"X-API-Key": key}), 403,
           "scope_denied")
    # Another key, even with sessions and images (or all), reads neither the session nor its images.
    for scopes in (("sessions", "images"), ("all",)):
        other = {"X-API-Key": server.key(*scopes)}
        for params in ({}, {"images": "true"}):
            _error(client.get(f"/v1/sessions/{out['session_id']}", params=params, headers=other), 404,
                   "session_not_found")
    viewer = server.key("sessions", "images", "admin")  # an administrator names the admin scope
    full = client.get(f"/v1/sessions/{out['session_id']}", params={"images": "true"}, headers={"X-API-Key": viewer})
    assert full.status_code == 200
    dg2_image = next(i for i in full.json()["images"] if i["kind"] == "dg2")
    assert base64.b64decode(dg2_image["data_base64"])[:2] == b"\xff\xd8"
    st = server.storage()
    try:
        assert st.verify().ok
        kinds_seen = [e.kind for e in st.audit.events(limit=100000) if e.session_id == out["session_id"]]
        assert "decision" in kinds_seen and "image_viewed" in kinds_seen and "session_viewed" in kinds_seen
    finally:
        st.close()


def test_verify_of_a_print_attack_is_rejected_and_recorded(server, client, actors, photo) -> None:  # type: ignore[no-untyped-def]
    key = server.key("liveness", "verify")
    ch = _challenge(client, key)
    # The planarity test needs head turns to tell a card from a head (as in tests/kiosk/test_verify_synthetic.py):
    # take the first challenge that asks for one. Not with a nose target: a card moved to one can pass for a
    # turning head (turn_left then a target at (0.40, 0.60), in-process; the decision stays REJECT through the
    # challenge; README "Known limits"), and this test asserts what planarity sees.
    while not {"turn_left", "turn_right"} & _actions(ch) or "nose_to_target" in _actions(ch):
        ch = _challenge(client, key)
    frames = actors(_steps(ch), attack=True, fps=30.0)
    r = client.post("/v1/verify", headers={"X-API-Key": key},
                    json={"challenge_id": ch["challenge_id"], "nonce": ch["nonce"],
                          "dg2": base64.b64encode(dg2_of(photo)).decode(),
                          "frames": [{"image": base64.b64encode(b).decode(), "t": t} for b, t in frames]})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["decision"] == "REJECT" and out["session_id"], out
    # Planarity usually sees the card as flat, but not always: in a CI rehearsal (12-04) a card under a
    # turn_left/turn_right challenge was judged a 3D head while the challenge failed (FACE_JUMP). So what
    # must hold is that one of the two layers stops it, never neither (README "Known limits").
    assert out["evidence"]["planar_motion"] is True or out["evidence"]["challenge_passed"] is False, out
    assert {"PAD_SUSPECTED_PRINT", "LIVENESS_CHALLENGE_FAILED"} & set(out["reasons"]), out


def test_a_clip_instead_of_frames(server, client, actors, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import cv2
    import numpy as np

    key = server.key("liveness")
    ch = _challenge(client, key)
    frames = actors(_steps(ch))[:20]  # the start only: decoded and analysed, but the challenge is not finished
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20.0, (640, 480))
    for data, _ in frames:
        writer.write(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR))
    writer.release()
    r = client.post(f"/v1/challenges/{ch['challenge_id']}/frames", headers={"X-API-Key": key},
                    files={"clip": ("clip.avi", path.read_bytes(), "video/x-msvideo")}, data={"nonce": ch["nonce"]})
    assert r.status_code == 200, r.text
    assert r.json()["frames"] == 20 and r.json()["live"] is False
    ch2 = _challenge(client, key)
    _error(client.post(f"/v1/challenges/{ch2['challenge_id']}/frames", headers={"X-API-Key": key},
                       json={"nonce": ch2["nonce"], "clip": base64.b64encode(b"not a video at all").decode()}),
           400, "bad_clip")


def test_verify_with_chip_files_checks_passive_authentication(server, client, actors, photo, other_face) -> None:  # type: ignore[no-untyped-def]
    from hardware.emrtd.virtual.document import make_document

    doc = make_document(face=np.ascontiguousarray(photo[:, :, ::-1]))
    key = server.key("liveness", "verify")

    def verify(dg2: bytes) -> dict:  # type: ignore[type-arg]
        ch = _challenge(client, key)
        frames = actors(_steps(ch))[:8]  # too short to pass the challenge: this test is about the chip files
        r = client.post("/v1/verify", headers={"X-API-Key": key},
                        **multipart_frames(frames, nonce=ch["nonce"], challenge_id=ch["challenge_id"],
                                           sod=doc.sod.hex(), dg1=doc.data_groups[1].hex(), dg2=dg2.hex(),
                                           dg2_encoding="hex"))
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    genuine = verify(doc.data_groups[2])
    # Signed by a test CSCA this kiosk does not trust; the hashes match; files cannot prove a genuine chip.
    assert {"CHIP_CSCA_UNKNOWN", "CHIP_AUTH_NOT_PERFORMED"} <= set(genuine["reasons"]), genuine
    assert "CHIP_PA_FAILED" not in genuine["reasons"]
    swapped = verify(dg2_of(other_face))  # another portrait with the genuine SOD: its hash does not match
    assert "CHIP_PA_FAILED" in swapped["reasons"] and swapped["decision"] == "REJECT", swapped
    ch = _challenge(client, key)
    _error(client.post("/v1/verify", headers={"X-API-Key": key},
                       **multipart_frames(actors(_steps(ch))[:3], nonce=ch["nonce"], challenge_id=ch["challenge_id"],
                                          sod=doc.sod.hex(), portrait=base64.b64encode(jpeg(photo)).decode())),
           400, "invalid_field")
