"""Headless demo on simulated devices (``kiosk run --headless``, or ``kiosk run`` without a display).

It runs the kiosk's own workflow (``kiosk.workflow``), the same code the window shows: the virtual
passport answers real APDUs (PACE, secure messaging, CA, AA) over a simulated 424 kbit/s link and is
passively authenticated against its TEST CSCA; the portrait comes out of its DG2; the simulated customer
types the MRZ and follows the random challenge. By default a customer, a printed-photo attacker and a customer
whose passport has expired (a case left for the operator's review) take a session each; ``attack`` runs one
attacker instead (``print``: a printed photo moved by hand;
``replay``: a recording of the customer made for another challenge). Every session is decided by the
policy, recorded in the decision log, and the audit chain is verified by the caller.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.workflow.demo_devices import DEMO_MRZ

__all__ = ["DEMO_MRZ", "EXPIRED_MRZ", "DemoSession", "run_demo"]

# The third default session's passport: the same customer, a document that expired on 2025-12-31. The policy
# sends an expired document to a person (DOCUMENT_EXPIRED is a review), so the demo leaves a case to review.
EXPIRED_MRZ = ("D23145891", "900101", "251231")
LABELS = {"customer": "customer (synthetic subject)", "expired": "customer with an expired passport",
          "print": "attacker (printed photo)",
          "replay": "attacker (replayed recording of another challenge)",
          "puppet": "attacker (live puppet on a tablet screen)"}


@dataclass(frozen=True)
class DemoSession:
    """One demo session's outcome."""

    label: str
    decision: str
    reasons: tuple[str, ...]
    session_id: str
    report: dict[str, Any]
    seconds: float


def run_demo(data_dir: Path, say: Callable[[str], None] = print, provider: str = "openvino",
             attack: str | None = None, json_out: Path | None = None, runs: int = 1,
             config: Any = None, pad_model: Path | None = None) -> list[DemoSession]:
    """Run the demo sessions through the workflow; returns their outcomes (and writes ``json_out``).

    ``runs`` > 1 repeats the attacker's session (each with a new random challenge; the puppet on a new
    screen, seeded by the run's number) to measure how often it gets through. ``config``: the kiosk
    configuration (default: the defaults, as kiosk ``demo-kiosk``); ``pad_model``: a passive-liveness
    fusion model from ``kiosk pad train`` (default: what the config's ``[liveness] model`` names, see
    ``kiosk.pad.site``: the installed site model, or FaceAntiSpoofing alone while none is installed).
    """
    from inference.config import RuntimeConfig
    from inference.liveness import LivenessConfig

    from kiosk.face_session import FaceEngine
    from kiosk.pad.site import liveness_config
    from kiosk.workflow.config import KioskConfig
    from kiosk.workflow.controller import KioskWorkflow
    from kiosk.workflow.demo import Autoplay, build_demo, run_until_attract
    from kiosk.workflow.events import ChallengeDrawn

    if json_out is not None:  # refuse an unwritable report before anything is recorded
        json_out = Path(json_out)
        if json_out.is_dir():
            from kiosk.errors import BadInputError
            raise BadInputError(f"--json {json_out} is a folder: give a file name")
    config = config if config is not None else KioskConfig(kiosk_id="demo-kiosk")
    liveness = (LivenessConfig(model_path=pad_model) if pad_model is not None
                else liveness_config(config.liveness.model, data_dir, config.liveness.aggregate))
    say("loading face models ...")
    engine = FaceEngine.load(RuntimeConfig(provider=provider), liveness=liveness)
    sessions: list[DemoSession] = []
    cast = [attack] * max(1, runs) if attack else ["customer", "print", "expired"]
    for run, actor in enumerate(cast):
        mrz = EXPIRED_MRZ if actor == "expired" else DEMO_MRZ
        devices = build_demo(engine, "customer" if actor == "expired" else actor, seed=run, mrz=mrz)  # type: ignore[arg-type]
        workflow = KioskWorkflow(engine, devices, data_dir, config=config, record_mode="demo")
        Autoplay(workflow, mrz=mrz)
        workflow.subscribe(lambda e: isinstance(e, ChallengeDrawn) and say(
            f"  challenge: {', '.join(s.action for s in e.steps)}"))
        say(f"{LABELS[actor]}: types the MRZ and lays the passport on the (virtual) reader ...")
        started = time.monotonic()
        try:
            run_until_attract(workflow)
        finally:
            workflow.shutdown()
        report = workflow.last_report
        if report is None:
            # Named, never a traceback: which screen, and its time limit or fault (a loaded machine can run a
            # screen's limit out). Several measured runs count it and go on; a single run says it and stops.
            ended = workflow.last_outcome
            why = ended.describe() if ended is not None else "the session did not end (see the log)"
            say(f"  -> no decision: {why}")
            sessions.append(DemoSession(LABELS[actor], "NO_DECISION", (), "",
                                        {"ended": {"state": str(ended.state), "cause": str(ended.trigger),
                                                   "limit_s": ended.limit_s} if ended else None},
                                        time.monotonic() - started))
            continue
        chip = report["evidence"]["chip"]
        say(f"  chip read with {chip['access_method']}: passive authentication "
            f"{'passed' if chip['passive_auth_passed'] else 'FAILED'}, chip authentication "
            f"{chip['chip_authentication']}, active authentication {chip['active_authentication']}")
        face = report["evidence"]
        score = face["match"]["score"]
        say(f"  -> {report['decision']} {report['reasons'] or ''} (challenge "
            f"{'passed' if face['challenge']['passed'] else 'failed: ' + str(face['challenge']['reason'])}, "
            f"planar motion {face['planarity'].get('planar')}, match {None if score is None else round(score, 3)})")
        sessions.append(DemoSession(LABELS[actor], report["decision"], tuple(report["reasons"]),
                                    report["session_id"], report, time.monotonic() - started))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        first = next((s.report for s in sessions if s.report), {})
        json_out.write_text(json.dumps({**first, "sessions": [
            {"actor": s.label, "seconds": round(s.seconds, 2), **s.report} for s in sessions]}, indent=2),
            encoding="utf-8")
    return sessions
