"""Machine readable zone: parsing and generation for every ICAO 9303 format: TD1, TD2, TD3, MRV-A, MRV-B.

Check digits follow ICAO 9303-3 section 4.9 (weights 7, 3, 1; ``<`` counts 0, ``A``-``Z`` count
10-35). Field positions follow Part 4 section 4.2.2 (TD3, 2 x 44), Part 5 section 4.2.2 (TD1,
3 x 30, including the long document number of note j), Part 6 section 4.2.2 (TD2, 2 x 36) and
Part 7 sections 4.2.2 / 5.2.2 (machine readable visas: MRV-A 2 x 44, MRV-B 2 x 36). A visa's MRZ
has the same line lengths as a TD3 or TD2 but no composite check digit, and its optional data
(16 or 8 characters) has no check digit of its own; its first character is ``V`` (Part 7 4.2.2),
which is what tells it from a passport or card of the same size.

Parsing raises ``MrzError`` (``MrzCheckDigitError`` naming the field for a wrong check digit) and
nothing else. Error messages and ``repr`` never contain MRZ text.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field

from hardware.emrtd.errors import MrzCheckDigitError, MrzError

_ALLOWED = re.compile(r"^[A-Z0-9<]*$")
_WEIGHTS = (7, 3, 1)

TD1, TD2, TD3, MRV_A, MRV_B = "TD1", "TD2", "TD3", "MRV-A", "MRV-B"
FORMATS = (TD1, TD2, TD3, MRV_A, MRV_B)
_LAYOUT = {TD1: (3, 30), TD2: (2, 36), TD3: (2, 44), MRV_A: (2, 44), MRV_B: (2, 36)}
VISA_FORMATS = (MRV_A, MRV_B)
# What the first character of the document code says the document is (Parts 4-7: P passport, V visa;
# A, C and I are the official travel documents of TD1/TD2 size, ID cards among them).
_KINDS = {"P": "passport", "V": "visa", "I": "identity card", "A": "travel document", "C": "travel document"}


def _char_value(ch: str) -> int:
    if ch == "<":
        return 0
    if "0" <= ch <= "9":
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    raise MrzError("MRZ contains a character outside A-Z, 0-9 and '<'")


def check_digit(data: str) -> str:
    """The ICAO 9303-3 check digit (one character ``0``-``9``) of ``data``."""
    return str(sum(_char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)


def _verify(data: str, digit: str, name: str, *, filler_ok: bool = False) -> None:
    if filler_ok and digit == "<" and set(data) <= {"<"}:
        return
    if digit != check_digit(data):
        raise MrzCheckDigitError(name)


@dataclass(frozen=True)
class Mrz:
    """A parsed MRZ. Dates stay in the ``YYMMDD`` form the MRZ carries (use the ``*_as_date`` helpers).

    ``raw`` is the MRZ text exactly as given (lines joined without separators for DG1).
    ``repr`` is redacted, so an ``Mrz`` in a log line leaks nothing.
    """

    format: str
    document_code: str
    issuing_state: str
    document_number: str
    birth_date: str
    sex: str
    expiry_date: str
    nationality: str
    primary_identifier: str
    secondary_identifier: str
    optional_data: str = ""
    optional_data_2: str = ""
    raw: str = field(default="", compare=False)

    def __repr__(self) -> str:
        return f"Mrz(format={self.format!r}, <personal data redacted>)"

    @property
    def kind(self) -> str:
        """What the document code says it is: passport, visa, identity card or travel document."""
        return document_kind(self.document_code)

    @property
    def is_visa(self) -> bool:
        """True for a machine readable visa (MRV-A, MRV-B): no chip, not an identity document."""
        return self.format in VISA_FORMATS

    __str__ = __repr__

    @property
    def lines(self) -> list[str]:
        """The MRZ as its 2 or 3 lines."""
        n, width = _LAYOUT[self.format]
        text = self.raw.replace("\n", "")
        return [text[i * width : (i + 1) * width] for i in range(n)]

    def birth_date_as_date(self, today: _dt.date | None = None) -> _dt.date | None:
        """Birth date; the century makes it not later than ``today``. None when unknown (``<`` filled)."""
        return _to_date(self.birth_date, today or _dt.date.today(), past=True)

    def expiry_date_as_date(self) -> _dt.date | None:
        """Expiry date (20YY: no machine-readable travel document expires in the 1900s any more)."""
        return _to_date(self.expiry_date, None, past=False)

    def access_key_info(self) -> str:
        """Document number, birth date and expiry with their check digits: the BAC/PACE MRZ password
        (ICAO 9303-11 section 4.3.2 / 9.7.2.1)."""
        number = self.document_number
        if len(number) < 9:
            number = number.ljust(9, "<")
        return (
            number + check_digit(number)
            + self.birth_date + check_digit(self.birth_date)
            + self.expiry_date + check_digit(self.expiry_date)
        )


def _to_date(yymmdd: str, today: _dt.date | None, *, past: bool) -> _dt.date | None:
    if not yymmdd.isdigit() or len(yymmdd) != 6:
        return None
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    year = 2000 + yy
    if past and today is not None and year > today.year:
        year -= 100
    try:
        return _dt.date(year, mm, dd)
    except ValueError:
        return None


def _name(field_: str) -> tuple[str, str]:
    primary, _, secondary = field_.partition("<<")
    return primary.replace("<", " ").strip(), secondary.replace("<", " ").strip()


def _clean(s: str) -> str:
    return s.rstrip("<")


def document_kind(document_code: str) -> str:
    """passport, visa, identity card or travel document from a document code's first character."""
    return _KINDS.get(document_code[:1], "travel document")


def format_of(length: int, document_code: str) -> str:
    """The format of an MRZ of ``length`` characters (all lines) whose document code starts with
    ``document_code``: a visa (``V``) of 88 or 72 characters is MRV-A or MRV-B, anything else TD3 or TD2."""
    visa = document_code[:1] == "V"
    formats = {90: TD1, 88: MRV_A if visa else TD3, 72: MRV_B if visa else TD2}
    if length not in formats:
        raise MrzError(f"an MRZ has 90 (TD1), 72 (TD2, MRV-B) or 88 (TD3, MRV-A) characters, not {length}")
    return formats[length]


def detect_format(text: str) -> str:
    """TD1, TD2, TD3, MRV-A or MRV-B from the length of ``text`` (line breaks ignored) and its first character."""
    flat = text.replace("\n", "").replace("\r", "")
    return format_of(len(flat), flat[:1])


def parse(text: str | bytes) -> Mrz:
    """Parse and validate an MRZ (all check digits its format has, including the composite one where
    there is one: TD1, TD2, TD3; visas have none).

    Accepts the lines joined (as in DG1) or separated by newlines.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("ascii")
        except UnicodeDecodeError as exc:
            raise MrzError("MRZ is not ASCII text") from exc
    flat = text.replace("\r", "").replace("\n", "")
    fmt = detect_format(flat)
    if not _ALLOWED.match(flat):
        raise MrzError("MRZ contains a character outside A-Z, 0-9 and '<'")
    if fmt == TD3:
        return _parse_td3(flat)
    if fmt == TD2:
        return _parse_td2(flat)
    if fmt in VISA_FORMATS:
        return _parse_mrv(flat, fmt)
    return _parse_td1(flat)


def _parse_mrv(s: str, fmt: str) -> Mrz:
    """MRV-A (Part 7 section 4.2.2) or MRV-B (section 5.2.2): line 2 as in a TD3 up to the expiry date's
    check digit, then optional data to the end of the line (16 or 8 characters) with no check digit,
    and no composite check digit."""
    width = _LAYOUT[fmt][1]
    l1, l2 = s[:width], s[width:]
    _verify(l2[0:9], l2[9], "document_number")
    _verify(l2[13:19], l2[19], "birth_date")
    _verify(l2[21:27], l2[27], "expiry_date")
    primary, secondary = _name(l1[5:width])
    return Mrz(fmt, _clean(l1[0:2]), _clean(l1[2:5]), _clean(l2[0:9]), l2[13:19], l2[20], l2[21:27],
               _clean(l2[10:13]), primary, secondary, _clean(l2[28:width]), "", s)


def _parse_td3(s: str) -> Mrz:
    l1, l2 = s[:44], s[44:]
    _verify(l2[0:9], l2[9], "document_number")
    _verify(l2[13:19], l2[19], "birth_date")
    _verify(l2[21:27], l2[27], "expiry_date")
    _verify(l2[28:42], l2[42], "optional_data", filler_ok=True)
    _verify(l2[0:10] + l2[13:20] + l2[21:43], l2[43], "composite")
    primary, secondary = _name(l1[5:44])
    return Mrz(TD3, _clean(l1[0:2]), _clean(l1[2:5]), _clean(l2[0:9]), l2[13:19], l2[20], l2[21:27],
               _clean(l2[10:13]), primary, secondary, _clean(l2[28:42]), "", s)


def _parse_td2(s: str) -> Mrz:
    l1, l2 = s[:36], s[36:]
    number, optional = l2[0:9], l2[28:35]
    if l2[9] == "<" and number[-1] != "<":
        # Part 6 note: a number longer than 9 characters continues in the optional data, then its check digit.
        number, optional = _long_number(number, optional)
    else:
        _verify(number, l2[9], "document_number")
    _verify(l2[13:19], l2[19], "birth_date")
    _verify(l2[21:27], l2[27], "expiry_date")
    _verify(l2[0:10] + l2[13:20] + l2[21:35], l2[35], "composite")
    primary, secondary = _name(l1[5:36])
    return Mrz(TD2, _clean(l1[0:2]), _clean(l1[2:5]), _clean(number), l2[13:19], l2[20], l2[21:27],
               _clean(l2[10:13]), primary, secondary, _clean(optional), "", s)


def _long_number(head: str, optional: str) -> tuple[str, str]:
    rest = optional.split("<", 1)[0]
    if len(rest) < 2:
        raise MrzCheckDigitError("document_number")
    number = head + rest[:-1]
    _verify(number, rest[-1], "document_number")
    return number, optional[len(rest) + 1 :]


def _parse_td1(s: str) -> Mrz:
    l1, l2, l3 = s[:30], s[30:60], s[60:]
    number, optional = l1[5:14], l1[15:30]
    if l1[14] == "<" and number[-1] != "<":
        number, optional = _long_number(number, optional)
    else:
        _verify(number, l1[14], "document_number")
    _verify(l2[0:6], l2[6], "birth_date")
    _verify(l2[8:14], l2[14], "expiry_date")
    _verify(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29], "composite")
    primary, secondary = _name(l3)
    return Mrz(TD1, _clean(l1[0:2]), _clean(l1[2:5]), _clean(number), l2[0:6], l2[7], l2[8:14],
               _clean(l2[15:18]), primary, secondary, _clean(optional), _clean(l2[18:29]), s)


def to_mrz_chars(text: str) -> str:
    """Upper-case, transliterate accents away (ICAO 9303-3 section 6), and map separators to ``<``."""
    decomposed = unicodedata.normalize("NFKD", text)
    out = []
    for ch in decomposed.upper():
        if "A" <= ch <= "Z" or "0" <= ch <= "9" or ch == "<":
            out.append(ch)
        elif ch in " -,'.":
            out.append("<" if ch in " -," else "")
    return "".join(out)


def _fit(value: str, width: int, name: str) -> str:
    value = to_mrz_chars(value)
    if len(value) > width:
        raise MrzError(f"the {name.replace('_', ' ')} has more than {width} characters")
    return value.ljust(width, "<")


def _date_field(value: str | _dt.date, name: str) -> str:
    if isinstance(value, _dt.date):
        return value.strftime("%y%m%d")
    if not (len(value) == 6 and value.isdigit()):
        raise MrzError(f"the {name.replace('_', ' ')} must be YYMMDD digits")
    return value


def _name_field(primary: str, secondary: str, width: int) -> str:
    name = to_mrz_chars(primary)
    if secondary:
        name += "<<" + to_mrz_chars(secondary)
    # ICAO 9303-3 section 4.6: names that do not fit are truncated.
    return name[:width].ljust(width, "<")


def build_td3(
    *,
    document_number: str,
    birth_date: str | _dt.date,
    expiry_date: str | _dt.date,
    issuing_state: str,
    nationality: str,
    primary_identifier: str,
    secondary_identifier: str = "",
    sex: str = "<",
    document_code: str = "P",
    optional_data: str = "",
) -> Mrz:
    """A valid TD3 (passport) MRZ from its fields, with every check digit computed."""
    if sex not in ("M", "F", "X", "<"):
        raise MrzError("sex must be M, F, X or <")
    l1, l2 = _two_lines(44, document_code, issuing_state, primary_identifier, secondary_identifier,
                        document_number, nationality, birth_date, sex, expiry_date)
    optional = _fit(optional_data, 14, "optional_data")
    l2 += optional + ("<" if set(optional) == {"<"} else check_digit(optional))
    l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:43])
    return parse(l1 + l2)


def build_td1(
    *,
    document_number: str,
    birth_date: str | _dt.date,
    expiry_date: str | _dt.date,
    issuing_state: str,
    nationality: str,
    primary_identifier: str,
    secondary_identifier: str = "",
    sex: str = "<",
    document_code: str = "I",
    optional_data: str = "",
    optional_data_2: str = "",
) -> Mrz:
    """A valid TD1 (ID card) MRZ from its fields (document numbers up to 9 characters)."""
    number = _fit(document_number, 9, "document_number")
    birth = _date_field(birth_date, "birth_date")
    expiry = _date_field(expiry_date, "expiry_date")
    l1 = _fit(document_code, 2, "document_code") + _fit(issuing_state, 3, "issuing_state") + number
    l1 += check_digit(number) + _fit(optional_data, 15, "optional_data")
    l2 = birth + check_digit(birth) + ("<" if sex == "X" else sex) + expiry + check_digit(expiry)
    l2 += _fit(nationality, 3, "nationality") + _fit(optional_data_2, 11, "optional_data_2")
    l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    return parse(l1 + l2 + _name_field(primary_identifier, secondary_identifier, 30))


def build_td2(
    *,
    document_number: str,
    birth_date: str | _dt.date,
    expiry_date: str | _dt.date,
    issuing_state: str,
    nationality: str,
    primary_identifier: str,
    secondary_identifier: str = "",
    sex: str = "<",
    document_code: str = "I",
    optional_data: str = "",
) -> Mrz:
    """A valid TD2 MRZ from its fields (document numbers up to 9 characters)."""
    l1, l2 = _two_lines(36, document_code, issuing_state, primary_identifier, secondary_identifier,
                        document_number, nationality, birth_date, sex, expiry_date)
    l2 += _fit(optional_data, 7, "optional_data")
    l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:35])
    return parse(l1 + l2)


def _two_lines(width: int, document_code: str, issuing_state: str, primary: str, secondary: str,
               document_number: str, nationality: str, birth_date: str | _dt.date, sex: str,
               expiry_date: str | _dt.date) -> tuple[str, str]:
    """Line 1 and the first 28 characters of line 2 of a two-line MRZ (TD2, TD3, MRV-A, MRV-B): they
    share this layout up to the expiry date's check digit."""
    number = _fit(document_number, 9, "document_number")
    birth = _date_field(birth_date, "birth_date")
    expiry = _date_field(expiry_date, "expiry_date")
    l1 = _fit(document_code, 2, "document_code") + _fit(issuing_state, 3, "issuing_state")
    l1 += _name_field(primary, secondary, width - 5)
    head = number + check_digit(number) + _fit(nationality, 3, "nationality") + birth + check_digit(birth)
    return l1, head + ("<" if sex == "X" else sex) + expiry + check_digit(expiry)


def build_mrv(*, fmt: str, document_code: str = "V", optional_data: str = "", **fields: str) -> Mrz:
    """A valid MRV-A or MRV-B (machine readable visa) MRZ (ICAO 9303-7); ``fields`` as for ``build_td3``
    (document_number, birth_date, expiry_date, issuing_state, nationality, primary_identifier, and
    optionally secondary_identifier and sex)."""
    if fmt not in VISA_FORMATS:
        raise MrzError("a visa MRZ is MRV-A or MRV-B")
    if not document_code.startswith("V"):
        raise MrzError("a visa's document code starts with V")
    width = _LAYOUT[fmt][1]
    try:
        l1, head = _two_lines(width, document_code, fields["issuing_state"], fields["primary_identifier"],
                              fields.get("secondary_identifier", ""), fields["document_number"],
                              fields["nationality"], fields["birth_date"], fields.get("sex", "<"),
                              fields["expiry_date"])
    except KeyError as exc:
        raise MrzError(f"a visa MRZ needs its {exc.args[0].replace('_', ' ')}") from None
    return parse(l1 + head + _fit(optional_data, width - 28, "optional_data"))
