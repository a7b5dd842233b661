"""The console in German: every reason code's sentence and every screen text has a translation, and
the compiled file switches the screens."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from kiosk.console.reasons import REASON_TEXT
from ui.i18n import I18N_DIR


def _messages() -> dict[tuple[str, str], str]:
    root = ET.parse(I18N_DIR / "console_de.ts").getroot()
    return {(c.findtext("name"), m.findtext("source")): m.findtext("translation") or ""
            for c in root.iter("context") for m in c.iter("message")}


def test_every_reason_and_text_is_translated() -> None:
    msgs = _messages()
    assert {src for (ctx, src) in msgs if ctx == "Reason"} == set(REASON_TEXT.values())
    untranslated = [k for k, v in msgs.items() if not v.strip()]
    assert untranslated == []


def test_german_switches_the_screens(qtbot) -> None:
    from ui.console.i18n import ConsoleLanguages
    from ui.console.login import LoginScreen
    from ui.console.queue import tr_reason

    languages = ConsoleLanguages(QApplication.instance())
    screen = LoginScreen()
    qtbot.addWidget(screen)
    try:
        assert languages.set("de")
        QCoreApplication.processEvents()
        assert screen.submit.text() == "Anmelden"
        assert tr_reason("FACE_MISMATCH") == "Das Live-Gesicht stimmt nicht mit dem Passbild überein."
    finally:
        languages.set("en")
        QCoreApplication.processEvents()
    assert screen.submit.text() == "Log in"
