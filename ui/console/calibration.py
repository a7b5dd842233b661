"""The admin's "Liveness calibration" screen: the plan, the current prompt, Capture, counts, the evaluation.

Widgets only: the window runs every step on its worker (``kiosk.console.calibration.CalibrationDesk``) and
hands the results back to ``show_status`` and ``show_report``.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.pad.collect import BONA_FIDE, CollectPlan
from ui.screens.base import label

LEFT = Qt.AlignmentFlag.AlignLeft
SPECIES = ("print", "replay")


def _rate(r: dict[str, Any]) -> str:
    return f"{r['errors']}/{r['n']}: {r['rate']:.1%} [{100 * r['ci95'][0]:.1f}-{100 * r['ci95'][1]:.1f}%]"


class CalibrationScreen(QWidget):
    """``start_requested(plan, restart)``, ``capture_requested()``, ``evaluate_requested()``."""

    start_requested = Signal(object, bool)
    capture_requested = Signal()
    evaluate_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(role="title", align=LEFT)
        self.hint = label(role="subtitle", align=LEFT)
        self.people, self.live, self.attacks, self.frames = (QSpinBox() for _ in range(4))
        for box, lo, hi, value in ((self.people, 2, 30, 3), (self.live, 1, 50, 5), (self.attacks, 2, 400, 6),
                                   (self.frames, 1, 30, 5)):
            box.setRange(lo, hi)
            box.setValue(value)
        self.species = {sp: QCheckBox() for sp in SPECIES}
        for box in self.species.values():
            box.setChecked(True)
        self.people_label, self.live_label, self.attacks_label, self.frames_label = (label(align=LEFT, wrap=False)
                                                                                     for _ in range(4))
        self.start, self.restart = QPushButton(), QPushButton()
        self.start.clicked.connect(lambda: self._start(False))
        self.restart.clicked.connect(lambda: self._start(True))
        plan_row, species_row = QHBoxLayout(), QHBoxLayout()
        for w in (self.people_label, self.people, self.live_label, self.live, self.attacks_label, self.attacks,
                  self.frames_label, self.frames):
            plan_row.addWidget(w)
        plan_row.addStretch(1)
        for w in self.species.values():
            species_row.addWidget(w)
        species_row.addStretch(1)
        species_row.addWidget(self.start)
        species_row.addWidget(self.restart)
        self.prompt = label(role="heading", align=LEFT)
        self.progress = label(role="small", align=LEFT)
        self.capture = QPushButton()
        self.capture.setProperty("role", "primary")
        self.capture.clicked.connect(self.capture_requested.emit)
        self.evaluate = QPushButton()
        self.evaluate.clicked.connect(self.evaluate_requested.emit)
        actions = QHBoxLayout()
        actions.addWidget(self.capture)
        actions.addWidget(self.progress, 1)
        actions.addWidget(self.evaluate)
        self.counts = self._table()
        self.results = self._table()
        self.results.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.results.horizontalHeader().setStretchLastSection(True)
        self.decision = label(align=LEFT)
        self.message = label(role="error", align=LEFT)
        root = QVBoxLayout(self)
        root.addWidget(self.title)
        root.addWidget(self.hint)
        root.addLayout(plan_row)
        root.addLayout(species_row)
        root.addWidget(self.prompt)
        root.addLayout(actions)
        root.addWidget(self.counts, 2)
        root.addWidget(self.results, 1)
        root.addWidget(self.decision)
        root.addWidget(self.message)
        self.status: Any = None
        self.capture.setEnabled(False)
        self.evaluate.setEnabled(False)
        self.retranslate()

    @staticmethod
    def _table() -> QTableWidget:
        t = QTableWidget(0, 0)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        t.verticalHeader().setVisible(False)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        return t

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.title.setText(self.tr("Liveness calibration"))
        self.hint.setText(self.tr("Capture live faces of several people and attacks at this kiosk's camera; a model is "
                                  "trained, tested on people held back, and installed only if it beats the current "
                                  "one. Only features are stored, never images or names."))
        self.people_label.setText(self.tr("People"))
        self.live_label.setText(self.tr("Live each"))
        self.attacks_label.setText(self.tr("Attacks each species"))
        self.frames_label.setText(self.tr("Frames"))
        self.species["print"].setText(self.tr("Printed photo"))
        self.species["replay"].setText(self.tr("Screen"))
        self.start.setText(self.tr("Start or resume"))
        self.restart.setText(self.tr("Start again"))
        self.capture.setText(self.tr("Capture"))
        self.evaluate.setText(self.tr("Train, test and install if better"))
        status = getattr(self, "status", None)  # None before the first status (retranslate runs in __init__ too)
        self.prompt.setText(self.tr("Choose the plan and press Start.") if status is None else self._prompt(status))

    def _prompt(self, status: Any) -> str:
        """The next step's prompt in the screen's language (the workflow's own text is English)."""
        step = status.step
        if step is None:
            return self.tr("All captures taken: train and test the model.")
        if step.label == BONA_FIDE:
            return self.tr("Person {0} of {1}: look at the camera and move your head a little (live capture {2} of "
                           "{3})").format(step.person, status.plan.people, step.k, step.n)
        if step.label == "print":
            return self.tr("Hold a printed photo of person {0}'s face in front of the camera and tilt it slowly "
                           "(print capture {1} of {2})").format(step.person, step.k, step.n)
        if step.label == "replay":
            return self.tr("Show a photo or video of person {0}'s face on a phone or tablet screen to the camera and "
                           "move it slowly (screen capture {1} of {2})").format(step.person, step.k, step.n)
        return str(step.prompt)  # a species the screen has no words for: the workflow's sentence

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def plan(self) -> CollectPlan:
        """The plan the fields describe (``CollectError`` if it is not possible)."""
        return CollectPlan(people=self.people.value(), live_per_person=self.live.value(),
                           species=tuple(sp for sp, box in self.species.items() if box.isChecked()),
                           attacks_per_species=self.attacks.value(), frames_per_capture=self.frames.value())

    def _start(self, restart: bool) -> None:
        from kiosk.errors import UserFacingError

        try:
            plan = self.plan()
        except UserFacingError as exc:
            self.show_error(str(exc))
            return
        self.message.setText("")
        self.start_requested.emit(plan, restart)

    def busy(self, text: str) -> None:
        """Disable the buttons while the worker runs a step, and say what it does."""
        for b in (self.start, self.restart, self.capture, self.evaluate):
            b.setEnabled(False)
        self.progress.setText(text)

    def show_status(self, status: Any) -> None:
        """A ``CalibrationStatus``: the prompt, the progress and the counts per person and class."""
        self.status = status
        self.message.setText("")
        self._enable()
        self.prompt.setText(self._prompt(status))
        self.progress.setText(self.tr("{0} of {1} captures").format(status.taken, status.total) +
                              (f" \u2013 {status.last}" if status.last else ""))
        classes = [BONA_FIDE, *status.plan.species]
        self.counts.setColumnCount(1 + len(classes))
        self.counts.setHorizontalHeaderLabels([self.tr("Person"), *[self.tr("live") if c == BONA_FIDE else c
                                                                    for c in classes]])
        self.counts.setRowCount(status.plan.people)
        for p in range(1, status.plan.people + 1):
            self.counts.setItem(p - 1, 0, QTableWidgetItem(str(p)))
            for c, cls in enumerate(classes, start=1):
                got = status.counts.get(cls, {}).get(p, 0)
                want = len([s for s in status.plan.steps() if s.label == cls and s.person == p])
                self.counts.setItem(p - 1, c, QTableWidgetItem(f"{got} / {want}"))

    def show_report(self, report: dict[str, Any]) -> None:
        """Both models' held-back figures with their 95% intervals, and the install decision."""
        self._enable()
        self.progress.setText(self.tr("tested on the held-back people"))
        species = list(report["new"]["frames"]["apcer"])
        headers = [self.tr("Model"), self.tr("Threshold"), self.tr("BPCER"),
                   *[self.tr("APCER {0}").format(sp) for sp in species], self.tr("BPCER at APCER 5%"), self.tr("EER")]
        self.results.setColumnCount(len(headers))
        self.results.setHorizontalHeaderLabels(headers)
        self.results.setRowCount(2)
        for r, (name, fig) in enumerate(((self.tr("new model"), report["new"]),
                                         (report["current"]["name"].split(" (")[0], report["current"]))):
            cells = [name, f"{fig['threshold']:.3f}", _rate(fig["frames"]["bpcer"]),
                     *[_rate(fig["frames"]["apcer"][sp]) for sp in species], _rate(fig["bpcer_at_apcer_5"]["bpcer"]),
                     f"{fig['eer']:.1%}"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.results.setItem(r, c, item)
        hb = report["new"]["held_back"]
        verdict = self.tr("Installed") if report["installed"] else self.tr("Not installed")
        self.decision.setProperty("role", "good" if report["installed"] else "warn")
        self.decision.style().polish(self.decision)
        self.decision.setText(self.tr("{0}: {1}. Held back: people {2}, {3} live frames; 95% intervals in brackets.")
                              .format(verdict, report["decision"], ", ".join(map(str, hb["people"])),
                                      hb["bona_fide_frames"]))

    def show_error(self, text: str) -> None:
        """Say why the last step failed (the buttons come back)."""
        self.message.setText(text)
        self._enable()

    def _enable(self) -> None:
        """Buttons as the collection allows: Capture while steps remain, Evaluate once all are taken."""
        self.start.setEnabled(True)
        self.restart.setEnabled(True)
        started = self.status is not None
        self.capture.setEnabled(started and self.status.step is not None)
        self.evaluate.setEnabled(started and self.status.step is None)
