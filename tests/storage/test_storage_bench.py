"""``kiosk bench storage`` runs and reports its figures (behaviour only, no speed assertions)."""
from __future__ import annotations

import argparse
import json

from kiosk.commands.bench_storage_cmd import add_bench_storage
from storage.bench import evidence_set


def test_evidence_set_is_about_300_kb() -> None:
    total = sum(len(i.data) for i in evidence_set())
    assert 200_000 < total < 400_000
    assert [i.kind for i in evidence_set()].count("live") == 3


def test_bench_storage_command_writes_figures(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    parser = argparse.ArgumentParser()
    add_bench_storage(parser.add_subparsers(dest="what"))
    out = tmp_path / "bench.json"
    args = parser.parse_args(["storage", "--sessions", "4", "--json", str(out), "--data-dir", str(tmp_path / "d")])
    assert args.func(args) == 0
    r = json.loads(out.read_text())
    assert r["sessions"] == 4 and r["sessions_per_s"] > 0 and r["commit_ms"]["p99"] >= r["commit_ms"]["p50"] > 0
    assert r["synchronous"] == "FULL" and "sessions/s" in capsys.readouterr().out
    from storage import open_storage

    st = open_storage(tmp_path / "d")
    try:
        assert len(st.decisions.list_sessions()) == 4 and st.audit.verify().ok
    finally:
        st.close()
