"""The console's languages: ``ui/i18n/console_de.ts`` (compiled to ``.qm`` by installer/setup.sh with
pyside6-lrelease, or here on first use), loaded beside the kiosk's own translator."""
from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from ui.i18n import I18N_DIR, _lrelease

log = logging.getLogger(__name__)


def compile_console(folder: Path = I18N_DIR) -> None:
    """Compile every ``console_*.ts`` whose ``.qm`` is missing or older than its source."""
    tool = _lrelease()
    for ts in sorted(folder.glob("console_*.ts")):
        qm = ts.with_suffix(".qm")
        if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
            continue
        if tool is None:
            log.warning("pyside6-lrelease not found: %s stays uncompiled (English is shown)", ts.name)
            continue
        subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True, timeout=60)


class ConsoleLanguages:
    """English (the source) or German; screens re-read their texts on ``QEvent.LanguageChange``."""

    def __init__(self, app: QCoreApplication, folder: Path = I18N_DIR) -> None:
        self.app, self.folder, self.current = app, folder, "en"
        self._translator: QTranslator | None = None
        compile_console(folder)

    def set(self, language: str) -> bool:
        """Switch to ``language``; False (and English) when its file cannot be loaded."""
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            self._translator = None
        self.current = "en"
        if language == "en":
            return True
        translator = QTranslator(self.app)
        if not translator.load(str(self.folder / f"console_{language}.qm")):
            log.warning("no console translation for %r: showing English", language)
            return False
        self.app.installTranslator(translator)
        self._translator, self.current = translator, language
        return True
