"""``kiosk review show``: one case as text or JSON, with what the window's case screen shows in words:
outcome, reasons with their sentences, chip verdicts, liveness lines (passed / flagged), the match verdict
and score rounded as the kiosk shows it, the identity line as the window shows it to a reviewer, the
history and reviews. Never image bytes: only which images are stored."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from kiosk.console.case import CaseFile
from kiosk.console.case_text import liveness_lines, match_lines, mrz_date, score_text

STATE = {"pending": "waiting for review", "reviewed": "reviewed", "none": "not flagged"}
CHIP_MARK = {True: "passed", False: "FAILED", None: "not checked"}


def _identity(case: CaseFile, now: dt.datetime) -> dict[str, str] | None:
    """The identity fields the window's case screen shows (no document number, no sex)."""
    ident = case.detail.identity
    if ident is None:
        return None
    return {"surname": ident.surname, "given_names": ident.given_names, "nationality": ident.nationality or "-",
            "born": mrz_date(ident.birth_date, now, past=True),
            "document_expires": mrz_date(ident.expiry_date, now, past=False)}


def _images(case: CaseFile) -> str:
    counts = Counter(case.image_kinds)
    return ", ".join(f"{k} x{n}" if n > 1 else k for k, n in counts.items()) or "none"


def case_json(case: CaseFile, now: dt.datetime | None = None) -> dict[str, Any]:
    """The case as JSON: numbers rounded as the kiosk shows them, no image data."""
    now = now or dt.datetime.now(dt.timezone.utc)
    s, m = case.summary, case.match
    return {
        "session_id": s.session_id, "kiosk_id": s.kiosk_id, "mode": s.mode, "decided_at": s.decided_at.isoformat(),
        "outcome": s.outcome, "review_state": s.review_state, "final_outcome": s.final_outcome,
        "integrity_problem": s.integrity_problem, "identity": _identity(case, now),
        "reasons": [{"code": c, "text": text, "detail": detail} for c, text, detail in case.reasons],
        "match": {"verdict": m.verdict, "score": None if m.score is None else float(score_text(m.score)),
                  "review_from": float(score_text(m.review)), "accept_from": float(score_text(m.accept))},
        "chip": [{"check": name, "passed": ok, "words": words} for name, ok, words, _ in case.chip],
        "liveness": [line.render().strip() for line in liveness_lines(case)],
        "same_document": [{"decided_at": o.decided_at.isoformat(), "outcome": o.outcome, "kiosk_id": o.kiosk_id}
                          for o in case.same_document],
        "duplicates": [{"session_id": h.session_id, "similarity": float(score_text(h.score))}
                       for h in case.duplicates if h.is_duplicate],
        "assisted_by": case.assisted_by,
        "reviews": [{"at": r.reviewed_at.isoformat(), "operator": r.operator, "verdict": r.verdict, "note": r.note}
                    for r in case.detail.reviews],
        "images_stored": list(case.image_kinds),
    }


def case_text(case: CaseFile, now: dt.datetime) -> str:
    """The case for a terminal, in the window's order."""
    s = case.summary
    state = STATE.get(s.review_state, s.review_state) + (f": {s.final_outcome.upper()}" if s.final_outcome else "")
    out = [f"Case {s.session_id}",
           f"{s.kiosk_id}, {s.mode} mode  \u00b7  decided {s.decided_at:%Y-%m-%d %H:%M} UTC "
           f"({(now - s.decided_at).total_seconds() / 3600:.1f} h ago)  \u00b7  kiosk decision {s.outcome.upper()}"
           f"  \u00b7  {state}"]
    ident = _identity(case, now)
    out.append(f"{ident['surname']}, {ident['given_names']}  \u00b7  nationality {ident['nationality']}  \u00b7  "
               f"born {ident['born']}  \u00b7  document expires {ident['document_expires']}"
               if ident else "No identity data (no chip read).")
    if s.integrity_problem:
        out.append(f"Integrity problem: {s.integrity_problem}. Do not act on this case; call a supervisor.")
    out += ["", "Why this case is here:"]
    out += [f"  - {code}: {text}" + (f"\n      ({detail})" if detail else "") for code, text, detail in case.reasons]
    if not case.reasons:
        out.append("  No reasons recorded.")
    out += ["", "Face match: " + "".join(line.render() for line in match_lines(case)), "", "Passport chip:"]
    out += [f"  {name}: {CHIP_MARK[ok]} - {words}" for name, ok, words, _ in case.chip]
    out += ["", "Liveness:"] + ["  " + line.render() for line in liveness_lines(case)]
    out += ["", f"Earlier sessions of this document: {len(case.same_document) or 'none'}"]
    out += [f"  {o.decided_at:%Y-%m-%d %H:%M}  {o.outcome.upper()}  {o.kiosk_id}" for o in case.same_document[:4]]
    dups = [h for h in case.duplicates if h.is_duplicate]
    out.append(f"Same face with another document (1:N): {len(dups) or 'none'}")
    out += [f"  {h.session_id[:12]}  similarity {score_text(h.score)}" for h in dups[:3]]
    if case.assisted_by:
        out.append(f"Clerk of this assisted session: {case.assisted_by}")
    out.append("Reviews:" if case.detail.reviews else "Reviews: none yet")
    out += [f"  {r.reviewed_at:%Y-%m-%d %H:%M} {r.operator}: {r.verdict} - {r.note or ''}" for r in case.detail.reviews]
    out += ["", f"Images stored: {_images(case)} (not shown on a terminal: open the case in the console window)"]
    return "\n".join(out)
