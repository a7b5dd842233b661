"""Passive authentication of chip files a remote client uploads with ``/v1/verify`` (EF.SOD, DG1, DG2).

The SOD's signature, its chain to a CSCA in the kiosk's trust store (``<data dir>/trust``, built with
``kiosk trust import``), revocation, and the hashes of the uploaded data groups are checked exactly as
for a chip the kiosk reads itself (``hardware.emrtd.passive_auth``). DG2 is the portrait the face is
matched against, so a portrait swapped for another photo fails its hash. Files cannot prove the chip is
genuine (they can be copied from one): chip and active authentication stay ``not_performed``, which the
policy reports as ``CHIP_AUTH_NOT_PERFORMED``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.api.errors import bad_input
from kiosk.evidence import ChipEvidence


def chip_files_evidence(sod: bytes, dg2: bytes, dg1: bytes | None, trust_dir: Path) -> tuple[ChipEvidence,
                                                                                             dict[str, Any]]:
    """``ChipEvidence`` and a clear report (verdicts only) from uploaded chip files."""
    from hardware.emrtd import passive_auth
    from hardware.emrtd.errors import EmrtdError
    from hardware.emrtd.trust import TrustStore

    try:
        store = TrustStore.load(trust_dir) if trust_dir.is_dir() else TrustStore()
    except EmrtdError as exc:
        raise bad_input("trust_store_unusable", f"the kiosk's trust store is unusable: {exc}") from exc
    groups = {2: dg2, **({1: dg1} if dg1 is not None else {})}
    try:
        report = passive_auth.verify(sod, groups, store)
    except (EmrtdError, ValueError) as exc:
        raise bad_input("bad_chip_files", f"the chip files cannot be checked: {exc}") from exc
    hashes_ok = bool(report.hashes) and all(v == passive_auth.MATCH for v in report.hashes.values())
    evidence = ChipEvidence(
        read_ok=True, signature=report.signature, chain=report.chain,  # type: ignore[arg-type]
        revocation=report.revocation, hashes_ok=hashes_ok,  # type: ignore[arg-type]
        passive_auth_passed=report.passed, portrait_present=True,
        document_expired=report.expiry.get("document") == "expired")
    clear = {"source": "uploaded_files", "passive_authentication": {
        "passed": report.passed, "signature": report.signature, "chain": report.chain,
        "revocation": report.revocation, "hashes": dict(report.hashes)}}
    return evidence, clear
