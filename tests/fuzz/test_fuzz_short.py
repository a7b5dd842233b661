"""A short, deterministic coverage-guided run of every fuzz target (the CI share of the fuzz campaign).

Each target runs in its own process (libFuzzer ends the process when done) for a fixed number of
executions with a fixed libFuzzer seed, from the seed corpus generated from the virtual passport. Any
exception outside the target's typed error family fails the test with libFuzzer's report. The bound
is a number of executions, not a time; the per-input timeout is generous so a slow CI machine does
not make a hang out of a slow input. The long campaign: ``tests/fuzz/run_campaign.py --campaign``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from fuzz_targets import TARGETS  # noqa: E402

# Executions per target: a few seconds each on the 2-core CI machine (measured: the slowest targets,
# sod and sm, run about 200-300 inputs/s under load).
RUNS = {"sod": 600, "master_list": 800, "sm": 800, "bundle": 800, "dg2": 1000}
DEFAULT_RUNS = 2000


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_short_fuzz_run(name: str, tmp_path: Path) -> None:
    runs = RUNS.get(name, DEFAULT_RUNS)
    cmd = [sys.executable, str(HERE / "run_campaign.py"), "--target", name, "--runs", str(runs), "--seed", "1",
           "--out", str(tmp_path), "--timeout", "60", "--max-len", "16384", "--instrument", "ours"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"fuzz target {name} crashed:\n{output[-6000:]}"
    assert f"Done {runs} runs" in output, output[-2000:]


def test_seeds_are_valid_files() -> None:
    """Every seed parses as the file it claims to be, so the fuzzer starts from deep inside each parser."""
    from fuzz_seeds import seeds

    from hardware.emrtd import lds
    from hardware.emrtd.errors import EmrtdError

    parsers = {"com": lds.parse_com, "dg1": lds.parse_dg1, "dg2": lds.parse_dg2, "dg11": lds.parse_dg11,
               "dg12": lds.parse_dg12, "dg15": lds.parse_dg15, "sod": lds.parse_sod}
    for name, parse in parsers.items():
        for data in seeds(name):
            parse(data)
    for name in ("tlv", "mrz", "dg14", "certificate", "crl", "master_list", "apdu", "sm", "read"):
        for data in seeds(name):
            try:
                TARGETS[name].run(data)
            except EmrtdError as exc:  # pragma: no cover - a broken seed would weaken the campaign
                pytest.fail(f"seed of {name} is not valid: {exc}")
