"""The transport and the one configuration (issue 20, items 7 and 8): deep JSON, proxy headers, bodies where
none belongs, slow headers and slow bodies; and ``kiosk serve --config`` applying ``[policy]`` and
``[liveness]`` as ``kiosk run`` does. A second server runs here with short time limits and a site
configuration."""
from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.kiosk.api.conftest import ROOT, Server, jpeg, run_server
from tests.kiosk.api.test_api_gate import _error

SITE_TOML = """kiosk_id = "branch-7"

[api]
port = 0
workers = 1
queue = 2
rate_per_minute = 5
header_timeout_s = 1.0
body_timeout_s = 2.0

[policy]
match_accept = 0.45
match_review = 0.31

[liveness]
model = "none"
aggregate = "max"

[ui]
language = "de"
"""
WAIT_S = 30.0  # how long a test waits for the server to act; the limits above are 1-2 s


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``kiosk serve`` with :data:`SITE_TOML`."""
    with run_server(tmp_path_factory.mktemp("site"), SITE_TOML) as srv:
        yield srv


def _connect(server: Server) -> socket.socket:
    url = urlsplit(server.url)
    sock = socket.create_connection((url.hostname, url.port), timeout=WAIT_S)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or WAIT_S passes: a test failure)."""
    data = b""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        except socket.timeout:
            pytest.fail(f"the server kept the connection open for {WAIT_S} s")
        if not chunk:
            break
        data += chunk
    return data


# ------------------------------------------------------------------ one configuration (item 8)
def test_serve_applies_the_policy_and_liveness_tables(site, photo) -> None:  # type: ignore[no-untyped-def]
    import httpx

    key = site.key("compare")
    with httpx.Client(base_url=site.url, timeout=120) as c:
        info = c.get("/v1/info", headers={"X-API-Key": key}).json()
        assert info["policy"]["match_accept"] == 0.45 and info["policy"]["match_review"] == 0.31
        assert info["liveness"] == {"fusion_model": None, "aggregate": "max"}
        r = c.post("/v1/compare", headers={"X-API-Key": key},
                   json={"image1": base64.b64encode(jpeg(photo)).decode(), "image2": base64.b64encode(
                       jpeg(photo, 60)).decode()})
        assert r.status_code == 200, r.text
        assert r.json()["thresholds"] == {"match_accept": 0.45, "match_review": 0.31}


@pytest.mark.parametrize("table, expected", [
    ("[policy]\nmatch_acept = 0.5\n", "policy.match_acept"),  # a typo, refused as kiosk run refuses it
    ('[liveness]\nmodel = "/nonexistent/pad_model.json"\n', "[liveness] model"),  # kiosk run's start-up check
    ("[api]\ntrusted_proxies = [\"not-an-address\"]\n", "not an IP address or network"),
])
def test_serve_refuses_a_bad_table_before_it_listens(tmp_path: Path, table: str, expected: str) -> None:
    (tmp_path / "kiosk.toml").write_text(table, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kiosk", "serve", "--port", "0", "--data-dir", str(tmp_path / "d"),
                           "--config", str(tmp_path / "kiosk.toml")], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode in (1, 2), (proc.stdout, proc.stderr)  # refused with its reason, as kiosk run is
    assert expected in proc.stderr and "listening" not in proc.stdout
    assert not (tmp_path / "d" / "kiosk.db").exists()  # refused before the store was opened


def test_uvicorn_believes_proxy_headers_only_from_configured_proxies() -> None:
    from kiosk.api.config import ApiConfig
    from kiosk.api.transport import uvicorn_settings

    plain = uvicorn_settings(ApiConfig())
    assert plain["proxy_headers"] is False and plain["forwarded_allow_ips"] is None
    behind = uvicorn_settings(ApiConfig(trusted_proxies=("10.0.0.5", "192.168.1.0/24")))
    assert behind["proxy_headers"] is True and behind["forwarded_allow_ips"] == ["10.0.0.5", "192.168.1.0/24"]


# ------------------------------------------------------------------ transport (item 7)
def test_a_made_up_forwarded_for_does_not_escape_the_address_limit(site) -> None:  # type: ignore[no-untyped-def]
    import httpx

    with httpx.Client(base_url=site.url, timeout=120) as c:
        statuses = [c.get("/v1/info", headers={"X-Forwarded-For": f"198.51.100.{i}",
                                               "X-API-Key": f"idk_{uuid.uuid4().hex}"}).status_code
                    for i in range(7)]
    # rate_per_minute = 5: the client's real address is counted, whatever it claims to forward for.
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429], statuses


def test_deeply_nested_json_is_a_400_not_a_500(server, client) -> None:  # type: ignore[no-untyped-def]
    key = {"X-API-Key": server.key("all"), "content-type": "application/json"}
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"image": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                 b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        err = _error(client.post("/v1/quality", headers=key, content=body), 400, "invalid_json")
        assert "nests too deeply" in err["message"]
    r = client.post("/v1/challenges/x/frames", headers={"X-API-Key": key["X-API-Key"]},
                    files=[("frames", ("f.jpg", b"\xff\xd8", "image/jpeg"))],
                    data={"nonce": "n", "timestamps": "[" * 100_000})
    _error(r, 400, "invalid_field")


@pytest.mark.parametrize("request_head", [
    b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 31457280\r\n\r\n",
    b"POST /openapi.json HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n",
    b"GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: 31457280\r\n\r\n",
])
def test_public_paths_refuse_a_body_without_reading_it(server, request_head: bytes) -> None:  # type: ignore[no-untyped-def]
    with _connect(server) as sock:
        sock.sendall(request_head + b"\x00" * 4096)  # 4 KiB of the 30 MiB announced, then nothing
        answer = _read_all(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"connection: close" in head.lower()
    assert json.loads(body)["error"]["code"] == "body_not_allowed"


def test_slow_headers_are_dropped(site) -> None:  # type: ignore[no-untyped-def]
    with _connect(site) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n")
        closed = False
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:  # one header byte every 0.2 s: never complete
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            sock.settimeout(0.2)
            try:
                if sock.recv(1024) == b"":
                    closed = True
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed = True
                break
        assert closed, f"a connection sending its headers a byte at a time stayed open for {WAIT_S} s"


def test_the_next_request_on_a_kept_alive_connection_has_the_same_header_limit(site) -> None:  # type: ignore[no-untyped-def]
    with _connect(site) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        first = b""
        while b"\r\n\r\n" not in first or not first.endswith(b"}"):  # the head, then the JSON body
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200"), first[:200]
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n")  # ... and the rest never comes
        assert _read_all(sock) == b""


def test_a_slow_body_gets_408_and_the_connection_closed(site) -> None:  # type: ignore[no-untyped-def]
    key = site.key("compare")
    with _connect(site) as sock:
        sock.sendall(b"POST /v1/compare HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                     b"X-API-Key: " + key.encode() + b"\r\nContent-Length: 1000\r\n\r\n{\"image1\": ")
        answer = _read_all(sock)  # the rest of the body never comes
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:300]
    assert json.loads(body)["error"]["code"] == "body_timeout"
