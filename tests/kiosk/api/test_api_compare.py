"""``/v1/quality`` and ``/v1/compare`` on the real server: multipart and base64, DG2 in hex and base64, and
every bad image the issue lists (refused 4xx, nothing stored); calls are audited with the key id."""
from __future__ import annotations

import base64

import numpy as np

from tests.kiosk.api.conftest import dg2_of, jpeg, png_header_only
from tests.kiosk.api.test_api_gate import _error


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_quality_report_with_hints_multipart_and_json(server, client, photo) -> None:  # type: ignore[no-untyped-def]
    key = server.key("compare")
    r = client.post("/v1/quality", headers={"X-API-Key": key}, files={"image": ("a.jpg", jpeg(photo), "image/jpeg")})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["face_found"] and isinstance(out["hints"], list) and out["report"]["measures"]
    r2 = client.post("/v1/quality", headers={"X-API-Key": key}, json={"image": _b64(jpeg(photo))})
    assert r2.status_code == 200 and r2.json()["report"]["measures"] == out["report"]["measures"]


def test_compare_same_and_different_people(server, client, photo, other_face) -> None:  # type: ignore[no-untyped-def]
    key = server.key("compare")
    same = client.post("/v1/compare", headers={"X-API-Key": key},
                       json={"image1": _b64(jpeg(photo)), "image2": _b64(jpeg(photo, 70))}).json()
    assert same["band"] == "match" and same["score"] >= same["thresholds"]["match_accept"]
    diff = client.post("/v1/compare", headers={"X-API-Key": key},
                       files={"image1": ("a.jpg", jpeg(photo)), "image2": ("b.jpg", jpeg(other_face))}).json()
    assert diff["band"] == "mismatch" and diff["score"] < diff["thresholds"]["match_review"]


def test_compare_dg2_hex_and_base64_against_an_image(server, client, photo) -> None:  # type: ignore[no-untyped-def]
    key = server.key("compare")
    dg2 = dg2_of(photo)
    for value, enc in ((dg2.hex(), "hex"), (_b64(dg2), "base64")):
        r = client.post("/v1/compare", headers={"X-API-Key": key},
                        json={"dg2": value, "dg2_encoding": enc, "image2": _b64(jpeg(photo))})
        assert r.status_code == 200, r.text
        assert r.json()["reference_kind"] == "dg2" and r.json()["band"] == "match"


def test_bad_images_are_refused_and_nothing_is_stored(server, client, photo) -> None:  # type: ignore[no-untyped-def]
    from hardware.emrtd.lds import encode_dg2

    key = server.key("compare")
    good = jpeg(photo)
    before = server.counts()
    h = {"X-API-Key": key}
    _error(client.post("/v1/compare", headers=h, files={"image1": ("a.jpg", b"%PDF-1.7 not an image at all"),
                                                       "image2": ("b.jpg", good)}), 400, "not_an_image")
    _error(client.post("/v1/quality", headers=h, files={"image": ("t.jpg", good[: len(good) // 2])}), 400,
           "corrupt_image")
    bomb = png_header_only(30000, 30000)
    assert len(bomb) < 2000
    body = _error(client.post("/v1/quality", headers=h, files={"image": ("big.png", bomb, "image/png")}), 413,
                  "image_too_large")
    assert "not decoded" in body["message"]  # refused from its header (decoding would take 2.7 GB)
    corrupt_dg2 = encode_dg2(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, 120, 160, image_format="jpeg")
    _error(client.post("/v1/compare", headers=h, json={"dg2": _b64(corrupt_dg2), "image2": _b64(good)}), 400,
           "dg2_image_corrupt")
    _error(client.post("/v1/compare", headers=h, json={"dg2": "00112233", "dg2_encoding": "hex",
                                                       "image2": _b64(good)}), 400, "bad_dg2")
    _error(client.post("/v1/compare", headers=h, json={"dg2": "zz", "dg2_encoding": "hex", "image2": _b64(good)}),
           400, "invalid_encoding")
    _error(client.post("/v1/compare", headers=h, json={"image1": _b64(good), "dg2": _b64(dg2_of(photo)),
                                                       "image2": _b64(good)}), 400, "invalid_field")
    blank = jpeg(np.full((480, 640, 3), 128, np.uint8))
    _error(client.post("/v1/compare", headers=h, json={"image1": _b64(blank), "image2": _b64(good)}), 422, "no_face")
    assert server.counts() == before


def test_calls_with_personal_data_are_audited_with_the_key_id(server, client, photo) -> None:  # type: ignore[no-untyped-def]
    key = server.key("compare")
    r = client.post("/v1/quality", headers={"X-API-Key": key}, json={"image": _b64(jpeg(photo))})
    assert r.status_code == 200
    st = server.storage()
    try:
        key_id = st.api_keys.authenticate(key).key_id
        events = [e for e in st.audit.events(limit=100000) if e.kind == "api_call"]
        mine = [e for e in events if e.details.get("key_id") == key_id]
        assert [e.details["endpoint"] for e in mine] == ["quality"] and mine[0].actor == f"api:{key_id}"
        assert st.verify().ok
    finally:
        st.close()
