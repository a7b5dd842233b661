"""Turn a chip read into the policy's ``ChipEvidence`` (verdicts only; no personal data)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from hardware.emrtd.password import AccessKey, PasswordType

from kiosk.evidence import ChipEvidence


def _check(result: Any) -> str:
    if result is None:
        return "not_performed"
    return "passed" if getattr(result, "passed", False) else "failed"


def _chip_authentication(result: Any) -> str:
    """CA or PACE-CAM verdict. PACE-CAM checks the chip against the key in EF.CardSecurity, so it
    counts only when passive authentication found that file signed by a trusted document signer:
    a clone that brings its own key and its own unsigned (or self-signed) file fails here."""
    verdict = _check(result.chip_authentication)
    if verdict == "passed" and getattr(result, "pace_cam", None) is not None:
        pa = result.passive_authentication
        if pa is None or getattr(pa, "card_security", None) != "valid":
            return "failed"
    return verdict


def mrz_matches_dg1(dg1: Any, key: AccessKey) -> bool | None:
    """Whether DG1's MRZ derives the same access key that opened the chip (None for a CAN).

    Comparing derived keys compares exactly the fields BAC/PACE used (document number, birth date,
    expiry date with their check digits) without keeping the typed MRZ anywhere.
    """
    if dg1 is None or key.kind != PasswordType.MRZ:
        return None
    m = dg1.mrz
    try:
        return AccessKey.from_mrz(m.document_number, m.birth_date, m.expiry_date).secret == key.secret
    except Exception:  # a DG1 whose fields do not even form a key cannot match
        return False


def passive_auth_fields(pa: Any) -> dict[str, Any]:
    """The passive-authentication verdicts of ``ChipEvidence`` from a ``passive_auth`` report (``None``: not
    run). The one mapping for a chip the kiosk reads and for chip files uploaded to the API: the same
    report gives the same verdicts, deviations from the issuer's deviation lists included."""
    return {
        "signature": getattr(pa, "signature", "unknown"), "chain": getattr(pa, "chain", "unknown"),
        "revocation": getattr(pa, "revocation", "unknown"),
        "hashes_ok": bool(pa is not None and pa.hashes and all(v == "match" for v in pa.hashes.values())),
        "passive_auth_passed": bool(pa is not None and pa.passed),
        "known_deviations": tuple(getattr(pa, "deviations", ()) or ()),
    }


def chip_evidence(result: Any, key: AccessKey, today: dt.date | None = None) -> ChipEvidence:
    """``ChipEvidence`` from an ``EmrtdReader`` result (``hardware.emrtd.reader.ChipReadResult``)."""
    today = today or dt.date.today()
    pa = result.passive_authentication
    expiry = result.dg1.mrz.expiry_date_as_date() if result.dg1 is not None else None
    return ChipEvidence(
        read_ok=bool(result.ok),
        **passive_auth_fields(pa),
        chip_authentication=_chip_authentication(result),  # type: ignore[arg-type]
        active_authentication=_check(result.active_authentication),  # type: ignore[arg-type]
        mrz_matches_dg1=mrz_matches_dg1(result.dg1, key),
        document_expired=bool(expiry is not None and expiry < today),
        portrait_present=result.dg2 is not None and bool(getattr(result.dg2, "faces", None)),
    )
