"""Coverage-guided fuzzing of the kiosk's parsers with atheris (libFuzzer).

One target in this process::

    python tests/fuzz/run_campaign.py --target sod --runs 20000 --seed 1

A campaign over every target, each in its own process, with a report::

    nice -n 19 python tests/fuzz/run_campaign.py --campaign --runs 70000 --keep-going --out out/fuzz

The seed corpus of each target is generated at start from the virtual passport (``fuzz_seeds``) and
written to ``<out>/corpus/<target>`` (a campaign keeps growing it there). A crash is an exception
outside the target's typed error family, a timeout (``-timeout``) or a memory blow-up
(``-rss_limit_mb``). Without ``--keep-going`` the first crash stops the run with libFuzzer's
report and a ``crash-*`` file; with it, exceptions are recorded per distinct place
(``<out>/crashes/<target>/``), and fuzzing goes on, so a campaign reports every distinct crash.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# Modules whose bytecode atheris instruments for coverage: ours and the parsers we build on.
INSTRUMENTED = ("hardware", "models", "asn1crypto", "ecdsa", "tarfile", "json", "gzip", "bz2", "lzma", "PIL")


def _libfuzzer_args(args: argparse.Namespace, corpus: Path, artifacts: Path) -> list[str]:
    out = [sys.argv[0], f"-runs={args.runs}", f"-seed={args.seed}", f"-timeout={args.timeout}",
           f"-rss_limit_mb={args.rss_limit_mb}", f"-max_len={args.max_len}",
           f"-artifact_prefix={artifacts}/", "-print_final_stats=1"]
    if args.max_time:
        out.append(f"-max_total_time={args.max_time}")
    return out + [str(corpus)]


def _write_seeds(target: str, corpus: Path) -> int:
    from fuzz_seeds import seeds

    corpus.mkdir(parents=True, exist_ok=True)
    items = seeds(target)
    for i, data in enumerate(items):
        (corpus / f"seed-{i:02d}").write_bytes(data)
    return len(items)


def _place(exc: BaseException) -> str:
    """Where an exception was raised: type and the innermost frame in the project's code."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if str(ROOT) in f.filename and "/tests/" not in f.filename] or frames
    last = ours[-1]
    return f"{type(exc).__name__} at {Path(last.filename).relative_to(ROOT) if str(ROOT) in last.filename else last.filename}:{last.lineno}"


def run_one(args: argparse.Namespace) -> int:
    """Fuzz one target in this process (libFuzzer exits the process when done)."""
    import atheris

    sys.path.insert(0, str(HERE))
    include = list(INSTRUMENTED) if args.instrument == "all" else ["hardware", "models"]
    with atheris.instrument_imports(include=include):
        # Imported here, not lazily, so that their bytecode is instrumented too.
        import bz2, gzip, json, lzma, tarfile  # noqa: E401, F401
        import PIL.Image, PIL.Jpeg2KImagePlugin, PIL.JpegImagePlugin, PIL.PngImagePlugin  # noqa: E401, F401

        import fuzz_targets
    target = fuzz_targets.TARGETS[args.target]
    out = Path(args.out).resolve()
    corpus = out / "corpus" / target.name
    if args.fresh_corpus:
        corpus = Path(tempfile.mkdtemp(prefix=f"fuzz-{target.name}-"))
    _write_seeds(target.name, corpus)
    fuzz_targets._trust()  # build shared fixtures before fuzzing starts (not per input)
    artifacts = out / "crashes" / target.name
    artifacts.mkdir(parents=True, exist_ok=True)
    seen: dict[str, int] = {}

    def one_input(data: bytes) -> None:
        if not args.keep_going:
            fuzz_targets.check(target, data)
            return
        try:
            fuzz_targets.check(target, data)
        except Exception as exc:  # a crash: record one input per distinct place, go on fuzzing
            place = _place(exc)
            seen[place] = seen.get(place, 0) + 1
            if seen[place] == 1:
                name = f"crash-{len(seen):02d}"
                (artifacts / name).write_bytes(data)
                (artifacts / f"{name}.txt").write_text(f"{place}\n\n{traceback.format_exc()}")
                print(f"NEW CRASH {place}", file=sys.stderr, flush=True)
            (artifacts / "summary.json").write_text(json.dumps(seen, indent=1))

    atheris.Setup(_libfuzzer_args(args, corpus, artifacts), one_input)
    atheris.Fuzz()
    return 0


_DONE = re.compile(r"Done (\d+) runs in (\d+) second")
_STATUS = re.compile(r"^#(\d+)\s", re.M)


def run_campaign(args: argparse.Namespace) -> int:
    """Run every chosen target in its own process; write ``<out>/report.json`` and print a table."""
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    from fuzz_targets import TARGETS

    names = args.targets.split(",") if args.targets else list(TARGETS)
    report_path = out / "report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() and args.append else {}
    for name in names:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--target", name, "--runs", str(args.runs),
               "--seed", str(args.seed), "--out", str(out), "--timeout", str(args.timeout),
               "--rss-limit-mb", str(args.rss_limit_mb), "--max-len", str(args.max_len)]
        if args.keep_going:
            cmd.append("--keep-going")
        if args.max_time:
            cmd += ["--max-time", str(args.max_time)]
        log = out / f"{name}.log"
        start = time.monotonic()
        with open(log, "w") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        seconds = time.monotonic() - start
        text = log.read_text(errors="replace")
        done = _DONE.search(text)
        execs = int(done.group(1)) if done else max([int(n) for n in _STATUS.findall(text)] or [0])
        summary = out / "crashes" / name / "summary.json"
        places = json.loads(summary.read_text()) if summary.exists() else {}
        fatal = None if proc.returncode == 0 else _fatal(text)
        prev = report.get(name, {"executions": 0, "seconds": 0.0, "crashes": {}, "fatal": []})
        prev["executions"] += execs
        prev["seconds"] = round(prev["seconds"] + seconds, 1)
        prev["crashes"] = {**prev["crashes"], **places}
        if fatal:
            prev["fatal"].append(fatal)
        report[name] = prev
        report_path.write_text(json.dumps(report, indent=1, sort_keys=True))
        print(f"{name:12s} {execs:>9d} execs {seconds:7.1f} s  crashes: {len(places)}"
              f"{'  FATAL: ' + fatal if fatal else ''}", flush=True)
    total = sum(v["executions"] for v in report.values())
    print(f"total executions: {total}")
    return 0


def summarize(dirs: list[str]) -> int:
    """Print the executions and distinct crashes per target, summed over campaign folders, as Markdown."""
    sys.path.insert(0, str(HERE))
    from fuzz_targets import TARGETS

    total: dict[str, dict] = {}
    for d in dirs:
        report = json.loads((Path(d) / "report.json").read_text())
        for name, row in report.items():
            acc = total.setdefault(name, {"executions": 0, "seconds": 0.0, "crashes": {}, "fatal": []})
            acc["executions"] += row["executions"]
            acc["seconds"] += row["seconds"]
            for place, n in row["crashes"].items():
                acc["crashes"][place] = acc["crashes"].get(place, 0) + n
            acc["fatal"] += row["fatal"]
    print("| target | what | executions | distinct crashes (inputs) |")
    print("|---|---|---:|---|")
    for name in [n for n in TARGETS if n in total] + [n for n in total if n not in TARGETS]:
        row = total[name]
        crashes = "; ".join(f"{place} ({n})" for place, n in sorted(row["crashes"].items())) or "0"
        if row["fatal"]:
            crashes += "; fatal: " + ", ".join(row["fatal"])
        summary = TARGETS[name].summary if name in TARGETS else ""
        print(f"| {name} | {summary} | {row['executions']:,} | {crashes} |")
    print(f"| **total** | | **{sum(r['executions'] for r in total.values()):,}** | |")
    return 0


def _fatal(text: str) -> str:
    for pattern in ("ERROR: libFuzzer: timeout", "out-of-memory", "Uncaught Python exception", "deadly signal"):
        if pattern in text:
            return pattern
    return "exited with an error"


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--target NAME`` fuzzes one target, ``--campaign`` all of them in turn."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--target", help="fuzz this one target in this process")
    mode.add_argument("--campaign", action="store_true", help="fuzz every target, each in its own process")
    mode.add_argument("--list", action="store_true", help="list the targets")
    mode.add_argument("--summary", nargs="+", metavar="DIR", help="sum the report.json of campaign folders")
    p.add_argument("--targets", help="campaign: comma-separated subset of targets")
    p.add_argument("--runs", type=int, default=10000, help="executions per target (libFuzzer -runs)")
    p.add_argument("--seed", type=int, default=1, help="libFuzzer random seed (deterministic runs)")
    p.add_argument("--max-time", type=int, default=0, help="optional time cap per target, seconds")
    p.add_argument("--timeout", type=int, default=10, help="seconds one input may take before it is a hang")
    p.add_argument("--rss-limit-mb", type=int, default=1536, help="memory (RSS) above which an input is a crash")
    p.add_argument("--max-len", type=int, default=65536, help="largest input libFuzzer generates")
    p.add_argument("--out", default=str(ROOT / "out" / "fuzz"), help="corpus, crashes, logs and report")
    p.add_argument("--instrument", choices=("all", "ours"), default="all",
                   help="coverage from our packages and the libraries parsing for them (all), or ours only "
                        "(starts in a third of the time: for short runs)")
    p.add_argument("--keep-going", action="store_true", help="record crashes and go on fuzzing")
    p.add_argument("--fresh-corpus", action="store_true", help="start from the seeds only, in a temporary corpus")
    p.add_argument("--append", action="store_true", help="campaign: add to an existing report.json")
    args = p.parse_args(argv)
    if args.list:
        sys.path.insert(0, str(HERE))
        from fuzz_targets import TARGETS

        for t in TARGETS.values():
            print(f"{t.name:12s} {t.summary}")
        return 0
    if args.summary:
        return summarize(args.summary)
    if args.target:
        return run_one(args)
    return run_campaign(args)


if __name__ == "__main__":
    sys.exit(main())
