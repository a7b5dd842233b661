"""The supervisor's screen: the daily report as plots (matplotlib in the window), every review, and
the audit trail with its verification status."""
from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.console.report import ReportData
from ui.screens.base import label

COLOURS = {"accept": "#2e9e5b", "review": "#e0a000", "reject": "#d64545"}
LEFT = Qt.AlignmentFlag.AlignLeft


def _table(columns: int) -> QTableWidget:
    t = QTableWidget(0, columns)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().setVisible(False)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: list[list[str]], ids: list[str] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if ids is not None:
                item.setData(Qt.ItemDataRole.UserRole, ids[r])
            table.setItem(r, c, item)


class ReportScreen(QWidget):
    """Plots of the report, the reviews list and the audit status; ``refresh_requested`` reloads,
    ``open_requested(session id)`` opens a reviewed case (to reopen or export it)."""

    refresh_requested = Signal()
    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: ReportData | None = None
        self.title = label(role="title", align=LEFT)
        self.summary = label(role="subtitle", align=LEFT)
        self.refresh = QPushButton()
        self.refresh.clicked.connect(self.refresh_requested)
        self.figure = Figure(figsize=(12, 5), facecolor="#173a5c")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.audit_status = label(align=LEFT)
        self.reviews_title, self.audit_title = label(role="heading", align=LEFT), label(role="heading", align=LEFT)
        self.reviews = _table(5)
        self.reviews.cellDoubleClicked.connect(
            lambda r, _c: self.open_requested.emit(str(self.reviews.item(r, 0).data(Qt.ItemDataRole.UserRole))))
        self.events = _table(5)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.refresh)
        lists = QHBoxLayout()
        for heading, table, extra in ((self.reviews_title, self.reviews, None),
                                      (self.audit_title, self.events, self.audit_status)):
            col = QVBoxLayout()
            col.addWidget(heading)
            if extra is not None:
                col.addWidget(extra)
            col.addWidget(table, 1)
            lists.addLayout(col, 1)
        root = QVBoxLayout(self)
        root.addLayout(top)
        root.addWidget(self.summary)
        root.addWidget(self.canvas, 3)
        root.addLayout(lists, 2)
        self.retranslate()

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.title.setText(self.tr("Daily report"))
        self.refresh.setText(self.tr("Refresh"))
        self.reviews_title.setText(self.tr("Every review (double-click opens the case)"))
        self.audit_title.setText(self.tr("Audit trail"))
        self.reviews.setHorizontalHeaderLabels([self.tr("Reviewed (UTC)"), self.tr("Operator"), self.tr("Verdict"),
                                                self.tr("Time to review"), self.tr("Session")])
        self.events.setHorizontalHeaderLabels([self.tr("Seq"), self.tr("Time (UTC)"), self.tr("Event"),
                                               self.tr("Who"), self.tr("Session")])
        if self.data is not None:
            self.show_report(self.data)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_report(self, data: ReportData) -> None:
        """Draw the plots and the summary line."""
        self.data = data
        med = data.median_review_hours
        self.summary.setText(self.tr("Waiting for review now: {0}  \u00b7  oldest since {1}  \u00b7  reviews in "
                                     "the period: {2}  \u00b7  median time to review: {3}").format(
            data.backlog, f"{data.oldest_waiting:%Y-%m-%d %H:%M} UTC" if data.oldest_waiting else "-",
            len(data.review_hours), f"{med:.1f} h" if med is not None else "-"))
        fig = self.figure
        fig.clear()
        axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [4, 4, 3]})
        days = [d.strftime("%d.%m") for d in data.days]
        x = list(range(len(days)))
        bottom = [0] * len(days)
        ax = axes[0]
        for outcome in ("accept", "review", "reject"):
            counts = data.per_outcome.get(outcome, (0,) * len(days))
            ax.bar(x, counts, bottom=bottom, color=COLOURS[outcome], label=self.tr(outcome))
            bottom = [b + c for b, c in zip(bottom, counts)]
        ax.set_title(self.tr("Sessions per day by outcome"))
        ax = axes[1]
        for code, counts in list(data.per_reason.items())[:6]:
            ax.plot(x, counts, marker="o", label=code)
        ax.set_title(self.tr("Reason codes per day (most frequent)"))
        ax = axes[2]
        if data.review_hours:
            ax.hist(data.review_hours, bins=min(20, max(5, len(data.review_hours) // 3)), color="#ffd23f")
        ax.set_title(self.tr("Time to review (hours)"))
        for a in axes[:2]:
            a.set_xticks(x[::max(1, len(x) // 7)], days[::max(1, len(x) // 7)])
        for a in axes:
            a.set_facecolor("#0f2a43")
            a.tick_params(colors="white", labelsize=9)
            a.title.set_color("white")
            for spine in a.spines.values():
                spine.set_color("#9cc3e6")
            if a is not axes[2] and a.get_legend_handles_labels()[0]:
                a.legend(fontsize=8, facecolor="#173a5c", labelcolor="white", edgecolor="#9cc3e6")
        fig.tight_layout()
        self.canvas.draw_idle()

    def show_reviews(self, reviews: list[Any]) -> None:
        """Fill the reviews table (``ReviewEntry`` list)."""
        rows = [[f"{r.reviewed_at:%Y-%m-%d %H:%M}", r.operator, r.verdict,
                 f"{(r.reviewed_at - r.decided_at).total_seconds() / 3600:.1f} h", r.session_id[:12]] for r in reviews]
        _fill(self.reviews, rows, [r.session_id for r in reviews])

    def show_error(self, text: str) -> None:
        """Say why loading failed."""
        self.summary.setText(text)

    def show_audit(self, result: Any, events: list[Any]) -> None:
        """The verification result in words and the newest events."""
        if result.ok:
            self.audit_status.setText(self.tr("\u2714 Intact: {0} events and {1} stored rows verified").format(
                result.events, result.rows))
            self.audit_status.setProperty("role", "good")
        else:
            self.audit_status.setText(self.tr("\u2718 BROKEN at {0}: {1}").format(result.where(), result.problem))
            self.audit_status.setProperty("role", "bad")
        self.audit_status.style().polish(self.audit_status)
        _fill(self.events, [[str(e.seq), f"{e.at:%Y-%m-%d %H:%M:%S}", e.kind, e.actor, (e.session_id or "")[:12]]
                            for e in events])
