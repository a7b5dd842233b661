"""The case view's chip-evidence check: the same verification, in the same words, as ``kiosk evidence verify``.

The console builds the session's evidence document exactly as ``kiosk evidence export`` would (without
writing a file or recording an export) and checks it with ``kiosk.evidence_check.check_evidence`` against
the kiosk's trust store and the kiosk's own head-signing key. Runs on the console's worker thread.
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
    chip record, ``IntegrityError`` when its rows or the chain fail their checks."""
    from storage.head_signing import head_signing_public_key

    from kiosk.evidence_export import build_evidence

    doc = build_evidence(st, session_id, actor, audit=False)
    _, public = head_signing_public_key(st.keys.keys)
    verdicts = check_evidence(doc, trust if trust is not None else kiosk_trust_store(st),
                              kiosk_key=KioskKey(public, doc.get("kiosk_id")))
    return ChipEvidenceCheck(tuple((v.ok, v.words) for v in verdicts), summary(verdicts))
