"""The review queue and the search: filters, a count, one page of cases at a time."""
from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.console.queue import QueueFilter, QueuePage, waiting_text
from kiosk.console.reasons import REASON_TEXT, reason_text
from kiosk.errors import BadInputError
from ui.screens.base import label


def tr_reason(code: str) -> str:
    """A reason code's plain sentence in the current language (context ``Reason`` of console_de.ts)."""
    return QCoreApplication.translate("Reason", reason_text(code))


def _day(text: str, what: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise BadInputError(f"{what}: write the day as YYYY-MM-DD") from exc


class QueueScreen(QWidget):
    """``query_requested(mode, filter, page)`` with mode 'queue' or 'search'; ``open_requested(session id)``."""

    query_requested = Signal(str, object, int)
    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = "queue"
        self.page: QueuePage | None = None
        self.title = label(role="title", align=Qt.AlignmentFlag.AlignLeft)
        self.queue_button, self.search_button = QPushButton(), QPushButton()
        for b, mode in ((self.queue_button, "queue"), (self.search_button, "search")):
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, m=mode: self.set_mode(m))
        self.day_from, self.day_to, self.session_id = QLineEdit(), QLineEdit(), QLineEdit()
        self.reason, self.kiosk, self.mode_box, self.outcome = QComboBox(), QComboBox(), QComboBox(), QComboBox()
        for box in (self.reason, self.kiosk, self.mode_box, self.outcome):
            # Sized to a dozen characters, not to the longest reason sentence: the filter row then fits a
            # 1280-pixel screen; the open list still shows every entry whole.
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(12)
            box.view().setMinimumWidth(360)
        self.apply = QPushButton()
        self.apply.setProperty("role", "primary")
        self.apply.clicked.connect(lambda: self.request(0))
        for w in (self.day_from, self.day_to, self.session_id):
            w.returnPressed.connect(lambda: self.request(0))
        self.message = label(role="error", align=Qt.AlignmentFlag.AlignLeft)
        self.count = label(role="subtitle", align=Qt.AlignmentFlag.AlignLeft)
        self.table = QTableWidget(0, 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda row, _c: self._open(row))
        self.open_button = QPushButton()
        self.open_button.clicked.connect(lambda: self._open(self.table.currentRow()))
        self.prev, self.next = QPushButton(), QPushButton()
        self.prev.clicked.connect(lambda: self.request((self.page.page if self.page else 0) - 1))
        self.next.clicked.connect(lambda: self.request((self.page.page if self.page else 0) + 1))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.queue_button)
        top.addWidget(self.search_button)
        self.filter_labels: list[QLabel] = []
        filters = QHBoxLayout()
        for w in (self.day_from, self.day_to, self.reason, self.kiosk, self.mode_box, self.outcome, self.session_id):
            cap = QLabel()
            cap.setProperty("role", "small")
            self.filter_labels.append(cap)
            col = QVBoxLayout()
            col.addWidget(cap)
            col.addWidget(w)
            filters.addLayout(col, 2 if w in (self.reason, self.session_id) else 1)
        filters.addWidget(self.apply, 0, Qt.AlignmentFlag.AlignBottom)
        pages = QHBoxLayout()
        pages.addWidget(self.count, 1)
        for w in (self.open_button, self.prev, self.next):
            pages.addWidget(w)
        root = QVBoxLayout(self)
        root.addLayout(top)
        root.addLayout(filters)
        root.addWidget(self.message)
        root.addWidget(self.table, 1)
        root.addLayout(pages)
        self.set_choices([], [])
        self.retranslate()
        self.set_mode("queue", request=False)

    # -- texts ---------------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        """Texts in the current language."""
        self.title.setText(self.tr("Review queue") if self.mode == "queue" else self.tr("Search all sessions"))
        self.queue_button.setText(self.tr("Queue"))
        self.search_button.setText(self.tr("Search"))
        for cap, text in zip(self.filter_labels, (self.tr("From (YYYY-MM-DD)"), self.tr("To (YYYY-MM-DD)"),
                                                  self.tr("Reason"), self.tr("Kiosk"), self.tr("Mode"),
                                                  self.tr("Outcome"), self.tr("Session id"))):
            cap.setText(text)
        self.apply.setText(self.tr("Apply"))
        self.open_button.setText(self.tr("Open case"))
        self.prev.setText(self.tr("Previous page"))
        self.next.setText(self.tr("Next page"))
        self.session_id.setPlaceholderText(self.tr("first digits"))
        self.table.setHorizontalHeaderLabels([self.tr("Session"), self.tr("Decided (UTC)"), self.tr("Waiting"), self.tr("Kiosk"),
                                              self.tr("Mode"), self.tr("Decision"), self.tr("Reasons"),
                                              self.tr("Review")])
        for box, anything in ((self.reason, self.tr("any reason")), (self.kiosk, self.tr("any kiosk")),
                              (self.mode_box, self.tr("any mode")), (self.outcome, self.tr("any outcome"))):
            box.setItemText(0, anything)
        for i in range(1, self.reason.count()):
            self.reason.setItemText(i, f"{self.reason.itemData(i)}: {tr_reason(self.reason.itemData(i))}")
        if self.page is not None:
            self.show_page(self.page)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- filters -------------------------------------------------------------------------------------------
    def set_choices(self, kiosks: list[str], modes: list[str]) -> None:
        """Fill the filter lists (kiosks and modes found in the log)."""
        for box, values in ((self.reason, sorted(REASON_TEXT)), (self.kiosk, kiosks), (self.mode_box, modes),
                            (self.outcome, ["review", "accept", "reject"])):
            current = box.currentData()
            box.clear()
            box.addItem("", None)
            for v in values:
                box.addItem(v, v)
            if current is not None and box.findData(current) >= 0:
                box.setCurrentIndex(box.findData(current))
        self.retranslate()

    def set_mode(self, mode: str, request: bool = True) -> None:
        """'queue' (REVIEW sessions, oldest first) or 'search' (every session, newest first)."""
        self.mode = mode
        self.queue_button.setChecked(mode == "queue")
        self.search_button.setChecked(mode == "search")
        for w, cap in ((self.outcome, self.filter_labels[5]), (self.session_id, self.filter_labels[6])):
            w.setVisible(mode == "search")
            cap.setVisible(mode == "search")
        self.retranslate()
        if request:
            self.request(0)

    def current_filter(self) -> QueueFilter:
        """The filter as chosen (raises ``BadInputError`` on a malformed day)."""
        search = self.mode == "search"
        return QueueFilter(day_from=_day(self.day_from.text(), self.tr("From")),
                           day_to=_day(self.day_to.text(), self.tr("To")),
                           reason=self.reason.currentData(), kiosk_id=self.kiosk.currentData(),
                           mode=self.mode_box.currentData(),
                           outcome=self.outcome.currentData() if search else None,
                           session_id=self.session_id.text().strip() or None if search else None)

    def request(self, page: int) -> None:
        """Ask for ``page`` of the current filter."""
        try:
            f = self.current_filter()
        except BadInputError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText("")
        self.query_requested.emit(self.mode, f, max(0, page))

    # -- results -------------------------------------------------------------------------------------------
    def show_page(self, page: QueuePage, now: dt.datetime | None = None) -> None:
        """Fill the table with ``page``."""
        self.page = page
        now = now or dt.datetime.now(dt.timezone.utc)
        self.table.setRowCount(len(page.items))
        for row, s in enumerate(page.items):
            review = s.review_state if s.final_outcome is None else f"{s.review_state}: {s.final_outcome}"
            cells = [s.session_id[:12], f"{s.decided_at:%Y-%m-%d %H:%M}", waiting_text(s, now),
                     s.kiosk_id, s.mode, s.outcome.upper(), "; ".join(tr_reason(c) for c in s.reasons) or "-",
                     review if not s.integrity_problem else self.tr("INTEGRITY PROBLEM")]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, s.session_id)
                item.setToolTip(f"{s.session_id}\n" + "\n".join(s.reasons))
                self.table.setItem(row, col, item)
        if page.items:
            self.table.selectRow(0)
        what = self.tr("{0} cases waiting for review") if self.mode == "queue" else self.tr("{0} sessions found")
        self.count.setText(what.format(f"{page.total:,}") + "  \u00b7  " +
                           self.tr("page {0} of {1}").format(page.page + 1, page.pages))
        self.prev.setEnabled(page.page > 0)
        self.next.setEnabled(page.page + 1 < page.pages)
        self.open_button.setEnabled(bool(page.items))

    def show_error(self, text: str) -> None:
        """Say what went wrong with the last query."""
        self.message.setText(text)

    def _open(self, row: int) -> None:
        item = self.table.item(row, 0) if row >= 0 else None
        if item is not None:
            self.open_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.table.hasFocus():
            self._open(self.table.currentRow())
            return
        super().keyPressEvent(event)
