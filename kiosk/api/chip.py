"""Passive authentication of chip files a remote client uploads with ``/v1/verify`` (EF.SOD, DG1, DG2).

The SOD's signature, its chain to a CSCA in the kiosk's trust store (``<data dir>/trust``, built with
``kiosk trust import``), revocation, and the hashes of the uploaded data groups are checked exactly as
for a chip the kiosk reads itself (``hardware.emrtd.passive_auth``). DG2 is the portrait the face is
matched against, so a portrait swapped for another photo fails its hash. Files cannot prove the chip is
genuine (they can be copied from one): chip and active authentication stay ``not_performed``, which the
policy reports as ``CHIP_AUTH_NOT_PERFORMED``. The verdicts come from the report by the same mapping as a
chip's (``kiosk.chip_evidence.passive_auth_fields``), so a deviation the issuer's deviation list names
sends the case to review here too (``CHIP_KNOWN_DEVIATION``). The files' chip record (EF.SOD, the
data-group hashes, what decided) is returned for the session to keep, as for a chip read.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.api.errors import bad_input
from kiosk.chip_evidence import passive_auth_fields
from kiosk.evidence import ChipEvidence


def chip_files_evidence(sod: bytes, dg2: bytes, dg1: bytes | None, trust_dir: Path) -> tuple[
        ChipEvidence, dict[str, Any], dict[str, Any]]:
    """``ChipEvidence``, a clear report (verdicts only) and the chip record from uploaded chip files."""
    from hardware.emrtd import passive_auth
    from hardware.emrtd.chip_record import build_file_record
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
    evidence = ChipEvidence(read_ok=True, **passive_auth_fields(report), portrait_present=True,
                            document_expired=report.expiry.get("document") == "expired")
    clear = {"source": "uploaded_files", "passive_authentication": {
        "passed": report.passed, "signature": report.signature, "chain": report.chain,
        "revocation": report.revocation, "hashes": dict(report.hashes)}}
    record = build_file_record({"EF.SOD": sod}, groups, report, store, access_method="uploaded_files")
    return evidence, clear, record
