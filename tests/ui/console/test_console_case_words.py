"""The console's small truths (issue 23, item 3): the export's success line is in the success colour (it
was red), scores are rounded as the kiosk shows them (the quality score printed as 0.8972170352935791),
every liveness line says passed / flagged in words, and the new wording has its German translation."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from kiosk.console import Console
from kiosk.console.case_text import TEMPLATES, WORDS
from kiosk.console.sample import sample_record
from ui.i18n import I18N_DIR
from ui.theme import STANDARD

from console_ui_helpers import PASSWORD, login


def _raw_quality_case(store) -> str:
    rec = sample_record("review", store.clock.now(), document="Q1", reasons=("PAD_PASSIVE_HIGH",))
    face = rec.checks["face_session"]
    face["quality"]["score"] = 0.8972170352935791
    face["passive"].update(score=0.99312, is_attack=True)
    return store.decisions.record_session(rec).session_id


def test_the_case_screen_rounds_scores_and_says_passed_or_flagged(qtbot, store) -> None:
    from ui.console.case import CaseScreen

    sid = _raw_quality_case(store)
    console = Console(store)
    console.login("olga", PASSWORD)
    screen = CaseScreen()
    qtbot.addWidget(screen)
    screen.show_case(console.open_case(sid))
    text = screen.liveness.text()
    assert "0.8972" not in text and "Quality gate: passed (score 0.897)" in text
    assert "Passive liveness: flagged (score 0.993 against 0.200" in text
    assert all(any(w in line for w in ("passed", "flagged", "not run")) for line in text.splitlines()), text
    assert "(score 0.310; review from" in screen.match_words.text()


def test_the_export_message_is_in_the_success_colour(qtbot, window, store, tmp_path) -> None:
    sid = store.decisions.pending_reviews()[0].session_id
    login(qtbot, window, "sam")
    window.open_case(sid)
    case = window.case
    qtbot.waitUntil(lambda: window.stack.currentWidget() is case and case.case is not None, timeout=10000)
    window.choose_export_path = lambda _sid: tmp_path / "case.html"
    case.export.click()
    qtbot.waitUntil(lambda: "Exported to" in case.message.text(), timeout=10000)
    colour = case.message.palette().color(QPalette.ColorRole.WindowText)
    assert case.message.property("role") == "good" and colour == QColor(STANDARD.good), colour.name()
    case.ask("accept")  # an error afterwards is red again
    assert case.message.property("role") == "error"
    assert case.message.palette().color(QPalette.ColorRole.WindowText) == QColor(STANDARD.bad)


def test_the_shared_wording_is_translated_and_shown_in_german(qtbot, store) -> None:
    from ui.console.case import CaseScreen
    from ui.console.i18n import ConsoleLanguages

    root = ET.parse(I18N_DIR / "console_de.ts").getroot()
    case_screen = {m.findtext("source"): m.findtext("translation") for c in root.iter("context")
                   if c.findtext("name") == "CaseScreen" for m in c.iter("message")}
    missing = [t for t in (*TEMPLATES, *WORDS) if t != "{0}" and not (case_screen.get(t) or "").strip()]
    assert missing == []
    sid = _raw_quality_case(store)
    console = Console(store)
    console.login("olga", PASSWORD)
    screen = CaseScreen()
    qtbot.addWidget(screen)
    languages = ConsoleLanguages(QApplication.instance())
    try:
        assert languages.set("de")
        QCoreApplication.processEvents()
        screen.show_case(console.open_case(sid))
        assert "Passive Lebenderkennung: auffällig (Wert 0.993 gegen 0.200" in screen.liveness.text()
    finally:
        languages.set("en")
        QCoreApplication.processEvents()

