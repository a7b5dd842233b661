"""Schemathesis (property-based tests from the OpenAPI document) against the real server on 127.0.0.1
(issue 22 item 3): every operation, generated bodies in JSON and multipart, bounded budget; 0 server errors,
0 answers outside their declared status codes, content types, headers or schemas.

Its own server with a generous rate limit, so the generated requests test the contract, not the limiter.
The budget (examples per operation, phases) keeps the run well under a minute on a loaded 2-core machine;
the seed is fixed so a failure reproduces.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kiosk.api.conftest import Server, run_server

pytest.importorskip("schemathesis")

TOML = """[api]
port = 0
workers = 2
queue = 16
rate_per_minute = 100000
max_body_bytes = 16777216
challenge_length = 2
"""
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance")


@pytest.fixture(scope="module")
def st_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server for Schemathesis alone."""
    with run_server(tmp_path_factory.mktemp("schemathesis"), TOML) as srv:
        yield srv


def test_schemathesis_finds_no_server_error_and_no_schema_violation(st_server: Server, tmp_path: Path) -> None:
    key = st_server.key("all", "admin")
    report = tmp_path / "schemathesis.json"
    cmd = [sys.executable, "-m", "schemathesis.cli", "run", f"{st_server.url}/openapi.json",
           "-H", f"X-API-Key: {key}", "--checks", ",".join(CHECKS), "--max-examples", "8", "--seed", "22",
           "--phases", "examples,coverage,fuzzing", "--request-timeout", "30", "--no-color",
           "--report-json-path", str(report)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)  # its cache stays there
    assert report.is_file(), proc.stdout[-3000:] + proc.stderr[-2000:]
    out = json.loads(report.read_text(encoding="utf-8"))
    cases = out["test_cases"]
    print(f"schemathesis: {out['operations']['tested']} operations, {cases['generated']} test cases, "
          f"{cases['with_failures']} with failures, {len(out['errors'])} errors, {out['running_time']:.1f} s")
    assert out["operations"]["tested"] == out["operations"]["total"] >= 14
    assert cases["generated"] >= 100  # the run did real work
    assert cases["with_failures"] == 0 and not out["failures"], proc.stdout[-6000:]
    assert not out["errors"], proc.stdout[-6000:]
    assert proc.returncode == 0, proc.stdout[-6000:]
