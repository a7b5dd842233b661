"""The case view's chip-evidence check: the same verification, in the same words, as ``kiosk evidence verify``.

The console builds the session's evidence document exactly as ``kiosk evidence export`` would (without
writing a file or recording an export) and checks it with ``kiosk.evidence_check.check_evidence`` against
the kiosk's trust store and the kiosk's own head-signing key; the central console checks the central copy
(see :func:`check_session_chip_evidence`). Runs on the console's worker thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.store import Storage

from kiosk.evidence_check import KioskKey, check_evidence, summary


@dataclass(frozen=True)
class ChipEvidenceCheck:
    """Each verdict as ``(ok, words)``, and the closing line."""

    verdicts: tuple[tuple[bool, str], ...]
    summary: str

    @property
    def ok(self) -> bool:
        """Whether every part verified."""
        return bool(self.verdicts) and all(ok for ok, _ in self.verdicts)


def kiosk_trust_store(st: Storage) -> Any:
    """The trust store of the kiosk whose data folder ``st`` is (empty when it has none)."""
    from hardware.emrtd.trust import TrustStore

    from kiosk.paths import trust_dir

    folder = trust_dir(st.data_dir)
    return TrustStore.load(folder) if folder.is_dir() else TrustStore()


def check_session_chip_evidence(st: Storage, session_id: str, actor: str, trust: Any = None) -> ChipEvidenceCheck:
    """Check one session's chip evidence (reads audited as the case's are); ``NotFoundError`` when it keeps no
    chip record, ``IntegrityError`` when its rows or the chain fail their checks.

    On the central store (the console of ``kiosk review --central``) the record comes from its sealed copy,
    placed in the central copy of its kiosk's chain, and the kiosk's signed chain head stands in for the
    kiosk's signature over an export (``storage.central.chip_evidence``); every other verdict is the same."""
    from kiosk.evidence_check import check_placed_record, signed_head_verdict
    from kiosk.evidence_export import build_evidence, evidence_body

    trust = trust if trust is not None else kiosk_trust_store(st)
    central = getattr(st.decisions, "load_chip_record", None)
    if central is not None:
        stored, cover = central(session_id, actor)
        doc = evidence_body(stored, {}, st.clock.now())
        verdicts = [signed_head_verdict(cover), *check_placed_record(doc, trust)]
    else:
        from storage.head_signing import head_signing_public_key

        doc = build_evidence(st, session_id, actor, audit=False)
        _, public = head_signing_public_key(st.keys.keys)
        verdicts = check_evidence(doc, trust, kiosk_key=KioskKey(public, doc.get("kiosk_id")))
    return ChipEvidenceCheck(tuple((v.ok, v.words) for v in verdicts), summary(verdicts))
