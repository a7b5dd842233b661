"""The console's languages: ``ui/i18n/console_de.ts`` (compiled to ``.qm`` by installer/setup.sh with
pyside6-lrelease, or here on first use), loaded beside the kiosk's own translator."""
from __future__ import annotations

from ui.i18n import Languages


class ConsoleLanguages(Languages):
    """English (the source) or German for the console; screens re-read their texts on
    ``QEvent.LanguageChange``."""

    prefix = "console"
