"""Face banks on the real server (enrol, duplicate refused, 1:N identify, withdraw), ``kiosk facebank add``,
``kiosk apikey``, and the bounded worker pool (503 with Retry-After when saturated; never a 500 or a dropped
connection under a burst)."""
from __future__ import annotations

import asyncio
import base64
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import pytest

from tests.kiosk.api.conftest import jpeg
from tests.kiosk.api.test_api_gate import _error


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_enrol_refuse_duplicate_identify_and_withdraw(server, client, photo, other_face) -> None:  # type: ignore[no-untyped-def]
    key = server.key("facebank")
    h = {"X-API-Key": key}
    r = client.post("/v1/identities", headers=h, json={"list": "vip", "image": _b64(jpeg(photo)), "label": "A-17"})
    assert r.status_code == 201, r.text
    ident = r.json()["identity_id"]
    dup = _error(client.post("/v1/identities", headers=h, json={"list": "vip", "image": _b64(jpeg(photo, 75))}),
                 409, "duplicate_identity")
    assert dup["identity_id"] == ident and dup["score"] > 0.5
    other = client.post("/v1/identities", headers=h, json={"list": "vip", "image": _b64(jpeg(other_face))})
    assert other.status_code == 201
    # The same face in another list is not a duplicate there.
    assert client.post("/v1/identities", headers=h, json={"list": "staff", "image": _b64(jpeg(photo))}).status_code == 201
    found = client.post("/v1/identify", headers=h, json={"list": "vip", "image": _b64(jpeg(photo, 80)), "top_k": 5})
    cands = found.json()["candidates"]
    assert [c["identity_id"] for c in cands] == [ident, other.json()["identity_id"]]
    assert cands[0]["is_match"] and not cands[1]["is_match"]
    assert client.delete(f"/v1/identities/{ident}", headers=h).json()["deleted"] is True
    after = client.post("/v1/identify", headers=h, json={"list": "vip", "image": _b64(jpeg(photo))}).json()
    assert all(c["identity_id"] != ident for c in after["candidates"])
    _error(client.delete(f"/v1/identities/{ident}", headers=h), 404, "identity_not_found")
    _error(client.post("/v1/identify", headers=h, json={"list": "Not A List!", "image": _b64(jpeg(photo))}), 400,
           "invalid_field")
    st = server.storage()
    try:
        v = st.verify()
        assert v.ok, v.problem  # the withdrawal is an audited erasure, not a hole in the chain
    finally:
        st.close()


def test_facebank_add_enrols_one_identity_per_folder(tmp_path: Path, photo, other_face, capsys) -> None:  # type: ignore[no-untyped-def]
    from kiosk.cli import main
    from storage import open_storage

    people = tmp_path / "people"
    for name, img in (("ann", photo), ("bob", other_face)):
        (people / name).mkdir(parents=True)
        cv2.imwrite(str(people / name / "1.jpg"), img)
    (people / "carl").mkdir()
    (people / "carl" / "notes.jpg").write_bytes(b"not an image")
    data = tmp_path / "data"
    assert main(["facebank", "add", str(people), "--list", "watch", "--data-dir", str(data)]) == 1  # carl skipped
    out = capsys.readouterr().out
    assert "2 enrolled, 0 duplicates, 1 skipped" in out
    assert main(["facebank", "add", str(people), "--list", "watch", "--data-dir", str(data)]) == 1
    assert "0 enrolled, 2 duplicates" in capsys.readouterr().out
    st = open_storage(data)
    try:
        assert st.verify().ok
    finally:
        st.close()


def test_apikey_commands(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from kiosk.cli import main
    from storage import open_storage

    d = str(tmp_path / "d")
    assert main(["apikey", "create", "--scope", "compare,verify", "--name", "branch", "--data-dir", d]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("idk_") and " " not in key
    assert main(["apikey", "create", "--scope", "everything", "--data-dir", d]) == 2
    assert "unknown scope" in capsys.readouterr().err
    assert main(["apikey", "list", "--data-dir", d]) == 0
    listing = capsys.readouterr().out
    assert "branch" in listing and "active" in listing and key not in listing
    key_id = listing.split()[0]
    assert main(["apikey", "revoke", key_id, "--data-dir", d]) == 0
    st = open_storage(Path(d))
    try:
        with pytest.raises(Exception, match="revoked"):
            st.api_keys.authenticate(key)
    finally:
        st.close()


def test_engine_pool_answers_503_with_retry_after_when_saturated() -> None:
    from kiosk.api.errors import ApiError
    from kiosk.api.pool import EnginePool

    release = threading.Event()
    pool = EnginePool(["engine-1"], queue_size=1, timeout_s=30)

    def hold(engine: str) -> str:
        release.wait(10)
        return engine

    async def scenario() -> list[object]:
        running = asyncio.ensure_future(pool.run(hold))
        waiting = asyncio.ensure_future(pool.run(hold))
        await asyncio.sleep(0)
        while pool.pending < 2:
            await asyncio.sleep(0.01)
        with pytest.raises(ApiError) as full:
            await pool.run(hold)
        assert full.value.status_code == 503 and full.value.code == "busy"
        assert full.value.headers == {"Retry-After": "1"}
        release.set()
        return list(await asyncio.gather(running, waiting))

    try:
        assert asyncio.run(scenario()) == ["engine-1", "engine-1"]
        assert pool.pending == 0
    finally:
        release.set()
        pool.close()


def test_a_burst_gets_answers_never_a_500_or_a_dropped_connection(server, photo) -> None:  # type: ignore[no-untyped-def]
    import httpx

    keys = [server.key("compare") for _ in range(4)]
    body = {"image1": _b64(jpeg(photo)), "image2": _b64(jpeg(photo, 70))}

    def call(i: int) -> tuple[int, str | None]:
        with httpx.Client(base_url=server.url, timeout=120) as c:
            r = c.post("/v1/compare", headers={"X-API-Key": keys[i % 4]}, json=body)
            return r.status_code, r.headers.get("retry-after")

    with ThreadPoolExecutor(max_workers=24) as ex:
        answers = list(ex.map(call, range(48)))
    assert all(status in (200, 429, 503) for status, _ in answers), answers
    assert all(retry is not None for status, retry in answers if status in (429, 503))
    assert any(status == 200 for status, _ in answers)
