"""``kiosk run``: the kiosk. Until the Qt screens exist it runs the headless demo on simulated devices."""
from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.paths import default_data_dir


def _run(args: argparse.Namespace) -> int:
    from storage import open_storage

    from kiosk.demo import run_demo

    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    print("No camera or card reader in use: running the demo on simulated devices (headless).")
    sessions = run_demo(data_dir, provider=args.provider)
    st = open_storage(data_dir)
    try:
        check = st.audit.verify()
        pending = st.decisions.pending_count()
    finally:
        st.close()
    print(f"decision log: {data_dir} ({len(sessions)} sessions recorded, {pending} waiting for review); "
          f"audit chain {'intact' if check.ok else 'BROKEN'}")
    return 0 if check.ok else 1


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk run``."""
    p = sub.add_parser("run", help="run the kiosk (headless demo on simulated devices when none are attached)")
    p.add_argument("--data-dir", default=None, help="kiosk state folder (default: the per-user data folder)")
    p.add_argument("--provider", choices=["openvino", "cpu"], default="openvino", help="execution provider")
    p.set_defaults(func=_run)
