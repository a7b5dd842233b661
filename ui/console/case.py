"""The case view: one screen with the evidence side by side and the reviewer's decision.

Top: the chip's DG2 portrait, the best live frame and the audit frames at a size a person can compare.
Below: the match band against the thresholds, the reasons in plain words, the chip verdicts (detail one
click away), the liveness evidence (quality, each challenge step, planarity, passive score), earlier
sessions of the same document and 1:N hits, the review history. Approve (Alt+A) and reject (Alt+R) take
a note and an inline confirmation (Enter confirms, Escape cancels).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.console.case import CaseFile
from kiosk.console.case_text import liveness_lines, match_lines, mrz_date, score_text
from ui.console.queue import tr_reason
from ui.console.widgets import ImagePanel, MatchBand
from ui.screens.base import label

LEFT = Qt.AlignmentFlag.AlignLeft


def _card(title: QLabel) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("role", "card")
    box = QVBoxLayout(frame)
    box.setContentsMargins(14, 10, 14, 10)
    box.setSpacing(4)
    title.setProperty("role", "heading")
    box.addWidget(title)
    return frame, box


def _text(role: str | None = None) -> QLabel:
    w = label(role=role, align=LEFT)
    w.setTextFormat(Qt.TextFormat.PlainText)
    return w


class CaseScreen(QWidget):
    """Shows one ``CaseFile``; ``review_requested(session id, 'accept'|'reject', note)``,
    ``reopen_requested(session id, note)``, ``export_requested(session id, with images)``, ``back_requested``."""

    review_requested = Signal(str, str, str)
    reopen_requested = Signal(str, str)
    export_requested = Signal(str, bool)
    chip_check_requested = Signal(str)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case: CaseFile | None = None
        self.pending_verdict: str | None = None
        self.supervisor = False
        self.header = _text("subtitle")
        self.identity = _text()
        self.integrity = _text("banner")
        self.dg2, self.live = ImagePanel(), ImagePanel()
        self.frames = [ImagePanel() for _ in range(4)]
        for panel in self.frames:
            # Two rows of audit frames at the panel's usual 120 px minimum held the image row at about 290 px,
            # which on a 1280x800 screen squeezed the verdict sentences below it until they were cut off.
            panel.view.setMinimumSize(80, 80)
        frames = QGridLayout()
        for i, panel in enumerate(self.frames):
            frames.addWidget(panel, i // 2, i % 2)
        images = QHBoxLayout()
        images.addWidget(self.dg2, 3)
        images.addWidget(self.live, 4)
        images.addLayout(frames, 4)
        self.t_match, self.t_reasons, self.t_chip, self.t_live, self.t_history = (QLabel() for _ in range(5))
        match_card, mbox = _card(self.t_match)
        self.band = MatchBand()
        self.match_words = _text()
        self.reasons = _text()
        mbox.addWidget(self.band)
        mbox.addWidget(self.match_words)
        mbox.addWidget(self.t_reasons)
        mbox.addWidget(self.reasons, 1)
        chip_card, self.chip_box = _card(self.t_chip)
        self.chip_rows: list[tuple[QLabel, QPushButton, QLabel]] = []
        for _ in range(4):
            words, more, detail = _text(), QPushButton(), _text("small")
            more.setCheckable(True)
            detail.setVisible(False)
            more.toggled.connect(detail.setVisible)
            row = QHBoxLayout()
            row.addWidget(words, 1)
            row.addWidget(more)
            self.chip_box.addLayout(row)
            self.chip_box.addWidget(detail)
            self.chip_rows.append((words, more, detail))
        # The chip-evidence check: its button beside the card's heading, its result on the message line (full
        # width): under the verdicts they took their room at 1280x800, among the actions the note's.
        self.chip_check = QPushButton()
        self.chip_check.clicked.connect(self._check_chip)
        self.chip_box.removeWidget(self.t_chip)
        chip_head = QHBoxLayout()
        chip_head.addWidget(self.t_chip, 1)
        chip_head.addWidget(self.chip_check)
        self.chip_box.insertLayout(0, chip_head)
        self.chip_box.addStretch(1)
        live_card, lbox = _card(self.t_live)
        self.liveness = _text()
        lbox.addWidget(self.liveness, 1)
        history_card, hbox = _card(self.t_history)
        self.history = _text()
        hbox.addWidget(self.history, 1)
        facts = QHBoxLayout()
        # The chip card gets the most width: its four verdicts are sentences beside a button, and at 1280 px
        # a narrower card cut them off.
        for w, stretch in ((match_card, 5), (chip_card, 6), (live_card, 5), (history_card, 3)):
            facts.addWidget(w, stretch)
        self.note = QLineEdit()
        self.approve, self.reject = QPushButton(), QPushButton()
        self.approve.setProperty("role", "approve")
        self.reject.setProperty("role", "reject")
        self.approve.clicked.connect(lambda: self.ask("accept"))
        self.reject.clicked.connect(lambda: self.ask("reject"))
        self.reopen, self.export, self.back = QPushButton(), QPushButton(), QPushButton()
        self.with_images = QCheckBox()
        self.reopen.clicked.connect(self._reopen)
        self.export.clicked.connect(lambda: self.case and self.export_requested.emit(
            self.case.summary.session_id, self.with_images.isChecked()))
        self.back.clicked.connect(self.back_requested)
        self.confirm_text = _text("banner")
        self.confirm, self.cancel = QPushButton(), QPushButton()
        self.confirm.setProperty("role", "primary")
        self.confirm.clicked.connect(self.confirm_review)
        self.cancel.clicked.connect(self.cancel_review)
        self.message = _text("error")
        actions = QHBoxLayout()
        actions.addWidget(self.note, 1)
        for w in (self.approve, self.reject, self.reopen, self.export, self.with_images, self.back):
            actions.addWidget(w)
        confirm = QHBoxLayout()
        confirm.addWidget(self.confirm_text, 1)
        confirm.addWidget(self.confirm)
        confirm.addWidget(self.cancel)
        root = QVBoxLayout(self)
        root.setSpacing(8)
        root.addWidget(self.header)
        root.addWidget(self.identity)
        root.addWidget(self.integrity)
        root.addLayout(images, 5)
        root.addLayout(facts, 3)
        root.addWidget(self.message)
        root.addLayout(confirm)
        root.addLayout(actions)
        QShortcut(QKeySequence("Alt+A"), self, activated=lambda: self.ask("accept"))
        QShortcut(QKeySequence("Alt+R"), self, activated=lambda: self.ask("reject"))
        QShortcut(QKeySequence("Escape"), self, activated=self.cancel_review)
        self.note.returnPressed.connect(lambda: self.pending_verdict and self.confirm_review())
        self.retranslate()
        self.cancel_review()

    # -- texts ---------------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        """Texts in the current language."""
        self.dg2.caption.setText(self.tr("Chip portrait (DG2)"))
        self.live.caption.setText(self.tr("Best live frame"))
        for i, panel in enumerate(self.frames):
            panel.caption.setText(self.tr("Audit frame {0}").format(i + 1))
        self.t_match.setText(self.tr("Face match"))
        self.t_reasons.setText(self.tr("Why this case is here"))
        self.t_chip.setText(self.tr("Passport chip"))
        self.t_live.setText(self.tr("Liveness"))
        self.t_history.setText(self.tr("History of this document"))
        for _, more, _ in self.chip_rows:
            more.setText(self.tr("Details"))
        self.chip_check.setText(self.tr("Re-check evidence"))
        self.note.setPlaceholderText(self.tr("Note (required): what you compared and why you decide so"))
        self.approve.setText(self.tr("Approve (Alt+A)"))
        self.reject.setText(self.tr("Reject (Alt+R)"))
        self.reopen.setText(self.tr("Reopen"))
        self.export.setText(self.tr("Export HTML"))
        self.with_images.setText(self.tr("with images"))
        self.back.setText(self.tr("Back to queue"))
        self.confirm.setText(self.tr("Confirm (Enter)"))
        self.cancel.setText(self.tr("Cancel (Esc)"))
        if self.case is not None:
            self.show_case(self.case, self.supervisor)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- the case ------------------------------------------------------------------------------------------
    def show_case(self, case: CaseFile, supervisor: bool = False, now: dt.datetime | None = None) -> None:
        """Render ``case``; ``supervisor`` shows reopen and export."""
        if self.case is None or self.case.summary.session_id != case.summary.session_id:
            self.show_message("")  # a check's result belongs to its case only
            self.chip_check.setEnabled(True)
        self.chip_check.setVisible(case.detail.chip_record is not None)
        self.case, self.supervisor = case, supervisor
        s, d = case.summary, case.detail
        now = now or dt.datetime.now(dt.timezone.utc)
        state = {"pending": self.tr("waiting for review"), "reviewed": self.tr("reviewed"),
                 "none": self.tr("not flagged")}.get(s.review_state, s.review_state)
        self.header.setText(self.tr("Case {0}  \u00b7  {1}, {2} mode  \u00b7  decided {3:%Y-%m-%d %H:%M} UTC "
                                    "({4:.1f} h ago)  \u00b7  kiosk decision {5}  \u00b7  {6}").format(
            s.session_id[:12], s.kiosk_id, s.mode, s.decided_at, (now - s.decided_at).total_seconds() / 3600,
            s.outcome.upper(), state + (f": {s.final_outcome.upper()}" if s.final_outcome else "")))
        ident = d.identity
        self.identity.setText(self.tr("{0}, {1}  \u00b7  nationality {2}  \u00b7  born {3}  \u00b7  document "
                                      "expires {4}").format(ident.surname, ident.given_names, ident.nationality or "-",
                                                            mrz_date(ident.birth_date, now, past=True),
                                                            mrz_date(ident.expiry_date, now, past=False))
                              if ident else self.tr("No identity data (no chip read)."))
        problem = s.integrity_problem
        self.integrity.setVisible(bool(problem))
        self.integrity.setText(self.tr("Integrity problem: {0}. Do not act on this case; call a supervisor.")
                               .format(problem) if problem else "")
        # An API verification given a photo of the document records it as "portrait" (not read from a chip).
        dg2, live = case.image("dg2") or case.image("portrait"), case.image("live")
        self.dg2.set_image(dg2.rgb if dg2 else None, self.tr("no portrait (purged or not read)"))
        self.live.set_image(live.rgb if live else None, self.tr("no live frame (purged or none)"))
        frames = case.audit_frames
        steps = [st.action.replace("_", " ") for st in case.challenge] if len(case.challenge) == len(frames) else []
        for i, panel in enumerate(self.frames):
            panel.caption.setText(self.tr("Audit frame {0}").format(i + 1) + (f": {self.tr(steps[i])}" if i < len(steps) else ""))
            panel.setVisible(i < max(1, len(frames)))
            panel.set_image(frames[i].rgb if i < len(frames) else None, self.tr("no audit frames"))
        m = case.match
        self.band.set_band(m.score, m.review, m.accept, (self.tr("no match"), self.tr("borderline"), self.tr("match")))
        self.match_words.setText("".join(line.render(self.tr) for line in match_lines(case)))
        self.reasons.setText("\n".join(f"\u2022 {tr_reason(code)}" + (f"\n   ({detail})" if detail else "")
                                       for code, _, detail in case.reasons) or self.tr("No reasons recorded."))
        for (words, more, detail), (name, ok, text, fields) in zip(self.chip_rows, case.chip):
            mark = {True: "\u2714", False: "\u2718", None: "\u2013"}[ok]
            words.setText(f"{mark} {self.tr(name)}: {self.tr(text)}")
            words.setProperty("role", {True: "good", False: "bad", None: "warn"}[ok])
            words.style().polish(words)
            detail.setText(json.dumps(fields, sort_keys=True))
            more.setChecked(False)
        self.liveness.setText(self._liveness(case))
        self.history.setText(self._history(case))
        reviewable = s.review_state == "pending" and not problem
        self.approve.setEnabled(reviewable)
        self.reject.setEnabled(reviewable)
        self.reopen.setVisible(supervisor)
        self.reopen.setEnabled(supervisor and s.review_state == "reviewed")
        for w in (self.export, self.with_images):
            w.setVisible(supervisor)
        self.show_message("")
        self.cancel_review()

    def _liveness(self, case: CaseFile) -> str:
        # The words and the rounding are the Qt-free layer's (kiosk/console/case_text.py), shared with the CLI.
        return "\n".join(line.render(self.tr) for line in liveness_lines(case))

    def _history(self, case: CaseFile) -> str:
        lines = [self.tr("Earlier sessions of this document: {0}").format(len(case.same_document) or self.tr("none"))]
        lines += [f"   {o.decided_at:%Y-%m-%d %H:%M}  {o.outcome.upper()}  {o.kiosk_id}" for o in case.same_document[:4]]
        dups = [h for h in case.duplicates if h.is_duplicate]
        lines.append(self.tr("Same face with another document (1:N): {0}").format(len(dups) or self.tr("none")))
        lines += [f"   {h.session_id[:12]}  {self.tr('similarity')} {score_text(h.score)}" for h in dups[:3]]
        if case.assisted_by:
            lines.append(self.tr("Clerk of this assisted session: {0}").format(case.assisted_by))
        lines.append(self.tr("Reviews:") if case.detail.reviews else self.tr("Reviews: none yet"))
        lines += [f"   {r.reviewed_at:%Y-%m-%d %H:%M} {r.operator}: {r.verdict} \u2013 {r.note or ''}"
                  for r in case.detail.reviews]
        return "\n".join(lines)

    # -- decisions -----------------------------------------------------------------------------------------
    def ask(self, verdict: str) -> None:
        """First step of approve/reject: needs a note, then shows the confirmation."""
        if self.case is None or not self.approve.isEnabled():
            return
        if len(self.note.text().strip()) < 5:
            self.show_message(self.tr("Write a note first (at least 5 characters): what did you compare?"))
            self.note.setFocus()
            return
        self.pending_verdict = verdict
        self.confirm_text.setText((self.tr("APPROVE this case?") if verdict == "accept" else self.tr("REJECT this case?"))
                                  + "  " + self.tr("Note: {0}").format(self.note.text().strip()))
        for w in (self.confirm_text, self.confirm, self.cancel):
            w.setVisible(True)
        self.confirm.setFocus()

    def confirm_review(self) -> None:
        """Second step: send the review."""
        if self.case is None or self.pending_verdict is None:
            return
        verdict, self.pending_verdict = self.pending_verdict, None
        self.approve.setEnabled(False)
        self.reject.setEnabled(False)
        self.review_requested.emit(self.case.summary.session_id, verdict, self.note.text().strip())
        self.cancel_review()

    def cancel_review(self) -> None:
        """Hide the confirmation."""
        self.pending_verdict = None
        for w in (self.confirm_text, self.confirm, self.cancel):
            w.setVisible(False)

    def _reopen(self) -> None:
        if self.case is None:
            return
        if len(self.note.text().strip()) < 5:
            self.show_message(self.tr("Write in the note why the case is reopened."))
            return
        self.reopen_requested.emit(self.case.summary.session_id, self.note.text().strip())

    def _check_chip(self) -> None:
        if self.case is None:
            return
        self.chip_check.setEnabled(False)
        self.show_message(self.tr("Checking..."), good=True)
        self.chip_check_requested.emit(self.case.summary.session_id)

    def show_chip_check(self, check: Any) -> None:
        """The chip-evidence check's verdicts (``kiosk.console.chip_check.ChipEvidenceCheck``), in the words of
        ``kiosk evidence verify``: the failed ones first, then the closing line."""
        self.chip_check.setEnabled(True)
        # One line the reviewer reads at a glance, what failed under it; every verdict (the CLI's full output)
        # is the tooltip.
        failed = [words for ok, words in check.verdicts if not ok]
        passed = len(check.verdicts) - len(failed)
        self.show_message("\n".join([f"{check.summary} " + self.tr("({0} parts passed; hover for each)").format(passed),
                                     *("FAIL  " + w for w in failed)]), good=check.ok)
        self.message.setToolTip("\n".join(("PASS  " if ok else "FAIL  ") + w for ok, w in check.verdicts))

    def show_message(self, text: str, good: bool = False) -> None:
        """A line under the case: in the success colour when ``good`` (an export done), else the error colour."""
        self.message.setProperty("role", "good" if good else "error")
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setToolTip("")

    def show_error(self, text: str) -> None:
        """Say why an action failed (the buttons come back)."""
        self.show_message(text)
        self.chip_check.setEnabled(True)
        if self.case is not None:
            self.show_case_buttons()

    def show_case_buttons(self) -> None:
        """Enable approve/reject again when the case still waits."""
        ok = self.case is not None and self.case.summary.review_state == "pending" and not self.case.summary.integrity_problem
        self.approve.setEnabled(ok)
        self.reject.setEnabled(ok)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if self.pending_verdict and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.confirm_review()
            return
        super().keyPressEvent(event)
