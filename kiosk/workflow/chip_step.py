"""The chip step: read the document with progress, check it, and say what went wrong in words that help.

This is the read the CLI (``kiosk passport read``), the window and the API share: open the chip with
the access key (PACE, BAC as fallback), read EF.COM/SOD/DG1/DG2 (and DG14/DG15), chip or active
authentication with a fresh challenge, passive authentication against the trust store, then turn the
result into the policy's ``ChipEvidence`` and the portrait the face match needs.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from hardware.emrtd import passive_auth
from hardware.emrtd.chip_record import build_chip_record
from hardware.emrtd.errors import AccessControlError, CardRemovedError, ChipLimitError, EmrtdError
from hardware.emrtd.password import AccessKey
from hardware.emrtd.reader import AccessMethod, ChipReadResult, EmrtdReader, ReadPhase, ReadProgress
from hardware.errors import HardwareError
from inference.errors import BadImageError
from inference.image import InputLimits
from inference.image_decode import decode_image

from kiosk.chip_evidence import chip_evidence
from kiosk.evidence import ChipEvidence

MEDIA_TYPES = {"jpeg": "image/jpeg", "jpeg2000": "image/jp2", "png": "image/png"}

# Share of a typical read's time per phase (DG2, the portrait, dominates): drives one smooth progress bar.
_PHASE_WEIGHT = {
    ReadPhase.CONNECT: 0.0, ReadPhase.CARD_ACCESS: 0.02, ReadPhase.PACE: 0.10, ReadPhase.BAC: 0.10,
    ReadPhase.SELECT_APPLICATION: 0.01, ReadPhase.COM: 0.02, ReadPhase.SOD: 0.08, ReadPhase.DG1: 0.02,
    ReadPhase.DG2: 0.50, ReadPhase.DG11: 0.01, ReadPhase.DG12: 0.01, ReadPhase.DG14: 0.02, ReadPhase.DG15: 0.01,
    ReadPhase.CHIP_AUTHENTICATION: 0.04, ReadPhase.ACTIVE_AUTHENTICATION: 0.04,
    ReadPhase.PASSIVE_AUTHENTICATION: 0.02, ReadPhase.DONE: 0.0,
}
_TOTAL = sum(_PHASE_WEIGHT.values()) - _PHASE_WEIGHT[ReadPhase.BAC]  # PACE or BAC, not both


def progress_fraction(event: ReadProgress) -> float:
    """Overall progress 0..1 of a read from one report (phases in their stable order, bytes within files)."""
    if event.phase is ReadPhase.DONE:
        return 1.0
    done = sum(w for p, w in _PHASE_WEIGHT.items() if p < event.phase and p is not ReadPhase.BAC)
    within = event.bytes_read / event.bytes_expected if event.bytes_expected else 0.0
    done += _PHASE_WEIGHT.get(event.phase, 0.0) * min(1.0, within)
    return min(1.0, done / _TOTAL)


class ChipProblem(StrEnum):
    """Why a read did not finish, as the customer can act on it."""

    NO_DOCUMENT = "no_document"        # nothing on the reader (yet)
    REMOVED = "removed"                # lifted mid-read: keep it on the reader and try again
    ACCESS_DENIED = "access_denied"    # the chip refused the MRZ/CAN: misread or mistyped
    UNREADABLE = "unreadable"          # anything else: try again, then ask staff
    REFUSED = "refused"                # the chip broke a read limit (broken or hostile): ask staff, no retry


class ChipStepError(Exception):
    """A read that did not finish; ``problem`` says what the customer can do, ``detail`` is for the log."""

    def __init__(self, problem: ChipProblem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True)
class ChipOutcome:
    """A finished read: the raw result, its verdicts for the policy and the DG2 portrait."""

    result: ChipReadResult
    evidence: ChipEvidence
    portrait_bgr: np.ndarray | None
    portrait_bytes: bytes | None
    portrait_media_type: str
    # What the chip proved, for anyone to re-check (hardware.emrtd.chip_record): kept sealed with the session.
    chip_record: dict[str, Any] | None = None

    def report(self) -> dict[str, Any]:
        """Non-personal summary of the read for the stored session (access method, counts, verdicts)."""
        return {"access_method": self.result.access_method, "apdu_count": self.result.apdu_count,
                "read_s": round(self.result.total_seconds + self.result.link_seconds, 3)}


def classify(error: BaseException) -> ChipProblem:
    """The customer-facing problem behind a reader or chip error."""
    if isinstance(error, CardRemovedError):
        return ChipProblem.REMOVED
    if isinstance(error, AccessControlError):
        return ChipProblem.ACCESS_DENIED
    if isinstance(error, ChipLimitError):
        return ChipProblem.REFUSED
    return ChipProblem.UNREADABLE


def decode_portrait(result: ChipReadResult) -> tuple[np.ndarray | None, bytes | None, str]:
    """The first DG2 face as BGR pixels, its encoded bytes and media type (None when absent or undecodable)."""
    dg2 = result.dg2
    if dg2 is None or not getattr(dg2, "faces", None):
        return None, None, "application/octet-stream"
    face = dg2.face
    media = MEDIA_TYPES.get(face.image_format, "application/octet-stream")
    try:
        rgb = decode_dg2_face(face.image_data)
    except BadImageError:  # unsupported format, over the DG2 limits, or corrupt: kept as evidence, not used
        return None, face.image_data, media
    return np.ascontiguousarray(rgb[:, :, ::-1]), face.image_data, media


def decode_dg2_face(image_data: bytes, limits: InputLimits | None = None) -> np.ndarray:
    """A DG2 portrait's bytes as RGB pixels, by the one image decoder within the DG2 limits.

    Raises ``BadImageError`` (``UnsupportedImageError``, ``ImageTooLargeError``, ``ImageTooComplexError``).
    """
    limits = limits or InputLimits()
    rgb, _ = decode_image(image_data, "the DG2 portrait", limits.dg2_max_bytes, limits.dg2_max_pixels)
    return rgb


def read_chip(connection: Any, key: AccessKey, trust: Any, *,
              progress: Callable[[ReadProgress], None] | None = None,
              method: AccessMethod = AccessMethod.AUTO) -> ChipReadResult:
    """Read ``connection``'s chip and passively authenticate it against ``trust`` (a ``TrustStore``).

    Returns the reader's result, finished or not (a failed read keeps its partial files and redacted
    APDU log). The active-authentication challenge is drawn here, fresh for every read: a relayed or
    replayed answer cannot match it.
    """
    def verify(result: ChipReadResult) -> Any:
        return passive_auth.verify(result.files.get(0x011D), result.data_groups(), trust,
                                   card_security=result.card_security)

    return EmrtdReader(connection, key, method=method, progress=progress, aa_challenge=os.urandom(8),
                       passive_auth=verify).read()


def read_document(connection: Any, key: AccessKey, trust: Any, *,
                  progress: Callable[[ReadProgress], None] | None = None,
                  method: AccessMethod = AccessMethod.AUTO) -> ChipOutcome:
    """Read and check the document on ``connection`` (``read_chip``), then close it; raises
    ``ChipStepError`` when the read did not finish."""
    try:
        result = read_chip(connection, key, trust, progress=progress, method=method)
    except (EmrtdError, HardwareError) as exc:
        raise ChipStepError(classify(exc), f"{type(exc).__name__}: {exc}") from exc
    finally:
        try:
            connection.close()
        except Exception:  # closing a reader that vanished must not hide the read's own outcome
            pass
    if not result.ok:
        error = result.error or EmrtdError("read incomplete")
        phase = result.failed_phase.name.lower() if result.failed_phase else "unknown"
        raise ChipStepError(classify(error), f"{type(error).__name__} in phase {phase}: {error}")
    portrait, raw, media = decode_portrait(result)
    return ChipOutcome(result, chip_evidence(result, key), portrait, raw, media, build_chip_record(result, trust))


def _auth_dict(value: Any) -> Any:
    """A chip- or active-authentication verdict as JSON (its scalar fields)."""
    if value is None:
        return None
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__
                if isinstance(getattr(value, name), (bool, int, float, str)) or getattr(value, name) is None}
    return str(value)


def read_report(result: ChipReadResult, source: str, files: dict[str, int] | None = None,
                portrait: str | None = None) -> dict[str, Any]:
    """The read as a report: verdicts, sizes, timings; never MRZ text or chip bytes (``kiosk passport read``,
    and anything else that shows a read to an operator)."""
    from hardware.emrtd.reader import phase_table

    pa = result.passive_authentication
    error = None
    if not result.ok:
        error = {"phase": result.failed_phase.name.lower() if result.failed_phase else None,
                 "type": type(result.error).__name__, "message": str(result.error)}
    return {
        "source": source, "read_complete": result.ok, "error": error, "access_method": result.access_method,
        "files": files or {}, "portrait": portrait,
        "passive_authentication": pa.to_dict() if pa is not None else None,
        "chip_authentication": _auth_dict(result.chip_authentication),
        "active_authentication": _auth_dict(result.active_authentication),
        "phases_s": phase_table(result), "total_s": round(result.total_seconds + result.link_seconds, 6),
        "apdu_count": result.apdu_count, "chunk_sizes": sorted(set(result.chunk_sizes)), "notes": list(result.notes),
    }


def record_document_check(data_dir: Any, result: ChipReadResult, key: AccessKey, started_at: Any,
                          trust: Any = None) -> dict[str, Any]:
    """Decide on the chip evidence alone and record a ``document_check`` session (a document checked without
    a face, e.g. at a counter), with its chip record (``trust``: the store that decided, for the record's
    fingerprints); returns the session id and the decision."""
    from storage import ImageEvidence

    from kiosk.evidence import Evidence
    from kiosk.policy import PolicyConfig, decide
    from kiosk.recording import record

    policy = PolicyConfig()
    evidence = Evidence(chip=chip_evidence(result, key))
    decision = decide(evidence, policy)
    images = []
    if result.dg2 is not None and result.dg2.faces:
        face = result.dg2.face
        images.append(ImageEvidence("dg2", face.image_data, MEDIA_TYPES.get(face.image_format, "application/octet-stream")))
    chip_report = {"access_method": result.access_method, "apdu_count": result.apdu_count}
    session_id = record(data_dir, mode="document_check", started_at=started_at, evidence=evidence,
                        decision=decision, policy=policy, chip_report=chip_report, images=images, dg1=result.dg1,
                        chip_record=build_chip_record(result, trust) if result.sod is not None else None)
    return {"session_id": session_id, **decision.to_dict()}
