"""Speech output for the customer (issue 26, EN 301 549 5.1.3): a local espeak-ng, no network, no Qt.

``Speaker`` keeps one queue and one worker thread: ``say`` only appends and returns, so the window's GUI
thread never waits for the engine, and one prompt is spoken at a time (they never overlap). A new screen
calls ``say(..., interrupt=True)``: what was still queued or speaking for the old screen is dropped.

The speaker never says personal data: the window passes the screen's fixed texts (which field, never its
value), and ``refuse_personal`` is a second line: a text with a run of three or more digits or a date-like
group (a document number, a birth date) is not spoken at all, and the log says only that one was refused.
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from kiosk.errors import BadInputError

log = logging.getLogger(__name__)

# espeak-ng's voices for the kiosk's languages (``espeak-ng --voices``).
VOICES = {"en": "en-gb", "de": "de"}
# Words a minute: a little slower than espeak-ng's 175, for customers who listen to unfamiliar instructions.
RATE_WPM = 150
SYNTH_TIMEOUT_S = 30.0

# A run of three digits or more, a date-like group, or a word of five characters or more with two digits or
# more in it (document numbers mix letters and digits: C01X00T47).
_PERSONAL = re.compile(r"\d{3,}|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\b(?=(?:[^\W\d]*\d){2})\w{5,}\b")


class SpeechError(BadInputError):
    """Speech cannot be produced (no engine, an unknown language, a text refused)."""


def espeak() -> str:
    """The espeak-ng executable; ``SpeechError`` naming the package to install when it is missing."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise SpeechError("espeak-ng is not installed: install the Debian package espeak-ng "
                          "(installer/setup.sh and installer/kiosk-install do)")
    return path


def refuse_personal(text: str) -> None:
    """``SpeechError`` if ``text`` looks like it carries personal data (a number, a date)."""
    if _PERSONAL.search(text):
        raise SpeechError("refused to speak a text that contains a number or a date (possible personal data)")


def spoken_form(text: str) -> str:
    """How a fixed text is said: a format like YYMMDD letter by letter and an example number digit by digit
    ("9 0 0 1 3 1", not "nine hundred thousand ..."), which is how a customer types them."""
    text = re.sub(r"\b[A-Z]{3,}\b", lambda m: " ".join(m.group(0)), text)
    return re.sub(r"\d{3,}", lambda m: " ".join(m.group(0)), text)


def command(text: str, language: str, wav: Path | None = None, check_personal: bool = True) -> list[str]:
    """The espeak-ng command line that speaks ``text`` (to the sound card, or into ``wav``).

    ``check_personal=False`` only for the program's own fixed texts (``kiosk speech export``)."""
    if language not in VOICES:
        raise SpeechError(f"no voice for language {language!r}: use one of {', '.join(sorted(VOICES))}")
    if not text.strip():
        raise SpeechError("nothing to say: the text is empty")
    if check_personal:
        refuse_personal(text)
    args = [espeak(), "-v", VOICES[language], "-s", str(RATE_WPM)]
    if wav is not None:
        args += ["-w", str(wav)]
    return args + ["--", spoken_form(text)]


def synthesize(text: str, language: str, wav: Path, check_personal: bool = True) -> Path:
    """Write ``text`` spoken in ``language`` to the WAV file ``wav`` (for ``kiosk speech export``)."""
    try:
        subprocess.run(command(text, language, wav, check_personal), check=True, timeout=SYNTH_TIMEOUT_S,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except subprocess.CalledProcessError as exc:
        raise SpeechError(f"espeak-ng failed ({exc.returncode}): {exc.stderr.decode(errors='replace')[:200]}") from exc
    except subprocess.TimeoutExpired as exc:
        raise SpeechError(f"espeak-ng took longer than {SYNTH_TIMEOUT_S:g} s") from exc
    return wav


def play(args: list[str], stop: threading.Event) -> None:
    """Run one espeak-ng command to the sound card; killed as soon as ``stop`` is set."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        if stop.wait(0.05):
            proc.kill()
            proc.wait()
            return


class Speaker:
    """A queue of prompts spoken one after another on a worker thread.

    :param player: speaks one command (``play``); tests pass a recorder.
    """

    def __init__(self, player: Callable[[list[str], threading.Event], None] = play) -> None:
        self.player = player
        self._queue: deque[tuple[int, str, str]] = deque()
        self._generation = 0  # raised by each interrupt: a prompt popped just before it is not spoken
        self._wake = threading.Condition()
        self._cut = threading.Event()  # set: the prompt being spoken stops now
        self._closed = False
        self.refused = 0
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    def say(self, text: str, language: str, interrupt: bool = False) -> None:
        """Queue ``text`` (never blocks). ``interrupt``: drop everything queued or speaking first."""
        with self._wake:
            if interrupt:
                self._drop()
            self._queue.append((self._generation, text, language))
            self._wake.notify()

    def stop(self) -> None:
        """Silence: drop the queue and cut the prompt being spoken."""
        with self._wake:
            self._drop()

    def _drop(self) -> None:
        self._generation += 1
        self._queue.clear()
        self._cut.set()

    def pending(self) -> int:
        """Prompts still waiting."""
        with self._wake:
            return len(self._queue)

    def close(self) -> None:
        """Stop and end the worker."""
        with self._wake:
            self._closed = True
            self._queue.clear()
            self._cut.set()
            self._wake.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                generation, text, language = self._queue.popleft()
                if generation != self._generation:
                    continue
                self._cut.clear()
            try:
                self.player(command(text, language), self._cut)
            except SpeechError as exc:
                self.refused += 1
                log.warning("not spoken: %s", exc)  # the reason, never the text (it may be what was refused)
            except Exception:  # a broken sound card must not stop the kiosk or the queue
                log.exception("speech output failed")
