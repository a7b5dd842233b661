"""``kiosk speech export``: every customer-facing text of the window has speech in both languages, and each
WAV file is non-silent and as long as its text (``sox`` statistics, as a person checking the files would)."""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.errors import BadInputError
from kiosk.speech import SpeechError, spoken_form
from ui.speech_export import STAFF_CONTEXTS, STAFF_TEXTS, TS_FILE, customer_prompts



@pytest.fixture(autouse=True)
def _tools() -> None:
    """Never skipped: installer/setup.sh (and so .ci/run) installs espeak-ng and sox; without them, fail and say so."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: installer/setup.sh installs it (apt-get install {tool})")

UI = Path(__file__).resolve().parents[2] / "ui"
CUSTOMER_SOURCES = [UI / "main_window.py", *sorted((UI / "screens").glob("*.py")), UI / "widgets" / "access_bar.py"]


@pytest.fixture(scope="module", params=["en", "de"])
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    from ui.commands import register_speech

    parser = argparse.ArgumentParser()
    register_speech(parser.add_subparsers(dest="command"))
    out = tmp_path_factory.mktemp(f"speech-{request.param}")
    args = parser.parse_args(["speech", "export", "--lang", request.param, "--out", str(out)])
    assert args.func(args) == 0
    return request.param, out


def _stats(wav: Path) -> dict[str, float]:
    done = subprocess.run(["sox", str(wav), "-n", "stat"], capture_output=True, text=True, timeout=30, check=True)
    stats = {}
    for line in done.stderr.splitlines():
        key, _, value = line.partition(":")
        try:
            stats[key.strip()] = float(value)
        except ValueError:
            continue
    return stats


def test_every_customer_text_in_the_window_is_in_the_translation_file() -> None:
    """The export reads the translation file: a text the window shows must be there, or it has no speech."""
    sources = {p.source for p in customer_prompts("en")}
    literal = re.compile(r'self\.tr\(\s*"((?:[^"\\]|\\.)*)"(?:\s*"((?:[^"\\]|\\.)*)")*')
    missing = []
    for path in CUSTOMER_SOURCES:
        code = path.read_text(encoding="utf-8")
        for match in re.finditer(r'self\.tr\(((?:\s*"(?:[^"\\]|\\.)*")+)', code):
            text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))).replace('\\"', '"')
            if text not in sources and text not in STAFF_TEXTS:
                missing.append(f"{path.name}: {text}")
        for match in re.finditer(r'QT_TRANSLATE_NOOP\("hints", "([^"]*)"\)', code):
            if match.group(1) not in sources:
                missing.append(f"{path.name}: {match.group(1)}")
    assert literal and not missing, "\n".join(missing)


def test_every_prompt_has_a_non_silent_wav_of_plausible_length(exported: tuple[str, Path]) -> None:
    language, out = exported
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    prompts = customer_prompts(language)
    assert [e["source"] for e in index] == [p.source for p in prompts] and len(index) > 100
    assert {"I need help", "More time", "Listen", "Blink", "You are verified"} <= {e["source"] for e in index}
    problems = []
    for entry in index:
        s = _stats(out / entry["file"])
        chars = len(spoken_form(entry["text"]))
        # espeak-ng at 150 words a minute says 12-18 characters a second; a short word takes ~0.4 s.
        low, high = max(0.25, chars / 40), chars / 6 + 1.5
        if not low <= s["Length (seconds)"] <= high:
            problems.append(f"{entry['file']}: {s['Length (seconds)']:.2f} s for {chars} characters")
        if s["RMS     amplitude"] < 0.01 or s["Maximum amplitude"] < 0.1:
            problems.append(f"{entry['file']}: silent (RMS {s['RMS     amplitude']:.4f})")
    assert not problems, "\n".join(problems)
    if language == "de":  # German is spoken in German, not the English source
        by_source = {e["source"]: e["text"] for e in index}
        assert by_source["I need help"] == "Ich brauche Hilfe"


def test_staff_texts_are_not_exported() -> None:
    sources = {p.source for p in customer_prompts("en")}
    assert not sources & STAFF_TEXTS
    assert "Sign in to start an assisted session" not in sources and STAFF_CONTEXTS


def test_a_missing_translation_or_language_is_refused(tmp_path: Path) -> None:
    ts = tmp_path / "kiosk_de.ts"
    ts.write_text(TS_FILE.read_text(encoding="utf-8").replace("<translation>Ich brauche Hilfe</translation>",
                                                              '<translation type="unfinished" />'), encoding="utf-8")
    with pytest.raises(BadInputError, match="no de translation"):
        customer_prompts("de", ts)
    with pytest.raises(BadInputError, match="no speech for language 'fr'"):
        customer_prompts("fr")


def test_a_missing_engine_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ui.speech_export import export_prompts

    monkeypatch.setattr("kiosk.speech.shutil.which", lambda _name: None)
    with pytest.raises(SpeechError, match="install the Debian package espeak-ng"):
        export_prompts("en", tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written
