"""Turn recognised MRZ lines into checked fields, repairing look-alike confusions only where check digits decide.

Fields and check digits follow ICAO 9303 Part 4 (TD3), Part 5 (TD1) and Part 6 (TD2), with the
check-digit rule of Part 3 section 4.9 (``hardware.emrtd.mrz.check_digit``). Repairs:

* numeric fields (dates, check digits) cannot hold letters, so ``O I S B Z G`` there become
  ``0 1 5 8 2 6``; the field's check digit must then hold as read, nothing else is tried;
* the alphanumeric document number (and TD3 optional data) may hold either. Each of its characters
  that belongs to a pair O/0, I/1, S/5, B/8, Z/2, G/6 (and a 0 the recogniser also saw as D) gets a
  cost (negative log probability) for each reading: for O/0, which the recogniser cannot tell apart in
  OCR-B, from the glyph's height (``inference.mrz.glyphs``) and the recogniser; for the others from the
  recogniser, recalibrated for its lean to digits. The readings within ``MAX_SWAPS`` changes of the
  cheapest that satisfy the field's check digit and the composite digit are ranked by cost; the
  cheapest is accepted only if every other document number that also satisfies them costs at least
  ``MARGIN`` more, it costs at most ``MAX_COST``, and, when the number as read satisfies them, it is
  that number (evidence may doubt a read the check digits accept, never overrule it). So two O/0
  positions of equal weight are settled by the evidence or refused, and OO against 00 at weights 7
  and 3 (the same check digit) is refused unless the evidence backs the read. Readings the recogniser
  gave < ``SWAP_MIN_P`` are not tried (except O/0);
* optional data without a check digit of its own (TD1, TD2) may take one swap, judged by the
  composite digit alone.

Visas (MRV-A, MRV-B; ICAO 9303-7) are read when the band's first line is given and its document code
starts with ``V``: line 2 as in a TD3/TD2 up to the expiry date, no composite digit, so the document
number is judged by its own check digit alone. Without the first line a 2-line band is read by passport
rules, under which a visa fails its composite digit: refused, never taken for a passport.

Doubt is resolved by evidence, never guessed: the glyph evidence above; the issuing state's public
number pattern where one is known (``kiosk.mrz.number_patterns``: a reading the state cannot issue is
dropped); and, when a frame's evidence leaves two readings within ``MARGIN``, ``MrzAmbiguousError``
hands its candidates to ``MrzScanner``, which votes over several frames of the same page.

Check digits cannot see everything (``<``/0/A/K/U, and G/Q/6, have the same value), which is why
``MrzScanner`` also wants the same read on several frames. Nothing here logs or prints MRZ text.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hardware.emrtd.mrz import MRV_A, MRV_B, VISA_FORMATS, check_digit
from hardware.emrtd.password import AccessKey
from inference.errors import MrzUnreadableError
from inference.mrz.glyphs import LETTER_RATIO
from inference.mrz.glyphs import PAIRS as _PAIRS
from kiosk.mrz.doubt import Candidate, MrzAmbiguousError
from kiosk.mrz.number_patterns import NumberPattern, fits, pattern_for

LINE_WIDTH = {"TD1": 30, "TD2": 36, "TD3": 44, MRV_A: 44, MRV_B: 36}
_TO_DIGIT = {a: b for a, b in _PAIRS}
_SWAP = {**{a: b for a, b in _PAIRS}, **{b: a for a, b in _PAIRS}}
MAX_SWAPS = 2  # more changes than this from the cheapest reading of one field is guessing, not repairing
# A look-alike reading is tried where the recogniser recorded any probability for it (it records >= 0.1 %).
# A reading not tried is a rival the margin cannot see: on the held-out set of seed 202 a ZZ read as 22
# (weights 7 and 3 again: 33 * 10) with 0.3 % and 0.7 % for the Z's passed every digit at 0.5 %; lowering
# this from 0.5 % to 0.1 % changed no read of the development set.
SWAP_MIN_P = 0.001

# O/0, which the recogniser cannot tell apart in OCR-B (it read all 249 O's of the development set, 300
# degraded documents of seed 101, as 0): the glyph's height (``LineRead.digit_ratio``) as z, 0 at the O's
# height in the font and 1 at the 0's, and the recogniser's m = ln(p_O / p_0) (each floored at 0.1 %):
# log odds for O = O0_BIAS + O0_SLOPE * z + O0_MODEL * m, a logistic fit with both classes weighted
# equally on the development set's 2522 O/0 glyphs; capped, so one glyph never speaks with more than
# 100:1 (1 % of the O's measured clearly 0-like: glare, blur).
O0_BIAS, O0_SLOPE, O0_MODEL = 7.04, -9.85, 0.47
O0_CAP = 4.6
# The other pairs the recogniser tells apart, but it leans to the digit: on the development set's I/1,
# S/5, B/8, Z/2, G/6 glyphs, 6477 of 6493 digits had < 0.1 % for their letter (the rest <= 0.33 %, m <= -5.7),
# while every one of the 1300 letters had m >= -2.9, even where the digit was read. So the log odds for
# the letter are PAIR_SLOPE * (m - PAIR_MID), even at m = ln(1/99), between the two. D read
# as 0 behaves the same (all 5 zeros of the development set with >= 0.5 % for D were D's, no 0 or O had
# that much): a 0 may also be read as D, weighed so.
PAIR_MID, PAIR_SLOPE = -4.6, 1.0
# A reading must beat every other document number by this much (nats; e^3 = 20:1), and cost at most
# MAX_COST in all (the recogniser's and the glyphs' doubt about the characters it changed).
MARGIN = 3.0
MAX_COST = 6.0
TYPED_SWAP_COST = 4.6  # typed text: every swap costs the same (the fewest swaps win, ties are refused)

# A twin (a character of equal check value, so invisible to every check digit) the recogniser gave this
# much probability makes the document number undecidable on this frame. Measured on degraded synthetic
# sets: wrong reads had their twin at 22-49 %, right reads mostly < 2 % (a few up to 46 %).
TWIN_MAX_P = 0.2

# (index in the line, character read) -> {reading worth trying there: its cost in nats}
Options = Callable[[int, str], dict[str, float]]


@dataclass(frozen=True)
class MrzRead:
    """The fields the chip needs, read from an MRZ. Dates are YYMMDD; ``repairs`` counts swaps made."""

    document_type: str  # the format: TD1, TD2, TD3, MRV-A or MRV-B
    document_number: str  # without trailing fillers
    birth_date: str
    expiry_date: str
    repairs: int = 0
    # Other document numbers that pass the same check digits by two look-alike swaps that cancel out
    # (e.g. OO read as 00 at weights 7 and 3): what to try next if the chip refuses the key.
    alternatives: tuple[str, ...] = ()
    # From the first line, when it was read ("" otherwise): the document code (P, V, I, ...) and issuer.
    document_code: str = ""
    issuing_state: str = ""

    @property
    def is_visa(self) -> bool:
        """True for a machine readable visa (MRV-A, MRV-B): no chip to read, not an identity document."""
        return self.document_type in VISA_FORMATS

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


class _Doubt(Exception):
    """Raised by ``_choose`` inside this module: the message and the (cost, number, as read) rivals."""

    def __init__(self, message: str, rivals: list[tuple[float, str, bool]]) -> None:
        super().__init__(message)
        self.message, self.rivals = message, rivals


def _decide(good: list[tuple[float, str, int]], read: str, camera: bool, pattern: NumberPattern | None,
            make: Callable[[str, int], MrzRead], blind: Callable[[str], bool],
            checks: str = "composite check digit") -> MrzRead:
    """``_choose`` the number and build its read with ``make(number, repairs)``; refused when ``blind``
    (a same-value twin the check digits cannot see); a doubt becomes ``MrzAmbiguousError`` carrying every
    rival's read."""
    try:
        number, repairs = _choose(good, "document number", camera, read, pattern, checks)
    except _Doubt as doubt:
        base = min(c for c, _, _ in doubt.rivals)
        raise MrzAmbiguousError(doubt.message, [
            Candidate(c - base, make(n, _swaps(n, read)), as_read, (not camera or c <= MAX_COST) and not blind(n))
            for c, n, as_read in doubt.rivals]) from None
    if blind(number):
        raise MrzUnreadableError("the document number has a character whose look-alike has the same check value")
    return make(number, repairs)


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


def _readings(field: str, offset: int, options: Options, digit: str | None, changes: int) -> list[tuple[float, str]]:
    """Readings of an alphanumeric field with their costs: the cheapest (each character at its cheaper
    reading, as read on a tie) and those up to ``changes`` changes from it, keeping only those that satisfy ``digit``
    (when given). ``offset`` is where the field starts in its line (``options`` takes line positions)."""
    opts = [options(offset + i, c) for i, c in enumerate(field)]
    best = [min(o, key=lambda r: (o[r], r != c)) for o, c in zip(opts, field)]  # a tie keeps the character read
    base = sum(o[c] for o, c in zip(opts, best))
    spots = [i for i, o in enumerate(opts) if len(o) > 1]
    out = []
    for k in range(changes + 1):
        for combo in itertools.combinations(spots, k):
            for picks in itertools.product(*[[c for c in opts[i] if c != best[i]] for i in combo]):
                chars, cost = list(best), base
                for i, c in zip(combo, picks):
                    chars[i], cost = c, cost + opts[i][c] - opts[i][best[i]]
                cand = "".join(chars)
                if digit is None or check_digit(cand) == digit:
                    out.append((cost, cand))
    return out


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
    A look-alike pair's twin (G/6) is not counted: its readings were weighed against each other.
    Typed text (no recogniser alternatives) has no blind spot to fear."""
    if alternatives is None or len(alternatives) < offset + len(number):
        return False
    for i, ch in enumerate(number):
        for c, p in alternatives[offset + i].items():
            if c != ch and _value(c) % 10 == _value(ch) % 10 and p >= TWIN_MAX_P and _SWAP.get(ch) != c:
                return True
    return False


def _swaps(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b))


def _choose(good: list[tuple[float, str, int]], what: str, camera: bool, read: str,
            pattern: NumberPattern | None = None, checks: str = "composite check digit") -> tuple[str, int]:
    """The document number (and its count of changes from the read) of the cheapest candidate (cost,
    number, changes); refused unless every other number costs at least ``MARGIN`` more (candidates that
    differ only in optional data, which the key does not use, agree) and, for a camera read, it costs at
    most ``MAX_COST``. When the number as ``read`` passes the check digits, nothing asks for a repair:
    another number may make it doubtful (refused), never replace it. Numbers the issuing state's public
    ``pattern`` rules out are dropped first, as long as one fits. A doubt between readings raises
    ``_Doubt`` with them (``_decide`` turns it into ``MrzAmbiguousError``)."""
    if not good:
        raise MrzUnreadableError(f"the {what} and the {checks} disagree with what was read, "
                                 "and no look-alike repair satisfies them")
    fitting = [g for g in good if fits(pattern, g[1])]
    good = sorted(fitting or good)
    cost, number, changes = good[0]
    rivals = {n for c, n, _ in good if n != number and c - cost < MARGIN}
    if rivals:
        raise _Doubt(f"the {what} is ambiguous: {len(rivals) + 1} readings satisfy its check digits",
                     _rivals(good, {number} | rivals, read))
    if camera and cost > MAX_COST:
        raise MrzUnreadableError(f"the {what} passes its check digits only with changes the recogniser found unlikely")
    if number != read and any(n == read for _, n, _ in good):
        # Two readings pass (OO/00 at weights 7 and 3): the glyphs' heights of one line err together, so
        # they may doubt the read, not overrule the check digits (held-out seed 404: 00 turned into OO).
        raise _Doubt(f"the {what} as read passes its check digits, but another reading is likelier",
                     _rivals(good, {number, read}, read))
    return number, changes


def _rivals(good: list[tuple[float, str, int]], numbers: set[str], read: str) -> list[tuple[float, str, bool]]:
    """The cheapest cost of each of ``numbers`` among the sorted ``good``, with whether it is the read."""
    out: dict[str, float] = {}
    for c, n, _ in good:
        if n in numbers and n not in out:
            out[n] = c
    return [(c, n, n == read) for n, c in out.items()]


def _td3_td2(line: str, fmt: str, options: Options, alternatives: Sequence[dict[str, float]] | None,
             camera: bool, code: str = "", state: str = "") -> MrzRead:
    """Line 2 of a TD3 (44 characters) or TD2 (36), or of a visa (MRV-A, MRV-B: no composite digit);
    ``code`` and ``state`` come from line 1 when it was read."""
    birth = _date(line[13:19], line[19], "birth date")
    expiry = _date(line[21:27], line[27], "expiry date")
    number_digit = _digits(line[9], "document number check digit") if line[9] != "<" else "<"
    if number_digit == "<":
        raise MrzUnreadableError("long document numbers (over 9 characters) are not read by camera: type the MRZ")
    numbers = _readings(line[0:9], 0, options, number_digit, MAX_SWAPS)
    pattern = pattern_for(state, code)

    def blind(number: str) -> bool:
        return _blind_spot(number, 0, alternatives)

    def make(number: str, repairs: int) -> MrzRead:
        return MrzRead(fmt, number.rstrip("<"), birth, expiry, repairs, _double_swaps(number), code, state)

    if fmt in VISA_FORMATS:  # Part 7: only the number's own check digit speaks for it
        good = [(c, n, _swaps(n, line[0:9])) for c, n in numbers]
        return _decide(good, line[0:9], camera, pattern, make, blind, "its check digit")
    composite = _digits(line[-1], "composite check digit")
    if fmt == "TD3":
        opt, opt_digit = line[28:42], line[42]
        if opt_digit == "<" and set(opt) <= {"<"}:
            opts = [(0.0, opt)]
        else:
            opt_digit = _digits(opt_digit, "optional data check digit")
            opts = _readings(opt, 28, options, opt_digit, MAX_SWAPS)
        tail = lambda o: o + opt_digit  # noqa: E731
    else:
        opts, tail = _readings(line[28:35], 28, options, None, 1), (lambda o: o)
    good = []
    for (c1, number), (c2, opt) in itertools.product(numbers, opts):
        # Composite over number+digit, birth+digit, expiry+digit and optional data (Part 4/6 4.2.2).
        data = number + number_digit + birth + check_digit(birth) + expiry + check_digit(expiry) + tail(opt)
        if check_digit(data) == composite:
            good.append((c1 + c2, number, _swaps(number, line[0:9]) + _swaps(opt, line[28:28 + len(opt)])))
    return _decide(good, line[0:9], camera, pattern, make, blind)


def _td1(l1: str, l2: str, options1: Options, options2: Options,
         alternatives: Sequence[dict[str, float]] | None, camera: bool) -> MrzRead:
    birth = _date(l2[0:6], l2[6], "birth date")
    expiry = _date(l2[8:14], l2[14], "expiry date")
    composite = _digits(l2[29], "composite check digit")
    if l1[14] == "<" and l1[13] != "<":
        # Part 5 note j: a long number continues in the optional data, then its check digit. Read as is.
        rest = l1[15:30].split("<", 1)[0]
        if len(rest) < 2 or check_digit(l1[5:14] + rest[:-1]) != rest[-1]:
            raise MrzUnreadableError("the long document number failed its check digit")
        numbers, number_digit = [(0.0, l1[5:14])], "<"
        full = l1[5:14] + rest[:-1]
        opt1s = [(0.0, l1[15:30])]
    else:
        number_digit = _digits(l1[14], "document number check digit")
        numbers, full = _readings(l1[5:14], 5, options1, number_digit, MAX_SWAPS), ""
        opt1s = _readings(l1[15:30], 15, options1, None, 1)
    good = []
    for (c1, number), (c2, opt1), (c3, opt2) in itertools.product(numbers, opt1s,
                                                                  _readings(l2[18:29], 18, options2, None, 1)):
        data = number + number_digit + opt1 + birth + check_digit(birth) + expiry + check_digit(expiry) + opt2
        if check_digit(data) == composite:
            changes = _swaps(number, l1[5:14]) + _swaps(opt1, l1[15:30]) + _swaps(opt2, l2[18:29])
            good.append((c1 + c2 + c3, number, changes))
    code, state = l1[0:2].rstrip("<"), l1[2:5].rstrip("<")

    def make(number: str, repairs: int) -> MrzRead:
        return MrzRead("TD1", (full or number).rstrip("<"), birth, expiry, repairs,
                       () if full else _double_swaps(number), code, state)

    return _decide(good, l1[5:14], camera, pattern_for(state, code), make,
                   lambda n: _blind_spot(n, 5, alternatives))


def _typed(_index: int, char: str) -> dict[str, float]:
    partner = _SWAP.get(char)
    return {char: 0.0} if partner is None else {char: 0.0, partner: TYPED_SWAP_COST}


def _as_read(_index: int, char: str) -> dict[str, float]:
    return {char: 0.0}


def _letter_log_odds(letter: str, p_letter: float, p_digit: float, ratio: float | None) -> float:
    """Log odds that a glyph read as ``letter`` or its digit twin is the letter (see ``O0_BIAS``)."""
    m = math.log(max(p_letter, 1e-3) / max(p_digit, 1e-3))
    if letter != "O":  # the other pairs, and D for 0
        return PAIR_SLOPE * (m - PAIR_MID)
    if ratio is None:
        return 0.0
    z = (ratio - LETTER_RATIO["O"]) / (1 - LETTER_RATIO["O"])
    return max(-O0_CAP, min(O0_CAP, O0_BIAS + O0_SLOPE * z + O0_MODEL * m))


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _options(text: str, width: int, alternatives: Sequence[dict[str, float]] | None,
             confidence: Sequence[float] | None, digit_ratio: Sequence[float | None] | None) -> Options:
    """What each character of a line may be, and at what cost, from the recogniser's evidence.

    Typed text (no alternatives): every look-alike swap at one fixed cost. After a length fix the
    positions no longer line up with the recogniser's, so every character stays as read.
    """
    if alternatives is None:
        return _typed
    if len(text) != width or len(alternatives) != width:
        return _as_read
    conf = list(confidence) if confidence is not None and len(confidence) == width else [1.0] * width
    ratios = list(digit_ratio) if digit_ratio is not None and len(digit_ratio) == width else [None] * width

    def options(i: int, char: str) -> dict[str, float]:
        partner = _SWAP.get(char)
        if partner is None:
            return {char: 0.0}
        p_read, p_other = conf[i], alternatives[i].get(partner, 0.0)
        letter, digit = (char, partner) if char.isalpha() else (partner, char)
        if letter != "O" and p_other < SWAP_MIN_P:
            return {char: 0.0}
        odds = _letter_log_odds(letter, *((p_read, p_other) if char == letter else (p_other, p_read)), ratios[i])
        # -ln(sigmoid(x)) = softplus(-x), written so it cannot overflow
        costs = {letter: _softplus(-odds), digit: _softplus(odds)}
        p_d = alternatives[i].get("D", 0.0)
        if char == "0" and p_d >= SWAP_MIN_P:  # a D read as 0: the recogniser leans to the digit here too
            odds_d = _letter_log_odds("D", p_d, p_read, None)
            costs = {c: v + _softplus(odds_d) for c, v in costs.items()} | {"D": _softplus(-odds_d)}
        return costs

    return options


def read_fields(lines: Sequence[str], line_count: int,
                alternatives: Sequence[Sequence[dict[str, float]]] | None = None, *,
                confidence: Sequence[Sequence[float]] | None = None,
                digit_ratio: Sequence[Sequence[float | None]] | None = None) -> MrzRead:
    """Checked fields from the recognised lines the format needs.

    ``line_count`` is how many lines the band had (3: TD1, whose first two lines are given; 2: TD2, TD3,
    MRV-B or MRV-A, whose second line is given, the format following from its length and, when both
    lines are given, from line 1's document code: ``V`` is a visa). Per line and character,
    from the recogniser (``LineRead``): ``alternatives``, its probability for other characters;
    ``confidence``, its probability for the character read; ``digit_ratio``, an O's or 0's height
    against a 0's. Without ``alternatives`` the text counts as typed: every look-alike swap costs the
    same. Raises ``MrzUnreadableError`` when the lines cannot be trusted.
    """
    alts = list(alternatives) if alternatives is not None else None
    camera = alts is not None

    def evidence(k: int, text: str, width: int) -> Options:
        pick = lambda seq: seq[k] if seq is not None and len(seq) > k else None  # noqa: E731
        return _options(text, width, pick(alts), pick(confidence), pick(digit_ratio))

    if line_count == 3:
        if len(lines) < 2:
            raise MrzUnreadableError("a TD1 MRZ needs its first two lines")
        l1 = _fix_length(lines[0], 30)
        a1 = alts[0] if alts and len(alts) >= 2 else None
        return _td1(l1, _fix_length(lines[1], 30), evidence(0, lines[0], 30), evidence(1, lines[1], 30),
                    a1 if l1 == lines[0] else None, camera)
    if line_count != 2 or not lines:
        raise MrzUnreadableError("an MRZ has 2 or 3 lines")
    line = lines[-1]
    last = len(lines) - 1
    # Line 1, when given, names the document (its code) and the issuer (for the number pattern).
    head = lines[0] if len(lines) == 2 else ""
    code, state = head[0:2].rstrip("<"), head[2:5].rstrip("<")
    visa = code.startswith("V")
    order = ("TD3", "TD2") if abs(len(line) - 44) <= abs(len(line) - 36) else ("TD2", "TD3")
    errors = []
    for fmt in order:  # a line read a few fillers short can sit between the two lengths
        width = LINE_WIDTH[fmt]
        if visa:
            fmt = MRV_A if fmt == "TD3" else MRV_B
        try:
            fixed = _fix_length(line, width)
            a = alts[-1] if alts else None
            return _td3_td2(fixed, fmt, evidence(last, line, width), a if fixed == line else None, camera,
                            code, state)
        except MrzUnreadableError as exc:
            errors.append(exc)
    raise errors[0]
