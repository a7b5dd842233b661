"""The decision policy: a pure function from evidence to ACCEPT / REVIEW / REJECT with reason codes.

Each rule that fires adds a reason; the configured severity of each reason code ("reject" or "review")
decides the outcome: any reject -> REJECT, else any review -> REVIEW, else ACCEPT. Missing evidence is
never read as success: a check that did not run adds its own reason. Thresholds and severities come
from ``PolicyConfig``; the defaults are argued beside each field.

Two rules interpret evidence rather than count it:
- The DG2 portrait's quality is the issuer's, not the customer's: it matters when the match is not
  conclusive (below ``match_accept``), where it tells the reviewer why; a clear match stands.
- Passive liveness decides only when calibrated for the site's camera (a fusion model trained with
  ``kiosk pad train``). FaceAntiSpoofing alone rejects 52-100% of genuine faces off its home domain
  (DESIGN.md, README): as a finding it would send every customer to review and teach operators to
  ignore the flag. Uncalibrated, its score is kept in the evidence; the active challenge and the
  planarity test carry liveness. ``passive_uncalibrated_review`` restores the flag if a site wants it.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kiosk.evidence import Evidence


class Outcome(str, Enum):
    """The three possible decisions."""

    ACCEPT = "ACCEPT"
    REVIEW = "REVIEW"
    REJECT = "REJECT"


class Reason(str, Enum):
    """Reason codes an operator reads on the review screen (documented in the README)."""

    CHIP_NOT_READ = "CHIP_NOT_READ"
    CHIP_PA_FAILED = "CHIP_PA_FAILED"
    CHIP_CSCA_UNKNOWN = "CHIP_CSCA_UNKNOWN"
    CHIP_REVOKED = "CHIP_REVOKED"
    CHIP_REVOCATION_UNKNOWN = "CHIP_REVOCATION_UNKNOWN"
    CHIP_CLONE_SUSPECTED = "CHIP_CLONE_SUSPECTED"
    CHIP_AUTH_NOT_PERFORMED = "CHIP_AUTH_NOT_PERFORMED"
    CHIP_KNOWN_DEVIATION = "CHIP_KNOWN_DEVIATION"
    MRZ_MISMATCH = "MRZ_MISMATCH"
    DOCUMENT_EXPIRED = "DOCUMENT_EXPIRED"
    PORTRAIT_MISSING = "PORTRAIT_MISSING"
    PORTRAIT_QUALITY_LOW = "PORTRAIT_QUALITY_LOW"
    FACE_NOT_FOUND = "FACE_NOT_FOUND"
    MULTIPLE_FACES = "MULTIPLE_FACES"
    QUALITY_TOO_LOW = "QUALITY_TOO_LOW"
    LIVENESS_CHALLENGE_FAILED = "LIVENESS_CHALLENGE_FAILED"
    LIVENESS_NOT_PERFORMED = "LIVENESS_NOT_PERFORMED"
    PAD_SUSPECTED_PRINT = "PAD_SUSPECTED_PRINT"
    PAD_SUSPECTED_REPLAY = "PAD_SUSPECTED_REPLAY"
    PAD_PASSIVE_HIGH = "PAD_PASSIVE_HIGH"
    FLASH_CHALLENGE_FAILED = "FLASH_CHALLENGE_FAILED"
    REMOTE_NO_FLASH = "REMOTE_NO_FLASH"
    REMOTE_INJECTION_SUSPECTED = "REMOTE_INJECTION_SUSPECTED"
    FACE_MISMATCH = "FACE_MISMATCH"
    FACE_MATCH_BORDERLINE = "FACE_MATCH_BORDERLINE"
    DUPLICATE_IDENTITY = "DUPLICATE_IDENTITY"
    ATTEMPT_LIMIT = "ATTEMPT_LIMIT"
    HELP_REQUESTED = "HELP_REQUESTED"
    FLASH_DECLINED = "FLASH_DECLINED"
    CHALLENGE_WITHOUT_HEAD_MOVEMENT = "CHALLENGE_WITHOUT_HEAD_MOVEMENT"


# The accessible paths (issue 26): a customer who asks for help, declines the screen flash or cannot move their
# head gives weaker liveness evidence, so the session goes to a person; it is never turned away for the choice
# itself (EN 301 549 5.1.6 / WCAG: no operation may depend on one ability), so these can only be "review".
ACCESS_REASONS = frozenset({Reason.HELP_REQUESTED, Reason.FLASH_DECLINED, Reason.CHALLENGE_WITHOUT_HEAD_MOVEMENT})


Severity = Literal["reject", "review"]
# Injection signals of a streamed remote session (``kiosk.api.remote.signals``) that raise
# REMOTE_INJECTION_SUSPECTED; the others (page hidden, frame gaps...) are recorded for the reviewer only.
INJECTION_REVIEW_SIGNALS = frozenset({"virtual_camera", "resolution_changed"})

_DEFAULT_SEVERITY: dict[Reason, Severity] = {
    Reason.CHIP_NOT_READ: "reject",
    Reason.CHIP_PA_FAILED: "reject",
    # A CSCA missing from the trust store is a configuration gap more often than a forgery: a person decides.
    Reason.CHIP_CSCA_UNKNOWN: "review",
    Reason.CHIP_REVOKED: "reject",
    # The issuer's CRL is in the store but out of date (or not signed by the CSCA): a person decides.
    # No CRL at all ("not_checked") is the site's configuration, not a finding.
    Reason.CHIP_REVOCATION_UNKNOWN: "review",
    Reason.CHIP_CLONE_SUSPECTED: "reject",
    # Many older passports have neither CA nor AA: not suspicious alone, but not fully proven either.
    Reason.CHIP_AUTH_NOT_PERFORMED: "review",
    # The issuer's signed deviation list names this document's fault: genuine, but the fault hides what else
    # might be wrong, so a person decides (the fault it names is not a reject).
    Reason.CHIP_KNOWN_DEVIATION: "review",
    Reason.MRZ_MISMATCH: "reject",
    # An expired passport still proves identity for some uses; the bank's rules decide, so a person looks.
    Reason.DOCUMENT_EXPIRED: "review",
    Reason.PORTRAIT_MISSING: "reject",
    Reason.PORTRAIT_QUALITY_LOW: "review",
    Reason.FACE_NOT_FOUND: "reject",
    Reason.MULTIPLE_FACES: "reject",
    Reason.QUALITY_TOO_LOW: "review",
    Reason.LIVENESS_CHALLENGE_FAILED: "reject",
    Reason.LIVENESS_NOT_PERFORMED: "reject",
    Reason.PAD_SUSPECTED_PRINT: "reject",
    Reason.PAD_SUSPECTED_REPLAY: "reject",
    # The passive model is weak off its home domain (DESIGN.md): alone it only asks for a person's eye.
    Reason.PAD_PASSIVE_HIGH: "review",
    # Review, not reject: the flash is on by default, and a genuine face that reflects too little of the screen
    # (measured: `kiosk eval flash`, README) must reach a person, not be turned away; a screen or a puppet
    # still never passes unseen.
    Reason.FLASH_CHALLENGE_FAILED: "review",
    # A remote session whose colour flash did not run (frames or a clip uploaded whole): the client's software
    # knew every step before it rendered a frame, and a live puppet (a photo animated to follow the prompts)
    # passes every other layer (issue 21: 14 of 14 ACCEPT). A person looks unless the site waives it for a key.
    Reason.REMOTE_NO_FLASH: "review",
    # A virtual camera's label or a frame size that changed mid-stream: how injected video reaches a web page,
    # but also what some genuine setups look like (a phone used as a webcam). A person looks.
    Reason.REMOTE_INJECTION_SUSPECTED: "review",
    Reason.FACE_MISMATCH: "reject",
    Reason.FACE_MATCH_BORDERLINE: "review",
    Reason.DUPLICATE_IDENTITY: "review",
    Reason.ATTEMPT_LIMIT: "reject",
    Reason.HELP_REQUESTED: "review",
    Reason.FLASH_DECLINED: "review",
    Reason.CHALLENGE_WITHOUT_HEAD_MOVEMENT: "review",
}


class PolicyConfig(BaseModel):
    """Thresholds and severities of the decision policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match_accept: float = Field(
        0.337, description="SFace cosine at or above which the live face matches the portrait. Default: the "
                           "threshold at FMR 0.1% measured by `kiosk eval match` on LFW View-2 (README).")
    match_review: float = Field(
        0.293, description="Cosine from which a non-match goes to review instead of reject (LFW threshold at "
                           "FMR 1%). Below it the faces are judged different.")
    passive_uncalibrated_review: float | None = Field(
        None, ge=0, le=1, description="If set, an uncalibrated passive score (FaceAntiSpoofing alone) at or above "
                                      "this also raises a finding; None keeps it as evidence only.")
    duplicate_review: float = Field(
        0.337, description="1:N cosine against another identity at or above which the session is reviewed.")
    require_chip_authentication: bool = Field(
        True, description="Treat a chip without CA/AA proof as a reason (CHIP_AUTH_NOT_PERFORMED).")
    require_flash: bool = Field(
        False, description="Require the screen-flash challenge (kiosks whose screen lights the face).")
    severity: dict[Reason, Severity] = Field(
        default_factory=lambda: dict(_DEFAULT_SEVERITY),
        description="Per reason code: 'reject' or 'review'. Codes left out keep their default.")

    @field_validator("severity")
    @classmethod
    def _access_reasons_review(cls, value: dict[Reason, Severity]) -> dict[Reason, Severity]:
        bad = sorted(r.value for r in ACCESS_REASONS if value.get(r, "review") != "review")
        if bad:
            raise ValueError(f"{', '.join(bad)} must stay 'review': a customer who uses an accessible path is "
                             "checked by a person, never turned away for it")
        return value

    def severity_of(self, reason: Reason) -> Severity:
        """Configured severity of ``reason`` (default when not overridden)."""
        return self.severity.get(reason, _DEFAULT_SEVERITY[reason])


@dataclass(frozen=True)
class Finding:
    """One reason with its severity and a short factual detail (no personal data)."""

    code: Reason
    severity: Severity
    detail: str


@dataclass(frozen=True)
class Decision:
    """The outcome and every reason behind it."""

    outcome: Outcome
    findings: tuple[Finding, ...]

    @property
    def reasons(self) -> list[str]:
        """Reason codes in the order found."""
        return [f.code.value for f in self.findings]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"decision": self.outcome.value, "reasons": self.reasons,
                "findings": [{"code": f.code.value, "severity": f.severity, "detail": f.detail} for f in self.findings]}


# ICAO deviation types (9303-12 10.2) that explain a failed passive authentication or an MRZ mismatch;
# kept here as OIDs so the policy stays a pure function of the evidence.
_PA_DEVIATIONS = frozenset({"2.23.136.1.1.7.1.1", "2.23.136.1.1.7.1.2", "2.23.136.1.1.7.2.1",
                            "2.23.136.1.1.7.2.2", "2.23.136.1.1.7.2.3"})
_MRZ_DEVIATIONS = frozenset({"2.23.136.1.1.7.3.1", "2.23.136.1.1.7.3.2"})


def _chip_findings(ev: Evidence, cfg: PolicyConfig) -> list[tuple[Reason, str]]:
    chip = ev.chip
    if chip is None:
        return []
    if not chip.read_ok:
        return [(Reason.CHIP_NOT_READ, "the chip could not be read completely")]
    out: list[tuple[Reason, str]] = []
    listed = set(chip.known_deviations)
    if listed:
        from hardware.emrtd.deviation_list import DEVIATION_NAMES

        out.append((Reason.CHIP_KNOWN_DEVIATION, "the issuer lists a known fault for this document: "
                                                 + ", ".join(DEVIATION_NAMES.get(t, t) for t in sorted(listed))))
    pa_fault_listed = bool(listed & _PA_DEVIATIONS) and chip.chain == "valid"
    if (chip.signature != "valid" or not chip.hashes_ok) and not pa_fault_listed:
        out.append((Reason.CHIP_PA_FAILED, f"SOD signature {chip.signature}, data-group hashes "
                                           f"{'match' if chip.hashes_ok else 'do not match'}"))
    elif chip.chain != "valid":
        out.append((Reason.CHIP_CSCA_UNKNOWN, f"certificate chain {chip.chain}: no trusted CSCA for this DSC"))
    if chip.revocation == "invalid":
        out.append((Reason.CHIP_REVOKED, "the document signer certificate is revoked"))
    elif chip.revocation == "unknown":
        out.append((Reason.CHIP_REVOCATION_UNKNOWN, "the issuer's CRL is out of date or unverifiable"))
    if "failed" in (chip.chip_authentication, chip.active_authentication):
        out.append((Reason.CHIP_CLONE_SUSPECTED, f"chip authentication {chip.chip_authentication}, "
                                                 f"active authentication {chip.active_authentication}"))
    elif cfg.require_chip_authentication and "passed" not in (chip.chip_authentication, chip.active_authentication):
        out.append((Reason.CHIP_AUTH_NOT_PERFORMED, "the chip offered neither chip nor active authentication"))
    if chip.mrz_matches_dg1 is False and not listed & _MRZ_DEVIATIONS:
        out.append((Reason.MRZ_MISMATCH, "DG1 differs from the MRZ that opened the chip"))
    if chip.document_expired:
        out.append((Reason.DOCUMENT_EXPIRED, "the document's expiry date has passed"))
    if not chip.portrait_present:
        out.append((Reason.PORTRAIT_MISSING, "no portrait (DG2) to compare the face with"))
    return out


def _access_findings(ev: Evidence) -> list[tuple[Reason, str]]:
    access = ev.access
    out: list[tuple[Reason, str]] = []
    if access.help_requested:
        out.append((Reason.HELP_REQUESTED, "the customer asked for help: staff completes the check"))
    if access.head_free_challenge:
        out.append((Reason.CHALLENGE_WITHOUT_HEAD_MOVEMENT, "the customer chose a challenge without head movement "
                                                            "(fewer possible sequences)"))
    return out


def _face_findings(ev: Evidence, cfg: PolicyConfig) -> list[tuple[Reason, str]]:
    face = ev.face
    access = ev.access
    out: list[tuple[Reason, str]] = []
    if face is None:
        return out
    if face.max_faces_seen > 1:
        out.append((Reason.MULTIPLE_FACES, f"{face.max_faces_seen} faces seen at once"))
    if not face.face_found:
        out.append((Reason.FACE_NOT_FOUND, "no usable face in the capture"))
        return out
    if face.quality_passed is False:
        out.append((Reason.QUALITY_TOO_LOW, "quality checks failed: " + ", ".join(face.quality_failures[:5])))
    if face.portrait_quality_passed is False and (face.match_score is None or face.match_score < cfg.match_accept):
        out.append((Reason.PORTRAIT_QUALITY_LOW, "the document portrait is of low quality and the match is not "
                                                 "conclusive"))
    if face.challenge_passed is None:
        out.append((Reason.LIVENESS_NOT_PERFORMED, "the active challenge did not run"))
    elif not face.challenge_passed:
        out.append((Reason.LIVENESS_CHALLENGE_FAILED, f"active challenge failed: {face.challenge_failure or 'unknown'}"))
    if face.planar_motion:
        out.append((Reason.PAD_SUSPECTED_PRINT if face.passive_attack_hint != "replay" else Reason.PAD_SUSPECTED_REPLAY,
                    "the face moved like a flat surface (photo or screen)"))
    if face.passive_score is not None:
        if face.passive_calibrated:
            limit = face.passive_threshold
        else:
            limit = cfg.passive_uncalibrated_review
        if limit is not None and face.passive_score >= limit:
            code = {"print": Reason.PAD_SUSPECTED_PRINT, "replay": Reason.PAD_SUSPECTED_REPLAY}.get(
                face.passive_attack_hint or "", Reason.PAD_PASSIVE_HIGH)
            kind = "calibrated" if face.passive_calibrated else "uncalibrated"
            out.append((code, f"{kind} passive liveness score {face.passive_score:.2f} >= {limit:.2f}"))
    if access.flash_declined and face.flash_passed is None:
        out.append((Reason.FLASH_DECLINED, "the customer declined the screen-flash challenge"))
    elif cfg.require_flash and face.flash_passed is not True:
        out.append((Reason.FLASH_CHALLENGE_FAILED, "the face did not reflect the screen's colour sequence"
                    if face.flash_passed is False else "the screen-flash challenge did not run"))
    remote = ev.remote
    if remote is not None and face.flash_passed is None and not remote.flash_waived:
        out.append((Reason.REMOTE_NO_FLASH, f"remote session ({remote.path}) without the colour-flash challenge: "
                                            "a recorded or rendered video cannot be told from a live face"))
    suspicious = sorted(set(remote.injection_signals) & INJECTION_REVIEW_SIGNALS) if remote is not None else []
    if suspicious:
        out.append((Reason.REMOTE_INJECTION_SUSPECTED, "the remote capture looked injected: " + ", ".join(suspicious)))
    if face.match_score is None:
        out.append((Reason.FACE_MISMATCH, "no match score (portrait or live face not enrolled)"))
    elif face.match_score < cfg.match_review:
        out.append((Reason.FACE_MISMATCH, f"match score {face.match_score:.3f} < {cfg.match_review:.3f}"))
    elif face.match_score < cfg.match_accept:
        out.append((Reason.FACE_MATCH_BORDERLINE, f"match score {face.match_score:.3f} between "
                                                  f"{cfg.match_review:.3f} and {cfg.match_accept:.3f}"))
    return out


def decide(evidence: Evidence, config: PolicyConfig | None = None) -> Decision:
    """Decide one session from its evidence."""
    cfg = config or PolicyConfig()
    if evidence.face is None and evidence.chip is None:
        raise ValueError("a decision needs chip or face evidence")
    raw: list[tuple[Reason, str]] = []
    if evidence.attempts.locked:
        raw.append((Reason.ATTEMPT_LIMIT, f"{evidence.attempts.failures_in_window} failed attempts: locked for now"))
    raw += _chip_findings(evidence, cfg)
    raw += _face_findings(evidence, cfg)
    raw += _access_findings(evidence)
    dup = evidence.duplicate.best_score
    if dup is not None and dup >= cfg.duplicate_review:
        raw.append((Reason.DUPLICATE_IDENTITY, f"the face matches another identity (cosine {dup:.3f})"))
    seen: set[Reason] = set()
    findings = []
    for code, detail in raw:
        if code not in seen:
            seen.add(code)
            findings.append(Finding(code, cfg.severity_of(code), detail))
    if any(f.severity == "reject" for f in findings):
        outcome = Outcome.REJECT
    elif findings:
        outcome = Outcome.REVIEW
    else:
        outcome = Outcome.ACCEPT
    return Decision(outcome, tuple(findings))
