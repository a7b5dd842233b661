"""``kiosk eval mrz`` per ICAO 9303 format, the held-out seeds, and the peer's plumbing (the peer itself never
runs in CI: a stand-in interpreter answers for it)."""
from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest

from kiosk.errors import BadInputError
from kiosk.mrz.evaluate import format_table
from kiosk.mrz.peer import PeerError, ensure_peer, run_peer
from kiosk.mrz.synth import HELD_OUT_SEED_BASE, synthesise

ROW = {"path": "a.png", "document_number": "L8988901C", "birth_date": "400907", "expiry_date": "961210"}
KEY = ("L8988901C", "400907", "961210")


def test_format_table_scores_each_format_and_a_visa_taken_for_a_passport_is_wrong() -> None:
    visa, td1 = {**ROW, "type": "MRV-A"}, {**ROW, "type": "TD1"}
    table = format_table([(visa, KEY, "MRV-A", 10.0), (visa, KEY, "TD3", 20.0), (visa, None, None, 30.0),
                          (td1, ("X", "400907", "961210"), "TD1", 5.0)])
    assert table["MRV-A"] == {"images": 3, "exact": 1, "wrong_accepted": 1, "refused": 1, "median_ms": 20.0}
    assert table["TD1"]["wrong_accepted"] == 1 and table["all"]["images"] == 4
    assert list(table) == ["all", "TD1", "MRV-A"]  # the ICAO order, only the formats present


def rows(labels: Path) -> list[dict[str, str]]:
    with open(labels, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read(labels: Path) -> list[tuple[str, str]]:
    return [(r["document_number"], r["split"]) for r in rows(labels)]


def test_held_out_documents_come_from_seeds_no_development_run_can_use(tmp_path: Path) -> None:
    dev = synthesise(tmp_path / "dev", 2, seed=3, frames=1, clean=True)
    held = synthesise(tmp_path / "held", 2, seed=3, frames=1, clean=True, held_out=True)
    assert {s for _, s in read(dev)} == {"development"} and {s for _, s in read(held)} == {"held-out"}
    assert {n for n, _ in read(dev)}.isdisjoint({n for n, _ in read(held)})
    with pytest.raises(BadInputError, match="held-out"):
        synthesise(tmp_path / "x", 1, seed=HELD_OUT_SEED_BASE)


def test_synth_writes_every_format_with_its_type(tmp_path: Path) -> None:
    labels = synthesise(tmp_path, 5, seed=11, frames=1, clean=True, formats=("TD1", "TD2", "TD3", "MRV-A", "MRV-B"))
    assert [r["type"] for r in rows(labels)] == ["TD1", "TD2", "TD3", "MRV-A", "MRV-B"]
    with pytest.raises(BadInputError, match="MRV-B"):
        synthesise(tmp_path / "y", 1, seed=1, formats=("TD4",))


def _fake_python(tmp_path: Path, lines: list[dict[str, object]], rc: int = 0) -> Path:
    """An executable that stands in for the peer environment's Python: prints ``lines`` whatever it runs."""
    script = tmp_path / "python"
    body = "\n".join(json.dumps(x) for x in lines)
    script.write_text(f"#!/bin/sh\ncat > /dev/null\ncat <<'EOF'\n{body}\nEOF\necho oops >&2\nexit {rc}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_peer_results_are_scored_as_ours(tmp_path: Path) -> None:
    rows = [{**ROW, "path": f"{i}.png", "type": t} for i, t in enumerate(("MRV-A", "TD3", "TD1"))]
    out = [{"path": str((tmp_path / "0.png").resolve()), "ms": 4000.0, "type": "MRVA", "number": "L8988901C",
            "birth_date": "400907", "expiry_date": "961210", "valid": True},
           {"path": str((tmp_path / "1.png").resolve()), "ms": 3000.0, "type": "TD3", "number": "L8988901C",
            "birth_date": "400907", "expiry_date": "961210", "valid": False},  # a read that failed its digits
           {"path": str((tmp_path / "2.png").resolve()), "ms": 1000.0, "type": None}]
    table = format_table(run_peer(tmp_path, rows, _fake_python(tmp_path, out)))
    assert table["MRV-A"]["exact"] == 1 and table["TD3"]["refused"] == 1 and table["TD1"]["refused"] == 1
    assert table["all"]["median_ms"] == 3000.0


def test_peer_failures_are_typed_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(PeerError, match="oops"):
        run_peer(tmp_path, [ROW], _fake_python(tmp_path, [], rc=1))
    monkeypatch.setattr("kiosk.mrz.peer.shutil.which", lambda _name: None)
    with pytest.raises(PeerError, match="tesseract-ocr"):
        ensure_peer(tmp_path)
    assert not any(tmp_path.glob("passporteye-*"))  # nothing half-made


@pytest.mark.models
def test_eval_smoke_reports_every_format_and_accepts_nothing_wrong(tmp_path: Path) -> None:
    from kiosk.cli import main

    data, out = tmp_path / "set", tmp_path / "mrz.json"
    assert main(["mrz", "synth", "--out", str(data), "--count", "5", "--seed", "2", "--frames", "1", "--clean"]) == 0
    assert main(["eval", "mrz", "--data", str(data), "--json", str(out)]) == 0
    table = json.loads(out.read_text())["per_format"]
    assert list(table) == ["all", "TD1", "TD2", "TD3", "MRV-A", "MRV-B"]
    assert all(row["wrong_accepted"] == 0 and row["images"] == row["exact"] + row["refused"] for row in table.values())
    assert table["TD3"]["exact"] == 1
