"""Turn recognised MRZ lines into checked fields, repairing look-alike confusions only where check digits decide.

Fields and check digits follow ICAO 9303 Part 4 (TD3), Part 5 (TD1) and Part 6 (TD2), with the
check-digit rule of Part 3 section 4.9 (``hardware.emrtd.mrz.check_digit``). Repairs:

* numeric fields (dates, check digits) cannot hold letters, so ``O I S B Z G`` there become
  ``0 1 5 8 2 6``; the field's check digit must then hold as read, nothing else is tried;
* the alphanumeric document number (and TD3 optional data) may hold either: when its check digit
  fails, the fewest swaps between the pairs O/0, I/1, S/5, B/8, Z/2, G/6 that satisfy it are tried,
  then the composite check digit; the read is accepted only if exactly one document number is left.
  Only swaps the recogniser itself found plausible (the partner had >= ``SWAP_MIN_P`` probability at
  that character), and O/0 always, are tried: a check digit alone cannot choose between swaps at
  positions of equal weight, and the composite digit weighs the document number as its own digit does;
* optional data without a check digit of its own (TD1, TD2) may take one plausible swap, judged by the
  composite digit alone.

Check digits cannot see everything (``<``/0/A/K/U, and G/Q/6, have the same value), which is why
``MrzScanner`` also wants the same read on several frames. Nothing here logs or prints MRZ text.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hardware.emrtd.mrz import check_digit
from hardware.emrtd.password import AccessKey
from inference.errors import MrzUnreadableError

LINE_WIDTH = {"TD1": 30, "TD2": 36, "TD3": 44}
_PAIRS = (("O", "0"), ("I", "1"), ("S", "5"), ("B", "8"), ("Z", "2"), ("G", "6"))
_TO_DIGIT = {a: b for a, b in _PAIRS}
_SWAP = {**{a: b for a, b in _PAIRS}, **{b: a for a, b in _PAIRS}}
MAX_SWAPS = 2  # more swaps than this in one field is guessing, not repairing
# Measured on degraded synthetic TD3s: a misread O/0 kept 0.7-36 % for its partner, a correct read
# nearly always < 0.1 %.
SWAP_MIN_P = 0.005

# A twin (a character of equal check value, so invisible to every check digit) the recogniser gave this
# much probability makes the document number undecidable on this frame. Measured on degraded synthetic
# sets: wrong reads had their twin at 22-49 %, right reads mostly < 2 % (a few up to 46 %).
TWIN_MAX_P = 0.2

Plausible = Callable[[int, str], bool]  # (index in the line, partner character) -> worth trying


@dataclass(frozen=True)
class MrzRead:
    """The fields the chip needs, read from an MRZ. Dates are YYMMDD; ``repairs`` counts swaps made."""

    document_type: str  # TD1, TD2 or TD3
    document_number: str  # without trailing fillers
    birth_date: str
    expiry_date: str
    repairs: int = 0
    # Other document numbers that pass the same check digits by two look-alike swaps that cancel out
    # (e.g. OO read as 00 at weights 7 and 3): what to try next if the chip refuses the key.
    alternatives: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"MrzRead(document_type={self.document_type!r}, <personal data redacted>)"

    __str__ = __repr__

    @property
    def key(self) -> tuple[str, str, str]:
        """(document number, birth date, expiry date): what agreement across frames compares."""
        return (self.document_number, self.birth_date, self.expiry_date)

    def access_key(self) -> AccessKey:
        """The BAC/PACE password for the chip (ICAO 9303-11 section 9.7.2)."""
        return AccessKey.from_mrz(self.document_number, self.birth_date, self.expiry_date)

    def fallback_keys(self) -> list[AccessKey]:
        """Keys for ``alternatives``, to try (in order) only after the chip refused ``access_key()``."""
        return [AccessKey.from_mrz(n, self.birth_date, self.expiry_date) for n in self.alternatives]


def _double_swaps(number: str) -> tuple[str, ...]:
    """Numbers two look-alike swaps away from ``number`` with the same check digit (blind to it)."""
    digit = check_digit(number)
    spots = [i for i, c in enumerate(number) if c in _SWAP]
    out = []
    for i, j in itertools.combinations(spots, 2):
        chars = list(number)
        chars[i], chars[j] = _SWAP[chars[i]], _SWAP[chars[j]]
        cand = "".join(chars)
        if check_digit(cand) == digit:
            out.append(cand.rstrip("<"))
    return tuple(out)


def _fix_length(line: str, width: int) -> str:
    """Undo a filler run read one or a few ``<`` too long or short (the usual CTC slip)."""
    diff = len(line) - width
    if diff == 0:
        return line
    runs = [(m_end - m_start, m_start) for m_start, m_end in _filler_runs(line)]
    if abs(diff) > 5 or not runs:
        raise MrzUnreadableError(f"an MRZ line was read with {len(line)} characters instead of {width}")
    length, start = max(runs)
    if length - diff < 2:
        raise MrzUnreadableError(f"an MRZ line was read with {len(line)} characters instead of {width}")
    return line[:start] + "<" * (length - diff) + line[start + length:]


def _filler_runs(line: str) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, ch in enumerate(line + "x"):
        if ch == "<" and start is None:
            start = i
        elif ch != "<" and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _digits(s: str, what: str) -> str:
    out = "".join(_TO_DIGIT.get(c, c) for c in s)
    if not out.isdigit():
        raise MrzUnreadableError(f"the {what} was not read as digits")
    return out


def _candidates(field: str, digit: str, plausible: Plausible, offset: int) -> list[str]:
    """Readings of an alphanumeric field that satisfy ``digit`` with the fewest plausible look-alike swaps.

    ``offset`` is where the field starts in its line (``plausible`` takes line positions).
    """
    if check_digit(field) == digit:
        return [field]
    spots = [i for i, c in enumerate(field) if c in _SWAP and plausible(offset + i, _SWAP[c])]
    for k in range(1, MAX_SWAPS + 1):
        found = []
        for combo in itertools.combinations(spots, k):
            chars = list(field)
            for i in combo:
                chars[i] = _SWAP[chars[i]]
            cand = "".join(chars)
            if check_digit(cand) == digit:
                found.append(cand)
        if found:
            return found
    return []


def _date(s: str, digit: str, what: str) -> str:
    value, d = _digits(s, what), _digits(digit, f"{what} check digit")
    if check_digit(value) != d:
        raise MrzUnreadableError(f"the {what} failed its check digit")
    return value


def _value(ch: str) -> int:
    return 0 if ch == "<" else int(ch) if ch.isdigit() else ord(ch) - 55


def _blind_spot(number: str, offset: int, alternatives: Sequence[dict[str, float]] | None) -> bool:
    """True when the recogniser found plausible, at some character, another character of equal check
    value (0/A/K/U/<, 1/B/L/V, ..., 6/G/Q: values 10 apart): no check digit could catch that misread.
    Typed text (no recogniser alternatives) has no blind spot to fear."""
    if alternatives is None or len(alternatives) < offset + len(number):
        return False
    for i, ch in enumerate(number):
        for c, p in alternatives[offset + i].items():
            if c != ch and _value(c) % 10 == _value(ch) % 10 and p >= TWIN_MAX_P:
                return True
    return False


def _swaps(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b))


def _variants(field: str, plausible: Plausible, offset: int) -> list[str]:
    """``field`` as read plus each single plausible look-alike swap: for optional data, which has no
    check digit of its own and is judged by the composite digit alone (one swap at most: no guessing)."""
    out = [field]
    for i, c in enumerate(field):
        if c in _SWAP and plausible(offset + i, _SWAP[c]):
            out.append(field[:i] + _SWAP[c] + field[i + 1:])
    return out


def _choose(good: list[tuple[int, str]], what: str) -> tuple[str, int]:
    """The document number of the candidates with the fewest swaps; refused unless that number is unique
    (candidates that differ only in optional data, which the key does not use, agree)."""
    if not good:
        raise MrzUnreadableError(f"the {what} and the composite check digit disagree with what was read, "
                                 "and no look-alike repair satisfies them")
    fewest = min(n for n, _ in good)
    numbers = {num for n, num in good if n == fewest}
    if len(numbers) > 1:
        raise MrzUnreadableError(f"the {what} is ambiguous: {len(numbers)} repairs satisfy its check digits")
    return numbers.pop(), fewest


def _td3_td2(line: str, fmt: str, plausible: Plausible,
             alternatives: Sequence[dict[str, float]] | None) -> MrzRead:
    """Line 2 of a TD3 (44 characters) or TD2 (36)."""
    birth = _date(line[13:19], line[19], "birth date")
    expiry = _date(line[21:27], line[27], "expiry date")
    number_digit = _digits(line[9], "document number check digit") if line[9] != "<" else "<"
    composite = _digits(line[-1], "composite check digit")
    if number_digit == "<":
        raise MrzUnreadableError("long document numbers (over 9 characters) are not read by camera: type the MRZ")
    numbers = _candidates(line[0:9], number_digit, plausible, 0)
    if fmt == "TD3":
        opt, opt_digit = line[28:42], line[42]
        if opt_digit == "<" and set(opt) <= {"<"}:
            opts = [opt]
        else:
            opts = _candidates(opt, _digits(opt_digit, "optional data check digit"), plausible, 28)
            opt_digit = _digits(opt_digit, "optional data check digit")
        tail = lambda o: o + opt_digit  # noqa: E731
    else:
        opts, tail = _variants(line[28:35], plausible, 28), (lambda o: o)
    good = []
    read_opt = line[28:42] if fmt == "TD3" else line[28:35]
    for number, opt in itertools.product(numbers, opts):
        # Composite over number+digit, birth+digit, expiry+digit and optional data (Part 4/6 4.2.2).
        data = number + number_digit + birth + check_digit(birth) + expiry + check_digit(expiry) + tail(opt)
        if check_digit(data) == composite:
            good.append((_swaps(number, line[0:9]) + _swaps(opt, read_opt), number))
    number, repairs = _choose(good, "document number")
    if _blind_spot(number, 0, alternatives):
        raise MrzUnreadableError("the document number has a character whose look-alike has the same check value")
    return MrzRead(fmt, number.rstrip("<"), birth, expiry, repairs, _double_swaps(number))


def _td1(l1: str, l2: str, plausible: Plausible, plausible2: Plausible,
         alternatives: Sequence[dict[str, float]] | None) -> MrzRead:
    birth = _date(l2[0:6], l2[6], "birth date")
    expiry = _date(l2[8:14], l2[14], "expiry date")
    composite = _digits(l2[29], "composite check digit")
    if l1[14] == "<" and l1[13] != "<":
        # Part 5 note j: a long number continues in the optional data, then its check digit. Read as is.
        rest = l1[15:30].split("<", 1)[0]
        if len(rest) < 2 or check_digit(l1[5:14] + rest[:-1]) != rest[-1]:
            raise MrzUnreadableError("the long document number failed its check digit")
        numbers, number_digit = [l1[5:14]], "<"
        full = l1[5:14] + rest[:-1]
    else:
        number_digit = _digits(l1[14], "document number check digit")
        numbers, full = _candidates(l1[5:14], number_digit, plausible, 5), ""
    good = []
    opt1s = [l1[15:30]] if full else _variants(l1[15:30], plausible, 15)
    for number, opt1, opt2 in itertools.product(numbers, opt1s, _variants(l2[18:29], plausible2, 18)):
        data = number + number_digit + opt1 + birth + check_digit(birth) + expiry + check_digit(expiry) + opt2
        if check_digit(data) == composite:
            good.append((_swaps(number, l1[5:14]) + _swaps(opt1, l1[15:30]) + _swaps(opt2, l2[18:29]), number))
    number, repairs = _choose(good, "document number")
    if _blind_spot(number, 5, alternatives):
        raise MrzUnreadableError("the document number has a character whose look-alike has the same check value")
    return MrzRead("TD1", (full or number).rstrip("<"), birth, expiry, repairs,
                   () if full else _double_swaps(number))


def _any(_index: int, _char: str) -> bool:
    return True


def _plausible(alternatives: Sequence[dict[str, float]] | None, text: str, width: int) -> Plausible:
    """Which swaps the recogniser found plausible; every swap when it gave no alternatives (typed text).

    After a length fix the positions no longer line up with the recogniser's, so nothing is plausible.
    """
    if alternatives is None:
        return _any
    if len(text) != width or len(alternatives) != width:
        return lambda _i, _c: False
    # OCR-B's O and 0 differ by a few per cent in height; the recogniser reads an O as 0 with no doubt
    # at all on most clean synthetic pages (8 of 60 failed that way), so that swap is always worth a try.
    return lambda i, c: {c, text[i]} == {"O", "0"} or alternatives[i].get(c, 0.0) >= SWAP_MIN_P


def read_fields(lines: Sequence[str], line_count: int,
                alternatives: Sequence[Sequence[dict[str, float]]] | None = None) -> MrzRead:
    """Checked fields from the recognised lines the format needs.

    ``line_count`` is how many lines the band had (3: TD1, whose first two lines are given; 2: TD2 or
    TD3, whose second line is given, the format following from its length). ``alternatives`` gives,
    per line and character, the recogniser's probability for other characters (``LineRead.alternatives``);
    without it every look-alike swap counts as plausible. Raises ``MrzUnreadableError`` when the lines
    cannot be trusted.
    """
    alts = list(alternatives) if alternatives is not None else None
    if line_count == 3:
        if len(lines) < 2:
            raise MrzUnreadableError("a TD1 MRZ needs its first two lines")
        l1 = _fix_length(lines[0], 30)
        a1, a2 = (alts[0], alts[1]) if alts and len(alts) >= 2 else (None, None)
        return _td1(l1, _fix_length(lines[1], 30), _plausible(a1, lines[0], 30), _plausible(a2, lines[1], 30),
                    a1 if l1 == lines[0] else None)
    if line_count != 2 or not lines:
        raise MrzUnreadableError("an MRZ has 2 or 3 lines")
    line = lines[-1]
    order = ("TD3", "TD2") if abs(len(line) - 44) <= abs(len(line) - 36) else ("TD2", "TD3")
    errors = []
    for fmt in order:  # a line read a few fillers short can sit between the two lengths
        width = LINE_WIDTH[fmt]
        try:
            fixed = _fix_length(line, width)
            a = alts[-1] if alts else None
            return _td3_td2(fixed, fmt, _plausible(a, line, width), a if fixed == line else None)
        except MrzUnreadableError as exc:
            errors.append(exc)
    raise errors[0]
