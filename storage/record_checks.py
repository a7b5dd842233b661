"""Checks on a :class:`SessionRecord` before anything of it is stored: types, outcomes, time zones,
and a data-minimisation guard against personal data in the clear JSON fields."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

import numpy as np

from storage.errors import StorageInputError
from storage.records import (
    CHIP_RECORD_KIND,
    IMAGE_KINDS,
    OUTCOMES,
    BankMembership,
    DecisionInput,
    IdentityFields,
    ImageEvidence,
    SessionRecord,
    TemplateEvidence,
)


def check_aware(name: str, value: datetime) -> None:
    """Refuse a naive or non-datetime value (every stored time is aware UTC)."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise StorageInputError(f"{name} must be a timezone-aware datetime")


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _check_no_personal_text(rec: SessionRecord) -> None:
    """Refuse clear JSON that carries the document number, the birth date or a person's name
    (data minimisation guard against e.g. a DG1 dump in the chip report).

    It must not refuse a real session by coincidence (a surname "Pace" beside the access method
    "PACE"), so one name word alone is not enough: it takes the document number (6+ characters, as a
    substring), a birth date written with separators, or two different words of the person's names
    appearing as whole words.
    """
    clear = json.dumps([rec.chip, rec.checks, rec.model_versions, list(rec.decision.reasons), rec.mode,
                        rec.kiosk_id, rec.config_hash], default=str, ensure_ascii=False).lower()
    words = set(_TOKEN.findall(clear))
    found = False
    if rec.document_number:
        number = "".join(_TOKEN.findall(rec.document_number.lower()))
        found |= len(number) >= 6 and (number in clear or number in "".join(_TOKEN.findall(clear)))
    if rec.identity is not None:
        birth = (rec.identity.birth_date or "").strip().lower()
        found |= len(birth) >= 8 and not birth.isdigit() and birth in clear
        name_words = {w for w in _TOKEN.findall(f"{rec.identity.surname} {rec.identity.given_names}".lower())
                      if len(w) >= 3}
        found |= len(name_words & words) >= 2
    if found:
        raise StorageInputError(
            "personal data (names, birth date or the document number) appears in clear evidence fields; "
            "put it in SessionRecord.identity / document_number, which are encrypted or hashed"
        )


def template_bytes(vector: Any) -> tuple[bytes, int]:
    """A template as little-endian float32 bytes and its dimension; refuses non-finite or non-1-D input."""
    try:
        arr = np.asarray(vector, dtype="<f4")
    except (TypeError, ValueError) as exc:
        raise StorageInputError("a template must be a sequence of numbers") from exc
    if arr.ndim != 1 or arr.size == 0 or arr.size > 4096 or not np.all(np.isfinite(arr)):
        raise StorageInputError("a template must be a 1-D finite float vector of 1..4096 values")
    return arr.tobytes(), int(arr.size)


def normalise_record(rec: SessionRecord) -> SessionRecord:
    """Outcome in lower case and reasons as plain strings, so str-Enums from the policy
    (``Outcome.ACCEPT``, ``Reason.FACE_MISMATCH``) are stored as their values."""
    if not isinstance(rec, SessionRecord) or not isinstance(rec.decision, DecisionInput):
        raise StorageInputError("record_session takes a SessionRecord with a DecisionInput")
    d = rec.decision
    outcome = str(getattr(d.outcome, "value", d.outcome)).lower()
    try:
        reasons = tuple(str(getattr(r, "value", r)) for r in d.reasons)
    except TypeError as exc:
        raise StorageInputError("decision reasons must be a sequence of reason codes") from exc
    return replace(rec, decision=DecisionInput(outcome, reasons, d.policy_version))  # type: ignore[arg-type]


def validate_record(rec: SessionRecord) -> None:
    if rec.identity is not None and not isinstance(rec.identity, IdentityFields):
        raise StorageInputError("identity must be an IdentityFields")
    if rec.bank is not None and not (isinstance(rec.bank, BankMembership)
                                     and isinstance(rec.bank.owner, str) and 0 < len(rec.bank.owner) <= 64
                                     and isinstance(rec.bank.list_name, str) and 0 < len(rec.bank.list_name) <= 40):
        raise StorageInputError("bank must be a BankMembership with an owner of 1-64 and a list name of 1-40 "
                                "characters (stored in clear: no personal data)")
    if not all(isinstance(i, ImageEvidence) for i in rec.images) or \
            not all(isinstance(t, TemplateEvidence) for t in rec.templates):
        raise StorageInputError("images must be ImageEvidence and templates TemplateEvidence values")
    for name in ("chip", "checks", "model_versions"):
        try:
            json.dumps(dict(getattr(rec, name)), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StorageInputError(f"{name} must hold plain JSON values (numbers, strings, lists, dicts)") from exc
    if rec.decision.outcome not in OUTCOMES:
        raise StorageInputError(f"decision outcome must be one of {OUTCOMES}, not {rec.decision.outcome!r}")
    if not rec.kiosk_id or not rec.mode or not rec.decision.policy_version:
        raise StorageInputError("kiosk_id, mode and decision.policy_version are required")
    if not all(isinstance(r, str) and r for r in rec.decision.reasons):
        raise StorageInputError("reason codes must be non-empty strings")
    check_aware("started_at", rec.started_at)
    check_aware("ended_at", rec.ended_at)
    if (rec.document_number is None) != (rec.issuing_state is None):
        raise StorageInputError("document_number and issuing_state go together (both or neither)")
    for img in rec.images:
        if img.kind not in IMAGE_KINDS:
            raise StorageInputError(f"image kind must be one of {IMAGE_KINDS}, not {img.kind!r}")
        if not isinstance(img.data, (bytes, bytearray)) or not img.data:
            raise StorageInputError("image data must be non-empty bytes")
    if sum(1 for img in rec.images if img.kind == CHIP_RECORD_KIND) > 1:
        raise StorageInputError("a session keeps at most one chip record")
    if rec.templates and rec.document_number is None:
        raise StorageInputError("templates need the document (its keyed hash groups them per identity)")
    _check_no_personal_text(rec)
