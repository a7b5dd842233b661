"""Case assembly: everything the reviewer sees on one screen, gathered off the GUI thread.

Images are decrypted into memory only (decoded to RGB arrays here, JPEG 2000 included) and never
written anywhere; ``load_session`` audits the opening (``session_viewed``: who, when, which case) and
each image read is audited as ``image_viewed``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.errors import BadImageError
from inference.image import InputLimits
from inference.image_decode import decode_image as decode_rgb
from storage.duplicates import DuplicateMatch
from storage.records import SessionDetail, SessionSummary
from storage.store import Storage

from kiosk.console.reasons import chip_verdicts, reason_text
from kiosk.policy import PolicyConfig


@dataclass(frozen=True)
class CaseImage:
    """A decrypted, decoded evidence image (RGB, memory only)."""

    kind: str  # dg2 | live | audit_frame
    rgb: np.ndarray | None  # None when the bytes could not be decoded (``error`` says why)
    error: str | None = None


@dataclass(frozen=True)
class MatchBand:
    """The match score placed against the policy's thresholds."""

    score: float | None
    review: float
    accept: float

    @property
    def verdict(self) -> str:
        """'match', 'borderline', 'no match' or 'not measured'."""
        if self.score is None:
            return "not measured"
        return "match" if self.score >= self.accept else "borderline" if self.score >= self.review else "no match"


@dataclass(frozen=True)
class ChallengeStep:
    """One action of the active challenge."""

    action: str
    passed: bool
    started_s: float | None
    completed_s: float | None
    why_not: str | None


@dataclass(frozen=True)
class CaseFile:
    """One case as the reviewer sees it."""

    detail: SessionDetail
    images: tuple[CaseImage, ...]
    match: MatchBand
    chip: list[tuple[str, bool | None, str, dict[str, Any]]]
    reasons: list[tuple[str, str, str]]  # (code, plain sentence, the policy's detail)
    quality: dict[str, Any]
    challenge_passed: bool | None
    challenge: list[ChallengeStep]
    planarity: dict[str, Any]
    passive: dict[str, Any]
    same_document: tuple[SessionSummary, ...]
    duplicates: tuple[DuplicateMatch, ...]
    assisted_by: str | None
    flash: dict[str, Any] = field(default_factory=dict)
    image_kinds: tuple[str, ...] = ()  # every stored image's kind, also when the images were not read

    @property
    def summary(self) -> SessionSummary:
        """The session's list entry."""
        return self.detail.summary

    def image(self, kind: str) -> CaseImage | None:
        """The first image of ``kind``."""
        return next((i for i in self.images if i.kind == kind), None)

    @property
    def audit_frames(self) -> list[CaseImage]:
        """The frames that prove each challenge step."""
        return [i for i in self.images if i.kind == "audit_frame"]


def decode_image(data: bytes, what: str = "the image", limits: InputLimits | None = None) -> np.ndarray:
    """Encoded image bytes (JPEG, PNG, JPEG 2000 by content) -> RGB uint8 array, in memory.

    The one image decoder, within the image limits: a stored image that is another format, over the
    limits or too costly to decode (a many-scan JPEG) raises ``BadImageError`` instead of holding the
    console for seconds.
    """
    limits = limits or InputLimits()
    rgb, _ = decode_rgb(data, what, limits.image_max_bytes, limits.image_max_pixels)
    return rgb.copy()  # writable, and owned by the case (the decoder's array may be read-only)


def _steps(challenge: dict[str, Any]) -> list[ChallengeStep]:
    out = []
    failure = challenge.get("reason")
    first_failed = True
    for step in challenge.get("steps") or []:
        passed = bool(step.get("passed"))
        why = None
        if not passed:
            # The engine stops at the first step that fails; later ones were never reached.
            why = (challenge.get("detail") or failure or "not passed") if first_failed else "not reached"
            first_failed = False
        out.append(ChallengeStep(str(step.get("action")), passed, step.get("started_t"), step.get("completed_t"), why))
    return out


def assemble_case(st: Storage, session_id: str, actor: str, policy: PolicyConfig | None = None,
                  with_images: bool = True) -> CaseFile:
    """Load, decrypt and lay out one case (audited as opened by ``actor``).

    ``with_images=False`` (a terminal, which shows no images) reads no image at all, so no ``image_viewed``
    is recorded for an image nobody saw; ``CaseFile.image_kinds`` still lists what is stored."""
    policy = policy or PolicyConfig()
    detail = st.decisions.load_session(session_id, actor)
    images = []
    for info in detail.images if with_images else ():
        _, data = st.decisions.load_image(info.image_id, actor)
        try:
            images.append(CaseImage(info.kind, decode_image(data, f"the {info.kind} image")))
        except BadImageError as exc:  # a damaged or refused image is shown as such, the case still opens
            images.append(CaseImage(info.kind, None, f"cannot decode {info.media_type}: {exc}"))
        del data
    checks = detail.checks
    face_session = checks.get("face_session") or {}
    evidence_face = (checks.get("evidence") or {}).get("face") or {}
    score = (face_session.get("match") or {}).get("score", evidence_face.get("match_score"))
    findings = {f.get("code"): f.get("detail", "") for f in checks.get("findings") or [] if isinstance(f, dict)}
    reasons = [(code, reason_text(code), findings.get(code, "")) for code in detail.summary.reasons]
    challenge = face_session.get("challenge") or {}
    same = (tuple(st.queries.same_document(detail.summary.document_key, exclude_session=session_id))
            if detail.summary.document_key else ())
    return CaseFile(
        detail=detail, images=tuple(images),
        match=MatchBand(float(score) if score is not None else None, policy.match_review, policy.match_accept),
        chip=chip_verdicts(detail.chip), reasons=reasons,
        quality=face_session.get("quality") or {}, challenge_passed=challenge.get("passed"),
        challenge=_steps(challenge), planarity=face_session.get("planarity") or {},
        passive=face_session.get("passive") or {}, same_document=same,
        duplicates=tuple(st.duplicates.session_hits(session_id)),
        assisted_by=checks.get("assisted_by") if isinstance(checks.get("assisted_by"), str) else None,
        flash=face_session.get("flash") or {}, image_kinds=tuple(i.kind for i in detail.images))
