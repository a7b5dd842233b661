"""A case in words, shared by the console window and ``kiosk review show``: the match verdict, each
liveness check with "passed" / "flagged" said in words, scores rounded as the kiosk shows them.

Each line is an English template with its arguments. The window translates the template and every
:class:`Word` argument (context ``CaseScreen`` of ``ui/i18n/console_de.ts``) before formatting; the
command line formats them as they are. Numbers arrive here already rounded (:func:`score_text`), so no
screen can print a raw float such as 0.8972170352935791.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.console.case import CaseFile

SCORE_DIGITS = 3  # as the kiosk prints scores (kiosk verify, the demo, the match band)


class Word(str):
    """A word or phrase the window translates; the command line prints it unchanged."""


PASSED, FLAGGED, NOT_RUN = Word("passed"), Word("flagged"), Word("not run")
VERDICT: dict[bool | None, Word] = {True: PASSED, False: FLAGGED, None: NOT_RUN}

MATCH_WORDS: dict[str, Word] = {
    "match": Word("Clear match"), "borderline": Word("Borderline: a person must compare"),
    "no match": Word("Not the same person by the model"), "not measured": Word("Not measured")}
MATCH_SCORE = "  (score {0}; review from {1}, accept from {2})"
QUALITY = "Quality gate: {0} (score {1})"
QUALITY_FAILED = "failed: {0}"
CHALLENGE = "Challenge: {0}"
STEP = "{0}. {1}: {2}{3}"
PLANARITY = "Planarity: {0}, {1} (score {2}, threshold {3})"
PLANAR = {True: Word("moves like a flat photo"), False: Word("moves like a real head")}
PASSIVE = "Passive liveness: {0} (score {1} against {2}, {3})"
FLASH = "Screen-flash check: {0} (correlation {1} against {2})"

# Every template and word the window must find in console_de.ts (a test checks it).
TEMPLATES: tuple[str, ...] = (MATCH_SCORE, QUALITY, QUALITY_FAILED, CHALLENGE, STEP, PLANARITY, PASSIVE, FLASH)
WORDS: tuple[Word, ...] = (PASSED, FLAGGED, NOT_RUN, *MATCH_WORDS.values(), *PLANAR.values())


def score_text(value: Any) -> str:
    """A score as the kiosk shows it (three decimals), ``-`` when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "-"
    return f"{float(value):.{SCORE_DIGITS}f}"


@dataclass(frozen=True)
class Line:
    """One line: an English template, its arguments (:class:`Word` ones are translated too), an indent."""

    template: str
    args: tuple[Any, ...] = ()
    indent: int = 0

    def render(self, tr: Callable[[str], str] = str) -> str:
        """The line in the language of ``tr`` (identity: English)."""
        args = [tr(a) if isinstance(a, Word) else a for a in self.args]
        return "   " * self.indent + tr(self.template).format(*args)


def match_lines(case: CaseFile) -> list[Line]:
    """The match verdict in words, with the score and thresholds rounded."""
    m = case.match
    lines = [Line("{0}", (MATCH_WORDS[m.verdict],))]
    if m.score is not None:
        lines.append(Line(MATCH_SCORE, (score_text(m.score), score_text(m.review), score_text(m.accept))))
    return lines


def _verdict(value: Any) -> Word:
    return VERDICT[value if isinstance(value, bool) else None]


def liveness_lines(case: CaseFile) -> list[Line]:
    """Quality, the challenge and each step, planarity, passive liveness and the screen flash: each line
    says passed, flagged or not run in words."""
    q, pl, pa, fl = case.quality, case.planarity, case.passive, case.flash
    lines = [Line(QUALITY, (_verdict(q.get("passed")), score_text(q.get("score"))))]
    failed = [str(m.get("name")) for m in q.get("measures") or [] if m.get("passed") is False]
    if failed:
        lines.append(Line(QUALITY_FAILED, (", ".join(failed),), 1))
    lines.append(Line(CHALLENGE, (_verdict(case.challenge_passed),)))
    for k, step in enumerate(case.challenge, 1):
        when = (f" {step.started_s:.1f}-{step.completed_s:.1f} s"
                if step.started_s is not None and step.completed_s is not None else "")
        why = f" {step.why_not}" if step.why_not else ""
        lines.append(Line(STEP, (k, Word(step.action.replace("_", " ")), _verdict(step.passed), when + why), 1))
    if pl:
        planar = bool(pl.get("planar"))
        lines.append(Line(PLANARITY, (VERDICT[not planar], PLANAR[planar], score_text(pl.get("score")),
                                      score_text(pl.get("threshold")))))
    if pa:
        attack = pa.get("is_attack")
        lines.append(Line(PASSIVE, (_verdict(None if attack is None else not attack), score_text(pa.get("score")),
                                    score_text(pa.get("threshold")), str(pa.get("method", "-")))))
    if fl:
        lines.append(Line(FLASH, (_verdict(fl.get("passed")), score_text(fl.get("correlation")),
                                  score_text(fl.get("threshold")))))
    return lines


def mrz_date(value: str | None, now: dt.datetime, past: bool) -> str:
    """An MRZ date (YYMMDD) as YYYY-MM-DD; a birth date is in the past, an expiry date may be ahead."""
    if not value or len(value) != 6 or not value.isdigit():
        return value or "-"
    yy = int(value[:2])
    century = 2000 if (yy <= now.year % 100 or not past) else 1900
    if not past and yy > (now.year % 100) + 50:
        century = 1900
    return f"{century + yy}-{value[2:4]}-{value[4:6]}"
