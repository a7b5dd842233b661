"""``kiosk run``: the kiosk window when a display is present; otherwise (or ``--headless``) the console demo."""
from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.errors import BadInputError
from kiosk.paths import default_data_dir

if TYPE_CHECKING:
    from kiosk.sync_worker import SyncWorker


def display_present() -> bool:
    """Whether a window can be shown (an X11 or Wayland display, and Qt not told to render offscreen)."""
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _headless(args: argparse.Namespace, data_dir: Path) -> int:
    from storage import open_storage

    from kiosk.demo import run_demo
    from kiosk.workflow.config import load_config

    if args.runs < 1:
        raise BadInputError(f"--runs must be at least 1, got {args.runs}")
    if args.runs != 1 and not args.attack:
        raise BadInputError("--runs repeats an attacker's session: give --attack too")
    print("No display or --headless: running the demo on simulated devices in the console.")
    sessions = run_demo(data_dir, provider=args.provider, attack=args.attack,
                        json_out=Path(args.json) if args.json else None, runs=args.runs,
                        config=load_config(Path(args.config)) if args.config else None,
                        pad_model=Path(args.pad_model) if args.pad_model else None)
    st = open_storage(data_dir)
    try:
        check = st.audit.verify()
        pending = st.decisions.pending_count()
    finally:
        st.close()
    print(f"decision log: {data_dir} ({len(sessions)} sessions recorded, {pending} waiting for review); "
          f"audit chain {'intact' if check.ok else 'BROKEN'}")
    if pending:
        folder = shlex.quote(str(data_dir))
        print(f"review it: create an operator once (kiosk operator add NAME --role supervisor --data-dir {folder}), "
              f"then open the console window (kiosk review --data-dir {folder}) or review from the command line "
              f"(kiosk review queue --user NAME --data-dir {folder}; then kiosk review show CASE and "
              f"kiosk review approve|reject CASE --note TEXT, with the same --user and --data-dir)")
    if args.attack and len(sessions) > 1:
        counts = {d: sum(s.decision == d for s in sessions) for d in ("ACCEPT", "REVIEW", "REJECT", "NO_DECISION")}
        print(f"{args.attack} attacker over {len(sessions)} sessions: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if args.attack and any(s.decision == "ACCEPT" for s in sessions):
        print("ATTACK ACCEPTED: the kiosk let a presentation attack through")
        return 1
    undecided = [s for s in sessions if s.decision == "NO_DECISION"]
    if undecided and not (args.attack and len(sessions) > 1):
        print(f"{len(undecided)} session(s) ended without a decision (said above, and recorded in the audit trail "
              "as session_ended); a busy machine can run a screen's time limit out: run the demo again, or raise "
              "[timeouts] in --config")
        return 1
    return 0 if check.ok else 1


def _run(args: argparse.Namespace) -> int:
    from kiosk.plugins import frontend
    from kiosk.workflow.config import load_config

    config = load_config(Path(args.config) if args.config else None)
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    if args.json and not args.headless and display_present():
        raise BadInputError("--json needs --headless (the window records every session in the decision log)")
    window = None if args.headless or not display_present() else frontend("qt")
    worker = _start_sync(config.storage, Path(args.config) if args.config else None, data_dir, config.kiosk_id)
    try:
        if window is None:
            return _headless(args, data_dir)
        return int(window(config, data_dir, provider=args.provider, actor=args.attack or "customer"))
    finally:
        if worker is not None:
            worker.stop()


def _start_sync(storage_table: dict[str, object], config_file: Path | None, data_dir: Path,
                kiosk_id: str) -> SyncWorker | None:
    """The background central sync when ``[storage.sync] central_url`` is set (kiosk.sync_worker)."""
    from storage.config import parse_storage_config

    from kiosk.sync_worker import SyncWorker

    sync = parse_storage_config(storage_table).sync
    return SyncWorker(data_dir, config_file, kiosk_id, sync.interval_s).start() if sync.central_url else None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk run``."""
    p = sub.add_parser("run", help="run the kiosk (the window with a display; a console demo without)",
                       description="Run the kiosk. With a display it opens the kiosk window (on simulated "
                                   "devices, as an autoplay demo, when the config names no camera and reader); "
                                   "without one, or with --headless, it runs the demo in the console.")
    p.add_argument("--data-dir", default=None, help="kiosk state folder (default: the per-user data folder)")
    p.add_argument("--config", default=None, metavar="FILE", help="kiosk configuration file (TOML)")
    p.add_argument("--provider", choices=["openvino", "cpu"], default="openvino", help="execution provider")
    p.add_argument("--headless", action="store_true", help="run the console demo even when a display is present")
    p.add_argument("--json", default=None, metavar="OUT", help="(headless) write the session report here: "
                   "decision, reasons, evidence (chip, quality, challenge, planarity, passive, match)")
    p.add_argument("--attack", choices=["print", "replay", "puppet"], default=None,
                   help="run one attacker session instead (must never end ACCEPT; exit 1 if it does); puppet: "
                        "the synthetic subject following the challenge on a tablet screen")
    p.add_argument("--runs", type=int, default=1, metavar="N",
                   help="(headless, with --attack) repeat the attacker's session N times and count the decisions")
    p.add_argument("--pad-model", default=None, metavar="FILE",
                   help="(headless) passive-liveness fusion model from 'kiosk pad train' (default: the config's "
                        "[liveness] model: the installed site model, see 'kiosk pad collect')")
    p.set_defaults(func=_run)
