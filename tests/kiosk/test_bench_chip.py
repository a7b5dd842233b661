"""``kiosk bench chip``: figures are consistent with the simulated link (no speed is asserted)."""
from __future__ import annotations

import argparse
import json

import pytest

from hardware.emrtd import bench
from hardware.emrtd.password import AccessKey
from hardware.emrtd.virtual.document import make_document
from kiosk.commands import bench_chip_cmd as bench_chip_command

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")


@pytest.fixture(scope="module")
def document():
    return make_document(dg2_size=bench.DG2_SIZE, chip_authentication=True)


def test_bac_figures_add_up(document) -> None:
    r = bench.run_once(document, KEY, "bac")
    assert r["access_method"] == "BAC"
    assert r["total_s"] == pytest.approx(r["host_s"] + r["link_s"], abs=1e-5)
    assert r["total_s"] == pytest.approx(sum(p["total_s"] for p in r["phases"].values()), abs=1e-4)
    # Link time is fully determined by the APDU count and the bytes moved.
    assert r["link_s"] >= r["apdu_count"] * bench.LATENCY_S
    assert r["link_s"] >= r["bytes_read"] * 8 / bench.BITRATE_BPS
    assert max(r["chunk_sizes"]) <= 224
    assert set(r["phases"]) >= {"bac", "com", "sod", "dg1", "dg2"}


def test_cli_writes_bac_and_pace(tmp_path) -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    bench_chip_command.add_bench_chip(sub)
    out = tmp_path / "chip.json"
    args = parser.parse_args(["chip", "--json", str(out), "--runs", "1"])
    assert args.func(args) == 0
    data = json.loads(out.read_text())
    assert data["bac"]["access_method"] == "BAC" and data["pace"]["access_method"] == "PACE"
    assert data["bac"]["total_s"] > 0 and data["pace"]["total_s"] > 0
    assert "pace" in data["pace"]["phases"] and "card_access" in data["pace"]["phases"]
    assert data["pace_cam"]["access_method"] == "PACE" and data["pace_cam"]["pace_mapping"] == "CAM"
    assert data["pace"]["pace_mapping"] == "GM" and data["pace_im"]["pace_mapping"] == "IM"


def test_pace_cam_read_reads_card_security_and_adds_no_chip_authentication_step(document) -> None:
    cam = bench.run_once(document, KEY, "pace_cam")
    gm = bench.run_once(document, KEY, "pace")
    assert cam["pace_mapping"] == "CAM" and "chip_authentication" not in cam["phases"]
    # CAM moves EF.CardSecurity on top of GM's files: more bytes, in the PACE phase
    assert cam["bytes_read"] > gm["bytes_read"]
    assert cam["total_s"] == pytest.approx(cam["host_s"] + cam["link_s"], abs=1e-5)
