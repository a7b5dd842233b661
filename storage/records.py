"""Plain values that cross the storage boundary: what the kiosk hands in to record a session, and
what the operator review screen reads back. Frozen dataclasses, no ORM objects leak out.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np

Outcome = Literal["accept", "review", "reject"]
OUTCOMES: tuple[str, ...] = ("accept", "review", "reject")
IMAGE_KINDS: tuple[str, ...] = ("dg2", "portrait", "live", "audit_frame", "chip_record")
# Evidence kept in the blob store like an image but not a picture: the session's chip record (JSON, see
# kiosk.chip_evidence.session_chip_record). Listed apart from the images a screen shows (SessionDetail).
CHIP_RECORD_KIND = "chip_record"
CHIP_RECORD_MEDIA_TYPE = "application/json"
ROLES: tuple[str, ...] = ("operator", "supervisor", "admin")


@dataclass(frozen=True)
class IdentityFields:
    """Personal fields from DG1 kept for the review screen; stored only encrypted (AES-GCM).

    The document number is deliberately absent: it is only ever stored as a keyed hash.
    """

    surname: str
    given_names: str
    birth_date: str | None = None
    sex: str | None = None
    nationality: str | None = None
    expiry_date: str | None = None
    document_type: str | None = None


@dataclass(frozen=True)
class ImageEvidence:
    """One evidence image as encoded bytes (JPEG, PNG, JPEG 2000); encrypted before it touches disk."""

    kind: str  # one of IMAGE_KINDS: "dg2" chip portrait, "portrait" a document photo (API), "live" best frame,
    # "audit_frame", or "chip_record" (not a picture: the session's sealed chip record, JSON)
    data: bytes
    media_type: str  # e.g. "image/jpeg", "image/png", "image/jp2"


@dataclass(frozen=True)
class TemplateEvidence:
    """A face template (embedding) kept encrypted for 1:N duplicate search."""

    kind: str  # "live" or "dg2"
    vector: Sequence[float] | np.ndarray


@dataclass(frozen=True)
class BankMembership:
    """The face-bank list a session is enrolled in (``SessionRecord.bank``; ``kiosk.facebank``)."""

    owner: str  # "api:<key id>" or "site"
    list_name: str


@dataclass(frozen=True)
class DecisionInput:
    """The policy's decision for a session."""

    outcome: Outcome
    reasons: tuple[str, ...]
    policy_version: str


@dataclass(frozen=True)
class SessionRecord:
    """Everything about one finished session, handed to :meth:`DecisionLog.record_session`.

    ``chip``, ``checks`` and ``model_versions`` are stored as clear JSON and must hold verdicts and
    scores only (access method, PA/CA/AA verdicts, quality/challenge/liveness/match results, model
    ids): the repository refuses them when they contain a name or the document number.
    """

    kiosk_id: str
    mode: str
    started_at: datetime
    ended_at: datetime
    decision: DecisionInput
    issuing_state: str | None = None
    document_number: str | None = None
    identity: IdentityFields | None = None
    chip: Mapping[str, Any] = field(default_factory=dict)
    checks: Mapping[str, Any] = field(default_factory=dict)
    model_versions: Mapping[str, str] = field(default_factory=dict)
    config_hash: str = ""
    images: Sequence[ImageEvidence] = ()
    templates: Sequence[TemplateEvidence] = ()
    counts_as_failure: bool | None = None  # None: a "reject" counts against the attempt limits
    bank: BankMembership | None = None  # a face-bank identity: indexed in its list (storage.bank_lists)


@dataclass(frozen=True)
class RecordedSession:
    """What :meth:`DecisionLog.record_session` committed."""

    session_id: str
    decision_id: str
    audit_seq: int
    image_ids: tuple[str, ...]
    document_key: str | None
    bank_generation: int | None = None  # the list's generation this enrolment raised it to (SessionRecord.bank)


@dataclass(frozen=True)
class SessionSummary:
    """A row of the review list: no personal data, no decryption needed."""

    session_id: str
    decision_id: str
    kiosk_id: str
    mode: str
    started_at: datetime
    ended_at: datetime
    outcome: str
    reasons: tuple[str, ...]
    decided_at: datetime
    review_state: str  # "none" | "pending" | "reviewed"
    final_outcome: str | None
    document_key: str | None
    # None when the session and decision rows carry valid seals; else what is wrong (show it, do not act on it).
    integrity_problem: str | None = None


@dataclass(frozen=True)
class ImageInfo:
    """An image's metadata; fetch its bytes with :meth:`DecisionLog.load_image`."""

    image_id: str
    kind: str
    media_type: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class ReviewInfo:
    """One operator review of a session (note decrypted)."""

    review_id: str
    operator: str
    reviewed_at: datetime
    verdict: str
    note: str | None


@dataclass(frozen=True)
class SessionDetail:
    """Everything the review screen shows for one session (identity decrypted)."""

    summary: SessionSummary
    identity: IdentityFields | None
    chip: dict[str, Any]
    checks: dict[str, Any]
    model_versions: dict[str, Any]
    config_hash: str
    images: tuple[ImageInfo, ...]  # pictures only; the chip record is ``chip_record``
    reviews: tuple[ReviewInfo, ...]
    chip_record: ImageInfo | None = None  # the sealed chip record (kiosk evidence export), when one was kept
