"""Who owns what (issue 20, item 6): a face-bank list and its entries belong to the key that enrolled them,
the kiosk's own sessions belong to the kiosk; another key sees none of it without the ``admin`` scope, and
no answer names another owner's identity or score. (A key's own verification sessions: the verify test in
``test_api_challenge``.)"""
from __future__ import annotations

import base64
import datetime as dt

from tests.kiosk.api.conftest import jpeg
from tests.kiosk.api.test_api_gate import _error


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _kiosk_session(server, photo) -> str:  # type: ignore[no-untyped-def]
    """A session the kiosk itself recorded (kiosk id ``kiosk-1``), with its portrait kept as evidence."""
    from storage import DecisionInput, ImageEvidence, SessionRecord

    now = dt.datetime.now(dt.timezone.utc)
    st = server.storage()
    try:
        return st.decisions.record_session(SessionRecord(
            kiosk_id="kiosk-1", mode="kiosk", started_at=now, ended_at=now,
            decision=DecisionInput("accept", (), "test-1"), checks={"match": {"score": 0.7}},
            images=[ImageEvidence("dg2", jpeg(photo), "image/jpeg")])).session_id
    finally:
        st.close()


def test_the_kiosks_own_sessions_need_the_admin_scope(server, client, photo) -> None:  # type: ignore[no-untyped-def]
    sid = _kiosk_session(server, photo)
    for scopes in (("sessions", "images"), ("all",)):
        key = server.key(*scopes)
        body = _error(client.get(f"/v1/sessions/{sid}", params={"images": "true"}, headers={"X-API-Key": key}),
                      404, "session_not_found")
        assert "not made with this API key" in body["message"]
        _error(client.get(f"/v1/sessions/{sid}", headers={"X-API-Key": key}), 404, "session_not_found")
    # The answer is the same as for an id that does not exist: no way to probe which ids are real.
    _error(client.get("/v1/sessions/" + "0" * 32, headers={"X-API-Key": server.key("sessions")}), 404,
           "session_not_found")
    admin = server.key("sessions", "images", "admin")
    r = client.get(f"/v1/sessions/{sid}", params={"images": "true"}, headers={"X-API-Key": admin})
    assert r.status_code == 200, r.text
    assert base64.b64decode(r.json()["images"][0]["data_base64"])[:2] == b"\xff\xd8"
    st = server.storage()
    try:  # the refused reads opened nothing: the only views of this session are the administrator's
        viewers = {e.actor for e in st.audit.events(limit=100000)
                   if e.session_id == sid and e.kind in ("session_viewed", "image_viewed")}
        assert len(viewers) == 1 and next(iter(viewers)).startswith("api:")
        refused = [e for e in st.audit.events(limit=100000) if e.kind == "api_call"
                   and e.details.get("endpoint") == "session" and e.details.get("result") == "not_found"]
        assert len(refused) >= 4 and all(e.session_id is None for e in refused)  # the probes show in the trail
    finally:
        st.close()


def test_a_face_bank_list_is_its_keys_own(server, client, photo, other_face) -> None:  # type: ignore[no-untyped-def]
    a = {"X-API-Key": server.key("facebank", name="bank-a")}
    b = {"X-API-Key": server.key("facebank", name="bank-b")}
    r = client.post("/v1/identities", headers=a, json={"list": "shared-name", "image": _b64(jpeg(photo))})
    assert r.status_code == 201, r.text
    a_ident = r.json()["identity_id"]
    assert client.post("/v1/identities", headers=a,
                       json={"list": "shared-name", "image": _b64(jpeg(other_face))}).status_code == 201
    # B searches "its" list of the same name: B has no such list (404, as for any unknown list), whatever
    # top_k asks for; nothing says A's list exists.
    _error(client.post("/v1/identify", headers=b, json={"list": "shared-name", "image": _b64(jpeg(photo, 80)),
                                                        "top_k": 20}), 404, "list_not_found")
    _error(client.get("/v1/identities", headers=b, params={"list": "shared-name"}), 404, "list_not_found")
    # B cannot withdraw A's identity, and learns nothing about it (the same 404 as for a made-up id).
    _error(client.delete(f"/v1/identities/{a_ident}", headers=b), 404, "identity_not_found")
    # B enrolling the same face is no duplicate of A's entry: nothing of A's list is named or scored.
    r = client.post("/v1/identities", headers=b, json={"list": "shared-name", "image": _b64(jpeg(photo, 75))})
    assert r.status_code == 201, r.text
    assert a_ident not in r.text
    b_ident = r.json()["identity_id"]
    # ... and B's own duplicate names B's own entry only.
    dup = _error(client.post("/v1/identities", headers=b, json={"list": "shared-name", "image": _b64(jpeg(photo))}),
                 409, "duplicate_identity")
    assert dup["identity_id"] == b_ident and a_ident not in str(dup)
    # A's list is intact and still A's: A finds its two entries, not B's.
    mine = client.post("/v1/identify", headers=a, json={"list": "shared-name", "image": _b64(jpeg(photo)),
                                                        "top_k": 20}).json()["candidates"]
    assert {c["identity_id"] for c in mine} >= {a_ident} and b_ident not in {c["identity_id"] for c in mine}
    assert len(mine) == 2
    # An entry is a session, but not one a sessions key may read.
    _error(client.get(f"/v1/sessions/{a_ident}", headers={"X-API-Key": server.key("sessions", "images")}), 404,
           "session_not_found")
    # An administrator may withdraw anyone's entry (an erasure request).
    admin = {"X-API-Key": server.key("facebank", "admin")}
    assert client.delete(f"/v1/identities/{a_ident}", headers=admin).json()["deleted"] is True


def test_facebank_add_owner_enrols_into_a_keys_list(tmp_path, server, photo, capsys) -> None:  # type: ignore[no-untyped-def]
    import cv2

    from kiosk.cli import main

    (tmp_path / "people" / "ann").mkdir(parents=True)
    cv2.imwrite(str(tmp_path / "people" / "ann" / "1.jpg"), photo)
    assert main(["facebank", "add", str(tmp_path / "people"), "--list", "walkin", "--owner", "nope",
                 "--data-dir", str(server.data_dir)]) == 2
    assert "not the id of an active API key" in capsys.readouterr().err
    key = server.key("facebank")
    st = server.storage()
    try:
        key_id = st.api_keys.authenticate(key).key_id
    finally:
        st.close()
    assert main(["facebank", "add", str(tmp_path / "people"), "--list", "walkin", "--owner", key_id,
                 "--data-dir", str(server.data_dir)]) == 0
    capsys.readouterr()
    r = client_identify(server, key, photo)
    assert r.status_code == 200, r.text
    hits = r.json()["candidates"]
    assert len(hits) == 1 and hits[0]["is_match"] and hits[0]["label"] == "ann"
    _error(client_identify(server, server.key("facebank"), photo), 404, "list_not_found")  # another key: not its list


def client_identify(server, key: str, photo):  # type: ignore[no-untyped-def]
    import httpx

    with httpx.Client(base_url=server.url, timeout=120) as c:
        return c.post("/v1/identify", headers={"X-API-Key": key}, json={"list": "walkin", "image": _b64(jpeg(photo))})


def test_entries_from_before_owners_belong_to_their_enrolling_actor() -> None:
    from kiosk.facebank import owner_of

    assert owner_of({"facebank": {"list": "vip", "actor": "api:k1"}}) == "api:k1"
    assert owner_of({"facebank": {"list": "vip", "actor": "cli:ann"}}) == "site"  # kiosk facebank add
    assert owner_of({"facebank": {"list": "vip", "actor": "api:k1", "owner": "site"}}) == "site"
    assert owner_of({"match": {}}) is None
