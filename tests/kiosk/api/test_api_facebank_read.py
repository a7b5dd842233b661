"""The face bank read and checked (issue 22 item 1): a list paged with labels, one identity, 1:1 verification
against an enrolled identity, labels in identify, 404 ``list_not_found``, both thresholds in ``/v1/info``, and
``kiosk facebank list|show|remove``."""
from __future__ import annotations

import base64
from pathlib import Path

import cv2

from tests.kiosk.api.conftest import jpeg
from tests.kiosk.api.test_api_gate import _error


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_list_show_verify_and_identify_with_labels(server, client, photo, other_face) -> None:  # type: ignore[no-untyped-def]
    h = {"X-API-Key": server.key("facebank")}
    ann = client.post("/v1/identities", headers=h, json={"list": "branch", "image": _b64(jpeg(photo)), "label": "A-17"})
    bob = client.post("/v1/identities", headers=h, files={"image": ("b.jpg", jpeg(other_face), "image/jpeg")},
                      data={"list": "branch", "label": "B-2"})
    assert ann.status_code == 201 and bob.status_code == 201, (ann.text, bob.text)
    ann_id, bob_id = ann.json()["identity_id"], bob.json()["identity_id"]

    page = client.get("/v1/identities", headers=h, params={"list": "branch", "limit": 1})
    assert page.status_code == 200, page.text
    assert page.json()["total"] == 2 and [i["identity_id"] for i in page.json()["identities"]] == [ann_id]
    assert page.json()["identities"][0]["label"] == "A-17"
    rest = client.get("/v1/identities", headers=h, params={"list": "branch", "offset": 1}).json()
    assert [(i["identity_id"], i["label"]) for i in rest["identities"]] == [(bob_id, "B-2")]

    one = client.get(f"/v1/identities/{bob_id}", headers=h)
    assert one.status_code == 200 and one.json()["label"] == "B-2" and one.json()["list"] == "branch"
    assert one.json()["templates"] == 1 and one.json()["enrolled_at"]

    same = client.post(f"/v1/identities/{ann_id}/verify", headers=h, json={"image": _b64(jpeg(photo, 75))})
    assert same.status_code == 200, same.text
    assert same.json()["band"] == "match" and same.json()["threshold_kind"] == "1:1"
    assert same.json()["identity_id"] == ann_id and same.json()["reference_kind"] == "identity"
    assert set(same.json()["thresholds"]) == {"match_accept", "match_review"}
    other = client.post(f"/v1/identities/{ann_id}/verify", headers=h,
                        files={"image": ("o.jpg", jpeg(other_face), "image/jpeg")})
    assert other.status_code == 200 and other.json()["band"] == "mismatch"

    found = client.post("/v1/identify", headers=h, json={"list": "branch", "image": _b64(jpeg(photo, 80))}).json()
    assert found["threshold_kind"] == "1:N"
    assert [(c["identity_id"], c["label"]) for c in found["candidates"]] == [(ann_id, "A-17"), (bob_id, "B-2")]

    # Another key sees none of it: the same answers as for ids and lists that do not exist.
    o = {"X-API-Key": server.key("facebank")}
    _error(client.get(f"/v1/identities/{ann_id}", headers=o), 404, "identity_not_found")
    _error(client.post(f"/v1/identities/{ann_id}/verify", headers=o, json={"image": _b64(jpeg(photo))}), 404,
           "identity_not_found")
    _error(client.get("/v1/identities", headers=o, params={"list": "branch"}), 404, "list_not_found")
    _error(client.get("/v1/identities", headers=h, params={"list": "Bad Name"}), 400, "invalid_field")


def test_unknown_list_is_404_not_an_empty_answer(server, client, photo) -> None:  # type: ignore[no-untyped-def]
    h = {"X-API-Key": server.key("facebank")}
    body = _error(client.post("/v1/identify", headers=h, json={"list": "nosuchlist", "image": _b64(jpeg(photo))}),
                  404, "list_not_found")
    assert "nosuchlist" in body["message"]


def test_info_names_both_thresholds_and_why_1n_is_stricter(server, client) -> None:  # type: ignore[no-untyped-def]
    t = client.get("/v1/info", headers={"X-API-Key": server.key("compare")}).json()["thresholds"]
    assert t["1:1"]["match_accept"] < t["1:N"]["threshold"]
    assert "/v1/identify" in t["1:N"]["used_by"] and "/v1/compare" in t["1:1"]["used_by"]
    assert "1 - (1 - FMR_1(t))^N" in t["why_1n_is_stricter"]


def test_facebank_list_show_remove_commands(tmp_path: Path, photo, other_face, capsys) -> None:  # type: ignore[no-untyped-def]
    from kiosk.cli import main
    from storage import open_storage

    people = tmp_path / "people"
    for name, img in (("ann", photo), ("bob", other_face)):
        (people / name).mkdir(parents=True)
        cv2.imwrite(str(people / name / "1.jpg"), img)
    data = tmp_path / "data"
    assert main(["facebank", "add", str(people), "--list", "watch", "--data-dir", str(data)]) == 0
    ids = dict(line.split()[1::2] for line in capsys.readouterr().out.splitlines() if line.startswith("enrolled"))
    assert main(["facebank", "list", "--list", "watch", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "label=ann" in out and "label=bob" in out and "2 of 2 identities" in out
    assert main(["facebank", "show", ids["ann"], "--data-dir", str(data)]) == 0
    assert "label=ann" in capsys.readouterr().out
    assert main(["facebank", "remove", ids["ann"], "--data-dir", str(data)]) == 0
    capsys.readouterr()
    assert main(["facebank", "show", ids["ann"], "--data-dir", str(data)]) != 0
    assert "no face-bank identity" in capsys.readouterr().err
    assert main(["facebank", "list", "--list", "nolist", "--data-dir", str(data)]) != 0
    assert "no face-bank list 'nolist'" in capsys.readouterr().err
    st = open_storage(data)
    try:
        assert st.verify().ok
    finally:
        st.close()


def test_facebank_bench_reports_search_latency_and_index_memory(tmp_path: Path) -> None:
    from kiosk.facebank_bench import bench_facebank

    out = bench_facebank(identities=40, queries=3, data_dir=tmp_path, batch=16)
    assert out["identities"] == 40 and out["queries"] == 3
    assert out["search_ms"]["p50"] > 0 and out["search_ms"]["p99"] >= out["search_ms"]["p50"]
    assert out["store_mb"] > 0 and not any(tmp_path.iterdir())  # the temporary store is removed
