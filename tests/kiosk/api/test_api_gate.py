"""The gate of the real server: request ids, keys (missing, wrong, revoked, out of scope), the rate limit
(bad requests count), the body limit (declared and streamed), the error shape; the OpenAPI document."""
from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.kiosk.api.conftest import ROOT


def _error(r: httpx.Response, status: int, code: str) -> dict:  # type: ignore[type-arg]
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["code"] == code, body
    assert body["request_id"] == r.headers["x-request-id"] and body["message"]
    return body  # type: ignore[no-any-return]


def test_health_needs_no_key_and_every_answer_has_a_request_id(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok" and len(r.headers["x-request-id"]) >= 16
    r = client.get("/health", headers={"X-Request-ID": "branch-7-call-42"})
    assert r.headers["x-request-id"] == "branch-7-call-42"
    r = client.get("/health", headers={"X-Request-ID": "bad id with spaces"})  # not echoed: a fresh one
    assert r.headers["x-request-id"] != "bad id with spaces"


def test_info_lists_models_with_sha256_and_the_policy(server, client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/v1/info", headers={"X-API-Key": server.key("compare")})
    assert r.status_code == 200
    info = r.json()
    ids = {m["id"] for m in info["models"]}
    assert {"yunet", "sface"} <= ids
    assert all(len(m["sha256"]) == 64 for m in info["models"])
    assert info["policy"]["version"] and info["policy"]["match_accept"] > info["policy"]["match_review"]


def test_missing_wrong_and_revoked_keys_are_refused(server, client) -> None:  # type: ignore[no-untyped-def]
    _error(client.get("/v1/info"), 401, "missing_api_key")
    key = server.key("compare")
    _error(client.get("/v1/info", headers={"X-API-Key": key[:-3] + "abc"}), 401, "invalid_api_key")
    _error(client.get("/v1/info", headers={"X-API-Key": "not-even-our-format"}), 401, "invalid_api_key")
    st = server.storage()
    try:
        key_id = next(k.key_id for k in st.api_keys.list() if k.revoked_at is None and
                      st.api_keys.authenticate(key).key_id == k.key_id)
        st.api_keys.revoke(key_id, "test:revoke")
    finally:
        st.close()
    _error(client.get("/v1/info", headers={"X-API-Key": key}), 401, "key_revoked")


def test_scopes_are_enforced_per_endpoint_group(server, client) -> None:  # type: ignore[no-untyped-def]
    key = server.key("compare")
    body = _error(client.post("/v1/challenges", headers={"X-API-Key": key}), 403, "scope_denied")
    assert "liveness" in body["message"]
    _error(client.post("/v1/identify", headers={"X-API-Key": key}, json={}), 403, "scope_denied")
    _error(client.get("/v1/sessions/abc", headers={"X-API-Key": key}), 403, "scope_denied")
    # "all" grants every group: the same request gets past the gate (to a 404 for the unknown session).
    _error(client.get("/v1/sessions/abc", headers={"X-API-Key": server.key("all")}), 404, "session_not_found")


def test_rate_limit_per_key_with_retry_after(server, client) -> None:  # type: ignore[no-untyped-def]
    key = server.key("compare")
    for _ in range(60):
        assert client.get("/v1/info", headers={"X-API-Key": key}).status_code == 200
    r = client.get("/v1/info", headers={"X-API-Key": key})
    _error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["retry-after"]) <= 60
    # Another key has its own budget.
    assert client.get("/v1/info", headers={"X-API-Key": server.key("compare")}).status_code == 200


def test_bad_requests_count_against_the_limit(server, client) -> None:  # type: ignore[no-untyped-def]
    key = server.key("compare")
    for _ in range(60):
        _error(client.post("/v1/compare", headers={"X-API-Key": key, "content-type": "application/json"},
                           content=b"{not json"), 400, "invalid_json")
    _error(client.get("/v1/info", headers={"X-API-Key": key}), 429, "rate_limited")


def test_body_over_the_limit_is_refused_declared_or_streamed(server, client) -> None:  # type: ignore[no-untyped-def]
    key = server.key("compare")
    before = server.counts()
    big = b"\xff\xd8" + b"\x00" * (16 * 2**20 + 10)
    _error(client.post("/v1/compare", headers={"X-API-Key": key, "content-type": "application/json"}, content=big),
           413, "body_too_large")

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):  # no Content-Length: chunked transfer, 20 MiB in 512 KiB pieces
            yield b"\x00" * 2**19

    r = client.post("/v1/compare", headers={"X-API-Key": key, "content-type": "application/json"}, content=chunks())
    _error(r, 413, "body_too_large")
    assert server.counts() == before


def test_unknown_paths_and_content_types_get_the_error_shape(server, client) -> None:  # type: ignore[no-untyped-def]
    key = server.key("all")
    _error(client.get("/v1/nothing-here", headers={"X-API-Key": key}), 404, "not_found")
    _error(client.post("/v1/quality", headers={"X-API-Key": key, "content-type": "text/plain"}, content=b"hi"),
           415, "unsupported_media_type")
    _error(client.get("/v1/nothing-here"), 401, "missing_api_key")  # no probing without a key


def test_wrong_json_types_and_unknown_fields_are_invalid_field(server, client) -> None:  # type: ignore[no-untyped-def]
    key = server.key("all")
    before = server.counts()
    body = _error(client.post("/v1/quality", headers={"X-API-Key": key}, json={"image": 42}), 400, "invalid_field")
    assert "image" in body["message"]
    _error(client.post("/v1/identify", headers={"X-API-Key": key}, json={"list": "x", "image": "AA==",
                                                                          "top_k": "many"}), 400, "invalid_field")
    _error(client.post("/v1/quality", headers={"X-API-Key": key}, json={"image": "AA==", "extra": 1}), 400,
           "invalid_field")
    _error(client.post("/v1/quality", headers={"X-API-Key": key}, json=[1, 2]), 400, "invalid_json")
    _error(client.post("/v1/quality", headers={"X-API-Key": key}, json={"image": "@@@not base64"}), 400,
           "invalid_encoding")
    assert server.counts() == before


def test_openapi_document_is_served_and_committed_current(client) -> None:  # type: ignore[no-untyped-def]
    from kiosk.api.app import create_app

    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    current = create_app(None).openapi()
    assert committed == json.loads(json.dumps(current)), \
        "docs/openapi.json is stale: regenerate it with 'python -m kiosk openapi --out docs/openapi.json'"
    served = client.get("/openapi.json").json()
    assert served == committed
    paths = set(served["paths"])
    assert {"/health", "/v1/info", "/v1/quality", "/v1/compare", "/v1/challenges",
            "/v1/challenges/{challenge_id}/frames", "/v1/verify", "/v1/identities", "/v1/identify",
            "/v1/identities/{identity_id}", "/v1/sessions/{session_id}"} <= paths


def test_only_loopback_without_tls(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from kiosk.cli import main

    assert main(["serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path / "d")]) == 2
    assert "TLS" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()  # refused before anything was opened
