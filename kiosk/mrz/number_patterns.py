"""Issuing states' public document-number patterns: evidence that settles a look-alike doubt (O/0, I/1, ...).

Where an issuing state publishes which characters its document numbers may hold, a reading that breaks
the pattern cannot be the document's number, whatever the glyphs look like. The table is small on
purpose: only patterns with a public source, for documents still in circulation. It is used to drop
readings, never to add one: when no reading of a field fits (an older document, a pattern that changed),
the pattern is ignored and the other evidence must settle the doubt alone, or the read is refused.

Sources:

* ``D`` (Germany), passports (``P``) and identity cards (``ID``): the serial number is 9 characters from
  the digits and ``C F G H J K L M N P R T V W X Y Z`` (no vowels, no B, D, Q, S), which Bundesdruckerei
  chose so that no two characters look alike; Passverordnung (PassV) Anlage and
  Personalausweisverordnung (PAuswV) Anlage, and the specimens (``C01X00T47``, ``T22000129``).
* ``NLD`` (Netherlands), passports and identity cards issued since 2014: 9 characters, letters in the first
  two places, letters or digits in the next six, a digit last, and never the letter O (it would be read
  as the digit 0); Rijksdienst voor Identiteitsgegevens, "Documentnummer paspoort en identiteitskaart",
  and the specimen ``SPECI2014``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_DE = "0-9CFGHJKLMNPRTVWXYZ"
_NL_LETTER = "A-NP-Z"  # every capital but O


@dataclass(frozen=True)
class NumberPattern:
    """Which document numbers an issuing state's documents of some codes can carry."""

    issuing_state: str  # as the MRZ writes it, fillers stripped ("D", "NLD")
    document_codes: tuple[str, ...]  # first character(s) of the document code it applies to
    pattern: re.Pattern[str]  # the whole number, trailing fillers stripped
    source: str

    def applies(self, issuing_state: str, document_code: str) -> bool:
        """True for documents of this state whose code starts with one of ``document_codes``."""
        return issuing_state == self.issuing_state and document_code.startswith(self.document_codes)


PATTERNS: tuple[NumberPattern, ...] = (
    NumberPattern("D", ("P", "I"), re.compile(f"[{_DE}]{{9}}"), "PassV / PAuswV serial number alphabet"),
    NumberPattern("NLD", ("P", "I"), re.compile(f"[{_NL_LETTER}]{{2}}[{_NL_LETTER}0-9]{{6}}[0-9]"),
                  "RvIG document number, since 2014"),
)


def pattern_for(issuing_state: str, document_code: str) -> NumberPattern | None:
    """The public pattern for this state's documents of this code, or None where none is known."""
    state, code = issuing_state.rstrip("<"), document_code.rstrip("<")
    if not state or not code:
        return None
    return next((p for p in PATTERNS if p.applies(state, code)), None)


def fits(pattern: NumberPattern | None, number: str) -> bool:
    """True when ``number`` (trailing fillers ignored) can be a number of ``pattern``'s documents, or there is
    no pattern."""
    return pattern is None or pattern.pattern.fullmatch(number.rstrip("<")) is not None
