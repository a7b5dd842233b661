"""``kiosk speech export``: every customer-facing text of the kiosk window, spoken into WAV files.

The texts are the translation file's (``ui/i18n/kiosk_de.ts``): the English sources, or their German
translations. Staff-only texts (the clerk's sign-in, the operator PIN pad, the clerk's panel on the result
screen) are left out: the screen reader never reads them. ``%1``/``%2`` are filled with the example a
customer would hear ("Step 1 of 4"). A person checks the prompts by listening to the files; the tests check
each is non-silent and as long as its text (``sox`` statistics).
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import BadInputError
from kiosk.speech import SpeechError, VOICES, espeak

TS_FILE = Path(__file__).with_name("i18n") / "kiosk_de.ts"
# Contexts that only staff see.
STAFF_CONTEXTS = frozenset({"ClerkDialog", "PinDialog"})
# The clerk's panel on the result screen (``ResultScreen.clerk_summary``), marked never to be read aloud.
STAFF_TEXTS = frozenset({
    "For staff", "no match score", "above the accept threshold", "borderline (between review and accept)",
    "below the review threshold", "Decision: %1", "Reasons: %1", "none", "Face match: %1",
    "Chip genuine (passive authentication): %1", "yes", "no", "Live challenge: %1", "passed", "failed",
    "Session: %1",
})
_EXAMPLES = {"%1": "1", "%2": "4"}


@dataclass(frozen=True)
class Prompt:
    """One customer-facing text: where it is used (the Qt context) and what is said."""

    context: str
    source: str
    text: str


def customer_prompts(language: str, ts_file: Path = TS_FILE) -> list[Prompt]:
    """Every customer-facing text in ``language`` ('en': the sources; 'de': the translations), in file order.

    ``BadInputError`` when a customer-facing text has no translation (it would be spoken in English).
    """
    if language not in VOICES:
        raise BadInputError(f"no speech for language {language!r}: use one of {', '.join(sorted(VOICES))}")
    root = ET.parse(ts_file).getroot()
    prompts: list[Prompt] = []
    missing: list[str] = []
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        if name in STAFF_CONTEXTS:
            continue
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            kind = translation.get("type") if translation is not None else "unfinished"
            if kind in ("vanished", "obsolete") or source in STAFF_TEXTS or not source.strip():
                continue
            text = source
            if language != "en":
                if kind == "unfinished" or translation is None or not (translation.text or "").strip():
                    missing.append(source)
                    continue
                text = translation.text or ""
            for mark, example in _EXAMPLES.items():
                text = text.replace(mark, example)
            prompts.append(Prompt(name, source, text.replace("\n", " ")))
    if missing:
        raise BadInputError(f"{len(missing)} customer-facing text(s) have no {language} translation, e.g. {missing[0]!r}")
    return prompts


def _file_name(k: int, prompt: Prompt) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", prompt.source.lower()).strip("-")[:40]
    return f"{k:03d}-{prompt.context.lower()}-{words or 'text'}.wav"


def export_prompts(language: str, out: Path) -> list[tuple[Path, Prompt]]:
    """Speak every customer prompt in ``language`` into ``out``/NNN-context-words.wav; an ``index.json`` lists
    file, context, source and the text spoken. Returns the files written."""
    espeak()  # fail before creating anything when the engine is missing
    from kiosk.speech import synthesize

    out.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, Prompt]] = []
    for k, prompt in enumerate(customer_prompts(language), start=1):
        wav = out / _file_name(k, prompt)
        try:
            # The translation file's texts are the program's own constants, not a customer's data: the
            # personal-data guard (for texts met at run time) does not apply to the format examples in them.
            synthesize(prompt.text, language, wav, check_personal=False)
        except SpeechError as exc:
            raise SpeechError(f"{wav.name}: {exc}") from exc
        written.append((wav, prompt))
    index = [{"file": w.name, "context": p.context, "source": p.source, "text": p.text} for w, p in written]
    (out / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    return written
