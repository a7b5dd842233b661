"""Response models: the answer of every endpoint, and the one error envelope.

The routers declare these as their ``response_model``, so FastAPI both documents and enforces them: an
answer that does not fit is a server bug (a 500 the tests and Schemathesis see), never a silent drift of
the contract. Parts that are reports of the engine (quality measures, challenge evidence, passive-liveness
evidence) are typed objects with their documented keys, open to additions (``extra="allow"``).
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """An engine report: the keys listed are always there; later versions may add more."""

    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------------------------------------- errors
class ErrorDetail(_Open):
    """What went wrong: ``code`` is stable and machine-readable, ``message`` is for a person (no personal data)."""

    code: str = Field(description="stable error code (README, 'Error codes')", examples=["invalid_field"])
    message: str = Field(examples=["image2: Field required"])
    request_id: str = Field(description="also in the X-Request-ID header", examples=["3f2a9c0d5e6b4a1f"])


class ErrorEnvelope(_Out):
    """Every error answer: ``{"error": {"code", "message", "request_id"}}`` (409 ``duplicate_identity`` adds the
    caller's own ``identity_id`` and ``score``)."""

    error: ErrorDetail


# ---------------------------------------------------------------------------------------------- service
class Health(_Out):
    """The service is up."""

    status: Literal["ok"]
    workers: int
    pending: int


class Info(_Open):
    """Models, policy, liveness model, thresholds (1:1 and 1:N), package versions."""

    models: list[dict[str, Any]]
    policy: dict[str, Any]
    liveness: dict[str, Any]
    versions: dict[str, Any]
    thresholds: dict[str, Any] = Field(description="'1:1' (compare, identity verify, verify) and '1:N' (identify, "
                                                   "duplicate refusal), and why 1:N is stricter")


# ---------------------------------------------------------------------------------------------- 1:1
class QualityMeasure(_Open):
    """One measure of the quality gate."""

    name: str
    value: float | None
    low: float | None
    high: float | None
    passed: bool
    hint: str | None


class QualityReportOut(_Open):
    """The quality gate's full report."""

    context: str
    passed: bool
    score: float
    hints: list[str]
    measures: list[QualityMeasure]
    skipped: list[str]


class Quality(_Out):
    """``POST /v1/quality``."""

    face_found: bool
    faces: int
    passed: bool
    score: float
    hints: list[str] = Field(description="what the customer should change, most important first")
    report: QualityReportOut


class Thresholds11(_Out):
    """The policy's 1:1 thresholds."""

    match_accept: float
    match_review: float


class Comparison(_Out):
    """``POST /v1/compare`` and ``POST /v1/identities/{id}/verify``: cosine, band by the 1:1 thresholds."""

    score: float = Field(description="cosine of the two SFace embeddings, -1..1")
    band: Literal["match", "borderline", "mismatch"]
    reference_kind: Literal["image", "dg2", "identity"]
    thresholds: Thresholds11
    threshold_kind: Literal["1:1"]
    model: str
    identity_id: str | None = Field(None, description="the enrolled identity compared with (identity verify only)")


# ---------------------------------------------------------------------------------------------- challenges
class StepOut(_Out):
    """One step to perform."""

    action: str = Field(examples=["turn_left"])
    target: list[float] | None = Field(description="nose target for nose_to_target: [x, y] in normalised "
                                                   "camera-image coordinates (x right, y down, not mirrored)")
    prompt: str = Field(description="the kiosk's text for the step, in the answer's language",
                        examples=["Turn your head to your left"])
    time_limit_s: float = Field(description="seconds allowed for the step, from when it is shown")


class Coordinates(_Out):
    """How to read and draw the targets."""

    space: str
    mirrored_preview: str
    customer_left: str


class NewChallenge(_Out):
    """``POST /v1/challenges``."""

    challenge_id: str
    nonce: str
    steps: list[StepOut]
    language: Literal["en", "de"] = Field(description="language of the prompts (from Accept-Language)")
    coordinates: Coordinates
    issued_at: str = Field(description="ISO 8601, UTC")
    expires_at: str = Field(description="ISO 8601, UTC")
    ttl_s: float = Field(description="seconds from issue to expiry, as granted")
    frame_size_hint: list[int]
    max_frames: int


class PassiveOut(_Out):
    """Passive-liveness evidence of the images."""

    score: float = Field(description="higher = more likely an attack")
    threshold: float
    attack_suspected: bool = Field(description="score >= threshold")
    method: str = Field(description="fusion (a calibrated site model) or antispoof_only")


class SingleImageLiveness(_Out):
    """``POST /v1/liveness``: a passive score, never a decision."""

    decision_grade: Literal[False] = Field(description="always false: one image is never enough to accept "
                                                       "(a printed photo or a screen can pass a passive model); "
                                                       "use a challenge and /v1/verify to decide")
    passive: PassiveOut
    quality: QualityReportOut = Field(description="the quality report of the first image with a face")
    images: int
    images_with_face: int
    note: str


class FindingOut(_Out):
    """A reason with its severity and a factual detail."""

    code: str
    severity: str
    detail: str


class Liveness(_Out):
    """``POST /v1/challenges/{id}/frames``."""

    challenge_id: str
    live: bool = Field(description="the challenge passed and nothing rejects; never true for a flash-less upload "
                                   "(REMOTE_NO_FLASH) unless the key has upload_accept")
    review: bool = Field(description="a liveness reason asks a person to look (e.g. REMOTE_NO_FLASH)")
    reasons: list[str]
    findings: list[FindingOut]
    challenge: dict[str, Any] = Field(description="per-step evidence (passed, times, frames held)")
    planar_motion: bool | None
    passive: dict[str, Any] | None = Field(description="passive-liveness evidence (score, threshold, method)")
    quality_passed: bool | None
    frames: int


class VerifyEvidence(_Out):
    """The evidence behind a verification."""

    challenge_passed: bool | None
    challenge_failure: str | None
    planar_motion: bool | None
    passive_score: float | None
    match_score: float | None
    quality_passed: bool | None
    frames: int
    images_recorded: int


class Verification(_Out):
    """``POST /v1/verify``: the decision, recorded as a session."""

    session_id: str
    decision: Literal["ACCEPT", "REVIEW", "REJECT"]
    reasons: list[str]
    findings: list[FindingOut]
    policy_version: str
    evidence: VerifyEvidence


# ---------------------------------------------------------------------------------------------- face bank
class Enrolled(_Out):
    """``POST /v1/identities``."""

    identity_id: str
    list: str


class IdentityOut(_Out):
    """One enrolled identity."""

    identity_id: str
    list: str
    label: str | None
    enrolled_at: str = Field(description="ISO 8601, UTC")
    templates: int
    images: int


class IdentityPage(_Out):
    """``GET /v1/identities?list=``."""

    list: str
    total: int
    offset: int
    limit: int
    identities: list[IdentityOut]


class Candidate(_Out):
    """One identity found by a 1:N search."""

    identity_id: str
    label: str | None
    score: float
    is_match: bool = Field(description="score >= the 1:N threshold")


class Identification(_Out):
    """``POST /v1/identify``."""

    list: str
    threshold: float
    threshold_kind: Literal["1:N"]
    candidates: list[Candidate]


class Withdrawn(_Out):
    """``DELETE /v1/identities/{id}``."""

    identity_id: str
    deleted: bool


# ---------------------------------------------------------------------------------------------- sessions
class SessionImage(_Out):
    """One stored image of a session."""

    image_id: str
    kind: str = Field(description="dg2 (chip portrait), portrait (a document photo), live, audit_frame")
    media_type: str
    size: int
    data_base64: str | None = Field(None, description="only with images=true and the 'images' scope")


class SessionOut(_Out):
    """``GET /v1/sessions/{id}``."""

    session_id: str
    mode: str
    started_at: str
    decided_at: str
    decision: str
    reasons: list[str]
    review_state: str
    final_decision: str | None
    images: list[SessionImage]
