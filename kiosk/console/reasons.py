"""Reason codes in plain language for the reviewer (English source; German in ui/i18n/console_de.ts,
context ``Reason``), and the chip verdicts in words."""
from __future__ import annotations

from typing import Any

from kiosk.policy import Reason

# One sentence per code: what happened, in words a back-office reviewer uses.
REASON_TEXT: dict[str, str] = {
    Reason.CHIP_NOT_READ: "The passport chip could not be read completely.",
    Reason.CHIP_PA_FAILED: "The chip's data is not signed correctly: it may have been altered.",
    Reason.CHIP_CSCA_UNKNOWN: "The issuing country's certificate is not in the trust store.",
    Reason.CHIP_REVOKED: "The document signer's certificate has been revoked.",
    Reason.CHIP_REVOCATION_UNKNOWN: "The revocation list for this issuer is out of date or not trusted.",
    Reason.CHIP_CLONE_SUSPECTED: "The chip failed its authenticity check: it may be a cloned chip.",
    Reason.CHIP_AUTH_NOT_PERFORMED: "The chip offers no authenticity check (neither chip nor active authentication).",
    Reason.CHIP_KNOWN_DEVIATION: "The issuer has published a known fault for this document (deviation list): check it by hand.",
    Reason.MRZ_MISMATCH: "The data on the chip differs from the printed data page.",
    Reason.DOCUMENT_EXPIRED: "The document has expired.",
    Reason.PORTRAIT_MISSING: "The chip holds no portrait.",
    Reason.PORTRAIT_QUALITY_LOW: "The chip's portrait is of low quality and the match is not conclusive.",
    Reason.FACE_NOT_FOUND: "No usable face was seen by the camera.",
    Reason.MULTIPLE_FACES: "More than one face was in front of the camera.",
    Reason.QUALITY_TOO_LOW: "The live photo did not pass the quality checks.",
    Reason.LIVENESS_CHALLENGE_FAILED: "The customer did not follow the movement prompts.",
    Reason.LIVENESS_NOT_PERFORMED: "The movement check did not run.",
    Reason.PAD_SUSPECTED_PRINT: "The face moved like a flat photo: possibly a printed picture.",
    Reason.PAD_SUSPECTED_REPLAY: "Signs of a video played on a screen.",
    Reason.PAD_PASSIVE_HIGH: "The liveness model scored the face as likely not live.",
    Reason.FLASH_CHALLENGE_FAILED: "The face did not reflect the screen's colour flashes.",
    Reason.REMOTE_NO_FLASH: "Remote session sent as uploaded frames, without the colour-flash check: "
                            "a recorded or animated video could pass it.",
    Reason.REMOTE_INJECTION_SUSPECTED: "The remote camera looked like injected video (a virtual camera, or the "
                                       "picture size changed).",
    Reason.FACE_MISMATCH: "The live face does not match the passport portrait.",
    Reason.FACE_MATCH_BORDERLINE: "The live face and the passport portrait are similar, but not clearly the same person.",
    Reason.DUPLICATE_IDENTITY: "This face was seen before with another document.",
    Reason.ATTEMPT_LIMIT: "Too many failed attempts for this document or kiosk.",
    Reason.HELP_REQUESTED: "The customer asked for help: staff completes the check.",
    Reason.FLASH_DECLINED: "The customer declined the screen flash, so the colour-flash check did not run.",
    Reason.CHALLENGE_WITHOUT_HEAD_MOVEMENT: "The customer chose a challenge without head movement (blinks and "
                                            "moving closer: fewer possible sequences).",
}


def reason_text(code: str) -> str:
    """The English sentence for ``code`` (an unknown code is shown as itself, never hidden)."""
    return REASON_TEXT.get(code, f"Reason code {code}")


def _verdict(value: Any) -> bool | None:
    if value in (True, "passed", "valid"):
        return True
    if value in (False, "failed", "invalid"):
        return False
    return None


def chip_verdicts(chip: dict[str, Any]) -> list[tuple[str, bool | None, str, dict[str, Any]]]:
    """(check, passed or None when it did not run, words, detail fields) for PA, CA/AA, MRZ and expiry."""
    pa_ok = _verdict(chip.get("passive_auth_passed"))
    pa_detail = {k: chip.get(k) for k in ("signature", "chain", "hashes_ok", "revocation") if k in chip}
    pa_words = {True: "Genuine: signed by the issuing country, data unchanged",
                False: "Failed: the chip's data or its signature is not valid",
                None: "Not checked"}[pa_ok]
    if pa_ok is False and chip.get("signature") == "valid" and chip.get("hashes_ok") and chip.get("chain") != "valid":
        # Signed and unchanged, but the signer does not chain to a trusted country certificate.
        pa_ok, pa_words = None, "Incomplete: data signed and unchanged, but the issuing country's certificate is unknown"
    ca, aa = _verdict(chip.get("chip_authentication")), _verdict(chip.get("active_authentication"))
    if ca is False or aa is False:
        auth, auth_words = False, "Failed: the chip could not prove it is the original"
    elif ca or aa:
        auth, auth_words = True, "Passed: the chip proved it is the original (not a copy)"
    else:
        auth, auth_words = None, "Not offered by this chip"
    mrz = _verdict(chip.get("mrz_matches_dg1"))
    mrz_words = {True: "The chip's data equals the printed data page", False: "The chip's data differs from the page",
                 None: "Not compared"}[mrz]
    expired = chip.get("document_expired")
    exp_ok = None if expired is None else not expired
    exp_words = {True: "Valid (not expired)", False: "Expired", None: "Unknown"}[exp_ok]
    return [
        ("Passive authentication", pa_ok, pa_words, pa_detail),
        ("Chip / active authentication", auth, auth_words,
         {"chip_authentication": chip.get("chip_authentication"), "active_authentication": chip.get("active_authentication")}),
        ("Chip data equals data page", mrz, mrz_words, {"mrz_matches_dg1": chip.get("mrz_matches_dg1")}),
        ("Expiry", exp_ok, exp_words, {"document_expired": expired}),
    ]
