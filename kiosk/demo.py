"""Headless demo on simulated devices (``kiosk run`` when no camera or reader is attached).

Everything except the devices is the product's own code path: the virtual passport answers real APDUs
(PACE, secure messaging, CA, AA) and is passively authenticated against its TEST CSCA; the portrait
comes out of its DG2; a synthetic customer made from the same photo follows the random challenge; a
printed copy of the photo, moved by hand, plays the attacker. Both sessions are decided by the policy
and recorded in the decision log, and the audit chain is verified at the end.
"""
from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# A current (unexpired) specimen document: the virtual chip gets this number and these dates.
DEMO_MRZ = ("D23145890", "900101", "341231")


@dataclass(frozen=True)
class DemoSession:
    """One demo session's outcome."""

    label: str
    decision: str
    reasons: tuple[str, ...]
    session_id: str


def _portrait_from_dg2(dg2: Any) -> tuple[np.ndarray, bytes, str]:
    face = dg2.face
    rgb = np.asarray(face.decode().convert("RGB"))
    media = {"jpeg": "image/jpeg", "jpeg2000": "image/jp2"}.get(face.image_format, "application/octet-stream")
    return np.ascontiguousarray(rgb[:, :, ::-1]), face.image_data, media


def _jpeg(frame: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(frame[:, :, ::-1]).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def run_demo(data_dir: Path, say: Callable[[str], None] = print, provider: str = "openvino") -> list[DemoSession]:
    """Run the two demo sessions; returns their outcomes."""
    from hardware.emrtd import certs, passive_auth
    from hardware.emrtd.password import AccessKey
    from hardware.emrtd.reader import EmrtdReader
    from hardware.emrtd.trust import TrustStore
    from hardware.emrtd.virtual.passport import make_virtual_passport
    from inference.challenge import draw_steps
    from inference.config import RuntimeConfig
    from inference.image import read_image
    from inference.print_attack import PrintAttack
    from inference.synthetic import SyntheticSubject
    from models.store import ModelStore
    from storage import ImageEvidence, TemplateEvidence

    from kiosk.chip_evidence import chip_evidence
    from kiosk.face_session import FaceEngine, enrol_portrait
    from kiosk.policy import PolicyConfig
    from kiosk.recording import record
    from kiosk.verify import run_session

    store = ModelStore()
    photo = read_image(store.asset_path("astronaut"))
    say("loading face models ...")
    engine = FaceEngine.load(RuntimeConfig(provider=provider), store=store)
    policy = PolicyConfig()

    key = AccessKey.from_mrz(*DEMO_MRZ)
    passport = make_virtual_passport(key, face=photo[:, :, ::-1])
    trust = TrustStore()
    trust.add_certificate(certs.load_certificate(passport.csca_certificate))
    say("customer lays the passport on the (virtual) reader ...")
    result = EmrtdReader(passport.chip, key, aa_challenge=os.urandom(8),
                         passive_auth=lambda r: passive_auth.verify(r.files.get(0x011D), r.data_groups(), trust)).read()
    chip = chip_evidence(result, key)
    say(f"  chip read with {result.access_method}: passive authentication "
        f"{'passed' if chip.passive_auth_passed else 'FAILED'}, chip authentication {chip.chip_authentication}, "
        f"active authentication {chip.active_authentication}")
    portrait_bgr, portrait_bytes, media = _portrait_from_dg2(result.dg2)
    portrait = enrol_portrait(engine, portrait_bgr)
    subject = SyntheticSubject.from_image(photo, engine.detector, engine.pipeline.mesh)

    sessions: list[DemoSession] = []
    for label, actor in (("customer (synthetic subject)", subject), ("attacker (printed photo)", PrintAttack(photo))):
        steps = list(draw_steps(engine.challenge))
        say(f"{label}: challenge {', '.join(s.action for s in steps)}")
        started = dt.datetime.now(dt.timezone.utc)
        frames = ((f.image, f.t) for f in actor.play(subject.follow(steps)))
        run = run_session(engine, portrait, frames, steps=steps, policy=policy, chip=chip)
        images = [ImageEvidence("dg2", portrait_bytes, media)]
        if run.best_frame is not None:
            images.append(ImageEvidence("live", _jpeg(run.best_frame), "image/jpeg"))
        templates = [TemplateEvidence("live", run.session.live_embedding.vector)] if run.session.live_embedding else []
        sid = record(data_dir, mode="demo", started_at=started, evidence=run.evidence, decision=run.decision,
                     policy=policy, checks={"face_session": run.session.to_dict()},
                     chip_report={"access_method": result.access_method}, images=images, templates=templates,
                     dg1=result.dg1, kiosk_id="demo-kiosk")
        ev = run.session.evidence
        say(f"  -> {run.decision.outcome.value} {list(run.decision.reasons) or ''} (challenge "
            f"{'passed' if ev.challenge_passed else 'failed: ' + str(ev.challenge_failure)}, planar motion "
            f"{ev.planar_motion}, match {ev.match_score if ev.match_score is None else round(ev.match_score, 3)})")
        sessions.append(DemoSession(label, run.decision.outcome.value, tuple(run.decision.reasons), sid))
    return sessions
