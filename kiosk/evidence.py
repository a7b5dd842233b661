"""Evidence the decision policy reads: plain frozen values, independent of the stages that made them.

``kiosk`` fills these from the chip reader, the face engine and storage; the policy never sees model
objects, images or personal data, only verdicts and scores, so every decision can be re-derived from
the stored evidence.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["valid", "invalid", "unknown"]
Check = Literal["passed", "failed", "not_performed"]


@dataclass(frozen=True)
class ChipEvidence:
    """What the chip read proved."""

    read_ok: bool
    signature: Verdict = "unknown"
    chain: Verdict = "unknown"
    revocation: Literal["valid", "invalid", "unknown", "not_checked"] = "unknown"  # not_checked: no CRL
    hashes_ok: bool = False
    passive_auth_passed: bool = False
    chip_authentication: Check = "not_performed"
    active_authentication: Check = "not_performed"
    mrz_matches_dg1: bool | None = None
    document_expired: bool = False
    portrait_present: bool = False
    # ICAO deviation types (OIDs) the issuer's signed deviation list names for this document
    known_deviations: tuple[str, ...] = ()


@dataclass(frozen=True)
class FaceEvidence:
    """What the live capture showed. ``None`` means the check did not run."""

    face_found: bool
    max_faces_seen: int = 0
    quality_passed: bool | None = None
    quality_failures: tuple[str, ...] = ()
    challenge_passed: bool | None = None
    challenge_failure: str | None = None
    planar_motion: bool | None = None  # True: the motion fits one plane (photo or screen)
    passive_score: float | None = None  # higher = more likely an attack
    passive_threshold: float | None = None  # the passive model's own calibrated threshold
    passive_calibrated: bool = False  # a site-trained fusion model scored it (not FaceAntiSpoofing alone)
    passive_attack_hint: Literal["print", "replay"] | None = None
    flash_passed: bool | None = None
    match_score: float | None = None
    portrait_quality_passed: bool | None = None


@dataclass(frozen=True)
class AttemptEvidence:
    """Attempt-limit state for this document and kiosk (from storage)."""

    locked: bool = False
    failures_in_window: int = 0


@dataclass(frozen=True)
class DuplicateEvidence:
    """Best 1:N match of the live face against other identities' templates."""

    best_score: float | None = None


@dataclass(frozen=True)
class AccessEvidence:
    """What the customer chose on the accessible paths (issue 26); each choice is a reason for a person to look.

    ``time_factor`` is how much longer every time limit and each challenge step was allowed (1: standard);
    ``step_timeout_s`` the per-step limit the challenge really used (None: no challenge ran).
    """

    help_requested: bool = False
    flash_declined: bool = False
    head_free_challenge: bool = False
    time_factor: float = 1.0
    step_timeout_s: float | None = None


@dataclass(frozen=True)
class RemoteEvidence:
    """How a remote (integration-API) session's frames reached the server.

    ``path`` "upload": frames or a clip sent whole after the challenge was issued (``/v1/verify``,
    ``/v1/challenges/{id}/frames``), so the client's software knew every step before it rendered a frame and
    no colour flash ran; "stream": frames sent over a WebSocket as captured, steps and flash revealed by the
    server (``kiosk.api.remote``). ``flash_waived``: the site allowed this API key's flash-less sessions to be
    decided without a person (the ``upload_accept`` scope); kept here so the waiver is part of the record.
    ``injection_signals``: what the stream saw of a possible injected camera (``kiosk.api.remote.signals``).
    """

    path: Literal["upload", "stream"]
    flash_waived: bool = False
    injection_signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Everything one session's decision rests on."""

    face: FaceEvidence | None = None  # None: a document-only check (``kiosk passport read``)
    chip: ChipEvidence | None = None  # None: a face-only run (e.g. a portrait file instead of a chip)
    attempts: AttemptEvidence = field(default_factory=AttemptEvidence)
    duplicate: DuplicateEvidence = field(default_factory=DuplicateEvidence)
    access: AccessEvidence = field(default_factory=AccessEvidence)
    remote: RemoteEvidence | None = None  # None: captured by a kiosk's own camera

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)
