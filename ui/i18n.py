"""Languages through Qt's translation system: ``.ts`` sources in ``ui/i18n``, compiled to ``.qm``.

``installer/setup.sh`` compiles them with ``pyside6-lrelease`` at install time; ``compile_translations``
does the same on demand when a ``.qm`` is missing or older than its source (a fresh checkout run
directly). English is the source language and needs no file.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).with_name("i18n")
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}


def _lrelease() -> str | None:
    here = Path(sys.executable).with_name("pyside6-lrelease")
    return str(here) if here.exists() else shutil.which("pyside6-lrelease")


def compile_translations(folder: Path = I18N_DIR, prefix: str = "kiosk") -> list[Path]:
    """Compile every ``<prefix>_*.ts`` whose ``.qm`` is missing or stale; returns the ``.qm`` files there are."""
    tool = _lrelease()
    for ts in sorted(folder.glob(f"{prefix}_*.ts")):
        qm = ts.with_suffix(".qm")
        if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
            continue
        if tool is None:
            log.warning("pyside6-lrelease not found: %s stays uncompiled (English is shown)", ts.name)
            continue
        subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True, timeout=60)
    return sorted(folder.glob(f"{prefix}_*.qm"))


class Languages:
    """Switches the application's language; screens re-read their texts on ``QEvent.LanguageChange``."""

    prefix = "kiosk"  # the translation files' name: <prefix>_<language>.ts / .qm

    def __init__(self, app: QCoreApplication, folder: Path = I18N_DIR) -> None:
        self.app = app
        self.folder = folder
        self.current = "en"
        self._translator: QTranslator | None = None
        compile_translations(folder, self.prefix)

    def set(self, language: str) -> bool:
        """Use ``language`` ('en' or one with a compiled file); False (and English) when it cannot be loaded."""
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            self._translator = None
        self.current = "en"
        if language == "en":
            return True
        translator = QTranslator(self.app)
        if not translator.load(str(self.folder / f"{self.prefix}_{language}.qm")):
            log.warning("no %s translation for %r: showing English", self.prefix, language)
            return False
        self.app.installTranslator(translator)
        self._translator = translator
        self.current = language
        return True
