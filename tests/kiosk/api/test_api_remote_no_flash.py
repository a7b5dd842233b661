"""Issue 21 item 3: a remote session whose colour flash did not run (frames or a clip uploaded whole) ends at
most REVIEW by default, with REMOTE_NO_FLASH. The live puppet (the synthetic subject animated to follow the
server's challenge, shown on a simulated tablet: ``kiosk.workflow.demo.TabletPuppet``) passes every other
layer through the upload path; it must never end ACCEPT. A site may waive the rule per key (``upload_accept``,
never granted by ``all``), and the waiver is recorded in the session's evidence."""
from __future__ import annotations

from inference.challenge import ChallengeStep

from tests.kiosk.api.conftest import dg2_of, jpeg, multipart_frames


def _challenge(client, key: str, avoid: set[str]) -> dict:  # type: ignore[no-untyped-def,type-arg]
    # The astronaut's pitch bias (README "Known limits") sends upward steps to QUALITY_TOO_LOW; the puppet
    # case must fail on REMOTE_NO_FLASH alone to show the hole the rule closes, so avoid them.
    for _ in range(50):
        r = client.post("/v1/challenges", headers={"X-API-Key": key})
        assert r.status_code == 200, r.text
        ch = r.json()
        if not {s["action"] for s in ch["steps"]} & avoid:
            return ch  # type: ignore[no-any-return]
    raise AssertionError("no suitable challenge drawn in 50 tries")


def _steps(ch: dict) -> list[ChallengeStep]:  # type: ignore[type-arg]
    return [ChallengeStep(s["action"], tuple(s["target"]) if s["target"] else None) for s in ch["steps"]]


def _puppet_frames(photo, engine, steps, seed: int = 0) -> list[tuple[bytes, float]]:  # type: ignore[no-untyped-def]
    from inference.synthetic import SyntheticSubject
    from kiosk.workflow.demo import TabletPuppet

    subject = SyntheticSubject.from_image(photo, engine.detector, engine.pipeline.mesh)
    puppet = TabletPuppet(subject, seed)
    return [(jpeg(puppet.screen.apply(f.image).image), f.t) for f in subject.play(puppet.follow(steps), fps=20.0)]


def _stored_api_checks(server, session_id: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    st = server.storage()
    try:
        return st.decisions.load_session(session_id, actor="test:reader").checks
    finally:
        st.close()


def test_the_puppet_through_the_upload_path_never_ends_accept(server, client, photo, engine) -> None:  # type: ignore[no-untyped-def]
    key = server.key("all")  # every operation, yet not upload_accept
    ch = _challenge(client, key, {"look_up", "nose_to_target"})
    frames = _puppet_frames(photo, engine, _steps(ch))
    r = client.post("/v1/verify", headers={"X-API-Key": key},
                    **multipart_frames(frames, nonce=ch["nonce"], challenge_id=ch["challenge_id"],
                                       dg2=dg2_of(photo).hex(), dg2_encoding="hex"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["decision"] != "ACCEPT" and "REMOTE_NO_FLASH" in out["reasons"], out
    finding = next(f for f in out["findings"] if f["code"] == "REMOTE_NO_FLASH")
    assert finding["severity"] == "review"
    checks = _stored_api_checks(server, out["session_id"])
    assert checks["api"]["path"] == "upload" and checks["api"]["flash_waived"] is False
    assert checks["evidence"]["remote"] == {"path": "upload", "flash_waived": False, "injection_signals": []}
    # The liveness-only upload of the same puppet is not "live" either: a person must look.
    ch = _challenge(client, key, {"look_up", "nose_to_target"})
    r = client.post(f"/v1/challenges/{ch['challenge_id']}/frames", headers={"X-API-Key": key},
                    **multipart_frames(_puppet_frames(photo, engine, _steps(ch), seed=1), nonce=ch["nonce"]))
    assert r.status_code == 200, r.text
    assert r.json()["live"] is False and r.json()["review"] is True and "REMOTE_NO_FLASH" in r.json()["reasons"]


def test_a_site_may_waive_the_rule_per_key_and_the_waiver_is_recorded(server, client, actors, photo) -> None:  # type: ignore[no-untyped-def]
    key = server.key("liveness", "verify", "upload_accept")
    ch = _challenge(client, key, {"look_up", "nose_to_target"})
    r = client.post("/v1/verify", headers={"X-API-Key": key},
                    **multipart_frames(actors(_steps(ch)), nonce=ch["nonce"], challenge_id=ch["challenge_id"],
                                       dg2=dg2_of(photo).hex(), dg2_encoding="hex"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert "REMOTE_NO_FLASH" not in out["reasons"], out
    checks = _stored_api_checks(server, out["session_id"])
    assert checks["api"]["flash_waived"] is True and checks["evidence"]["remote"]["flash_waived"] is True
