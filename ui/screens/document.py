"""Document screen: the photo page held up to the camera (where a scanner is configured), or the MRZ fields of
a passport, or the CAN of an ID card, typed on a touch keyboard and checked as they are typed (dates must be
real dates; the chip itself is the final check). The scanner reads on the workflow's worker whichever way the
customer chooses; the screen only shows the camera."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QStackedWidget, QTabWidget,
                               QVBoxLayout, QWidget)

from kiosk.workflow.events import MessageKey
from ui.screens.base import Screen, label
from ui.widgets.camera_view import CameraView
from ui.widgets.touch_keyboard import TouchKeyboard


def valid_yymmdd(text: str) -> bool:
    """Six digits forming a month 01-12 and a day 01-31."""
    return len(text) == 6 and text.isdigit() and 1 <= int(text[2:4]) <= 12 and 1 <= int(text[4:6]) <= 31


class DocumentScreen(Screen):
    """Emits ``mrz_entered(number, birth, expiry)`` or ``can_entered(can)`` when the customer continues."""

    mrz_entered = Signal(str, str, str)
    can_entered = Signal(str)

    def __init__(self, camera: Any = None, scanning: bool = False) -> None:
        super().__init__()
        self.scanning = scanning
        outer = QVBoxLayout(self)
        outer.setContentsMargins(50, 0, 50, 16)
        outer.setSpacing(8)
        self.title = label(role="title")
        self.error = label(role="error")
        self.error.hide()
        self.modes = QStackedWidget()
        outer.addWidget(self.title)
        outer.addWidget(self.error)
        outer.addWidget(self.modes, 1)
        # Scan page: the camera with a passport-page guide (not mirrored: the customer reads the page).
        scan_page = QWidget()
        scan = QVBoxLayout(scan_page)
        scan.setContentsMargins(0, 0, 0, 0)
        self.view = CameraView(camera, mirror=False, guide="document")
        self.scan_hint = label(role="subtitle")
        self.type_instead = QPushButton()
        self.type_instead.clicked.connect(lambda: self.show_mode("type"))
        scan.addWidget(self.view, 1)
        scan.addWidget(self.scan_hint)
        scan.addWidget(self.type_instead, alignment=Qt.AlignmentFlag.AlignCenter)
        type_page = QWidget()
        root = QVBoxLayout(type_page)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(8)
        self.modes.addWidget(scan_page)
        self.modes.addWidget(type_page)
        self.tabs = QTabWidget()
        self.tabs.setTabPosition(QTabWidget.TabPosition.South)  # the tabs under the fields, within reach
        self.number, self.birth, self.expiry, self.can = (QLineEdit() for _ in range(4))
        alnum = QRegularExpressionValidator(QRegularExpression("[A-Za-z0-9]{1,22}"))
        digits6 = QRegularExpressionValidator(QRegularExpression("[0-9]{0,6}"))
        self.number.setValidator(alnum)
        for field in (self.birth, self.expiry):
            field.setValidator(digits6)
        self.can.setValidator(QRegularExpressionValidator(QRegularExpression("[0-9]{0,12}")))
        mrz_page, can_page = QWidget(), QWidget()
        self.form = QFormLayout(mrz_page)
        self.number_label, self.birth_label, self.expiry_label = label(), label(), label()
        self.form.addRow(self.number_label, self.number)
        self.form.addRow(self.birth_label, self.birth)
        self.form.addRow(self.expiry_label, self.expiry)
        can_form = QFormLayout(can_page)
        self.can_label = label()
        can_form.addRow(self.can_label, self.can)
        self.tabs.addTab(mrz_page, "")
        self.tabs.addTab(can_page, "")
        self.check = label(role="small")
        self.keyboard = TouchKeyboard()
        self.keyboard.setProperty("speak", False)  # 37 keys read aloud would bury the instructions
        self.next = QPushButton()
        self.next.setProperty("role", "primary")
        self.next.clicked.connect(self._continue)
        self.scan_instead = QPushButton()
        self.scan_instead.clicked.connect(lambda: self.show_mode("scan"))
        self.scan_instead.setVisible(scanning)
        buttons = QHBoxLayout()
        buttons.addWidget(self.scan_instead)
        buttons.addStretch(1)
        buttons.addWidget(self.next)
        # The fields on the left, the keyboard with the check and the buttons on the right, both at the bottom:
        # a seated customer reaches the lower two thirds (README, "The kiosk window"), and stacked they would not
        # fit 1280x800 in large text.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # each label above its field: the field gets the whole width
        fields = QVBoxLayout()
        fields.addStretch(1)
        fields.addWidget(self.tabs)
        keys = QVBoxLayout()
        keys.addStretch(1)
        keys.addWidget(self.keyboard)
        keys.addWidget(self.check)
        keys.addLayout(buttons)
        side = QHBoxLayout()
        side.addLayout(fields, 1)
        side.addLayout(keys, 0)
        root.addStretch(1)
        root.addLayout(side)
        for field in (self.number, self.birth, self.expiry, self.can):
            field.textChanged.connect(self._validate)
            field.installEventFilter(self)
            field.returnPressed.connect(self._advance)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setTabOrder(self.number, self.birth)
        self.setTabOrder(self.birth, self.expiry)
        self.setTabOrder(self.expiry, self.next)
        self.retranslate()
        self._focus(self.number)

    def retranslate(self) -> None:
        scan = self.modes.currentIndex() == 0
        self.title.setText(self.tr("Show your passport to the camera") if scan else self.tr("Your document details"))
        self.scan_hint.setText(self.tr("Hold the photo page open inside the frame, the two lines of letters at the "
                                       "bottom. It is read by itself."))
        self.type_instead.setText(self.tr("Type the details instead"))
        self.scan_instead.setText(self.tr("Scan instead"))
        self.tabs.setTabText(0, self.tr("Passport"))
        self.tabs.setTabText(1, self.tr("ID card"))
        self.number_label.setText(self.tr("Document number"))
        self.birth_label.setText(self.tr("Date of birth"))
        self.expiry_label.setText(self.tr("Expiry date"))
        self.can_label.setText(self.tr("Card access number"))
        self.birth.setPlaceholderText(self.tr("YYMMDD, e.g. 900131"))
        self.expiry.setPlaceholderText(self.tr("YYMMDD, e.g. 341231"))
        self.number.setPlaceholderText(self.tr("as printed, e.g. C01X00T47"))
        self.can.setPlaceholderText(self.tr("6 digits, front of the card"))
        self.next.setText(self.tr("Continue"))
        self._validate()

    def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.FocusIn and isinstance(obj, QLineEdit):
            self.keyboard.target = obj
            self.keyboard.set_digits_only(obj is not self.number)
        return super().eventFilter(obj, event)

    def _focus(self, field: QLineEdit) -> None:
        field.setFocus()
        self.keyboard.target = field
        self.keyboard.set_digits_only(field is not self.number)

    def _tab_changed(self, index: int) -> None:
        self._focus(self.can if index == 1 else self.number)
        self._validate()

    def _problem(self) -> str | None:
        if self.tabs.currentIndex() == 1:
            n = len(self.can.text())
            return None if 6 <= n <= 12 else self.tr("The card access number has 6 digits.")
        if not self.number.text():
            return self.tr("Enter the document number.")
        for field, name in ((self.birth, self.tr("date of birth")), (self.expiry, self.tr("expiry date"))):
            if not valid_yymmdd(field.text()):
                return self.tr("The %1 needs 6 digits: year, month, day.").replace("%1", name)
        return None

    def _validate(self) -> None:
        problem = self._problem()
        self.next.setEnabled(problem is None)
        self.check.setText(problem or self.tr("Ready: tap Continue."))

    def _advance(self) -> None:
        order = [self.number, self.birth, self.expiry]
        current = self.keyboard.target
        if current in order[:-1] and self.tabs.currentIndex() == 0:
            self._focus(order[order.index(current) + 1])
        elif self.next.isEnabled():
            self._continue()

    def _continue(self) -> None:
        if self._problem() is not None:
            return
        if self.tabs.currentIndex() == 1:
            self.can_entered.emit(self.can.text())
        else:
            self.mrz_entered.emit(self.number.text().upper(), self.birth.text(), self.expiry.text())

    def show_mode(self, mode: str) -> None:
        """'scan' (the camera) or 'type' (the fields and the keyboard)."""
        scan = mode == "scan" and self.scanning
        self.modes.setCurrentIndex(0 if scan else 1)
        if scan and self.isVisible():
            self.view.start()
        else:
            self.view.stop()
        if not scan:
            self._focus(self.number)
        self.retranslate()

    def entered(self, event: Any) -> None:
        """A new session clears the fields; coming back from the chip shows why."""
        rejected = getattr(event, "message", None) is MessageKey.MRZ_REJECTED
        if rejected:
            self.error.setText(self.tr("The chip did not accept these details. Please check them (or scan the "
                                       "page again) and try again.") if self.scanning else
                               self.tr("The chip did not accept these details. Please check them and try again."))
        else:
            for field in (self.number, self.birth, self.expiry, self.can):
                field.clear()
            self.tabs.setCurrentIndex(0)
        self.error.setVisible(rejected)
        # A refused read shows the fields to check; a new session starts with the camera where there is one.
        self.show_mode("type" if rejected else "scan")
        if self.modes.currentIndex() == 0:
            self.view.start()

    def left(self) -> None:
        """Stop the preview."""
        self.view.stop()

    def fill(self, number: str, birth: str, expiry: str) -> None:
        """Type the fields as a customer would (the autoplay demo and the screenshots)."""
        self.show_mode("type")
        self.tabs.setCurrentIndex(0)
        self.number.setText(number)
        self.birth.setText(birth)
        self.expiry.setText(expiry)
