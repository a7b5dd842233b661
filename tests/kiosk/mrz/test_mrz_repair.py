"""Parsing and repair of recognised MRZ lines: check digits decide, ambiguity is refused."""
from __future__ import annotations

import pytest

from hardware.emrtd.mrz import build_td1, build_td2, build_td3, check_digit
from hardware.emrtd.password import AccessKey
from inference.errors import MrzUnreadableError
from inference.mrz.glyphs import LETTER_RATIO
from kiosk.mrz.repair import TWIN_MAX_P, read_fields

FIELDS = dict(birth_date="850317", expiry_date="310101", issuing_state="UTO", nationality="UTO",
              primary_identifier="ERIKSSON", secondary_identifier="ANNA", sex="F")


def td3(number: str = "XY1234567", **kw: str) -> str:
    return build_td3(document_number=number, **{**FIELDS, **kw}).lines[1]


O_HEIGHT, ZERO_HEIGHT = LETTER_RATIO["O"], 1.0


def heights(line: str, at: dict[int, float]) -> list[float | None]:
    """Glyph height ratios for ``line``: a 0's height for every O and 0, except those given by position."""
    return [at.get(i, ZERO_HEIGHT) if c in "O0" else None for i, c in enumerate(line)]


def alts(line: str, at: dict[int, dict[str, float]] | None = None) -> list[dict[str, float]]:
    """Recogniser alternatives for ``line``: none anywhere, except those given by position."""
    out: list[dict[str, float]] = [{} for _ in line]
    for i, a in (at or {}).items():
        out[i] = a
    return out


def test_clean_lines_of_every_format_parse() -> None:
    r = read_fields([td3()], 2)
    assert (r.document_type, r.key, r.repairs) == ("TD3", ("XY1234567", "850317", "310101"), 0)
    t2 = build_td2(document_number="L898902C3", **FIELDS).lines
    assert read_fields([t2[1]], 2).key == ("L898902C3", "850317", "310101")
    assert read_fields([t2[1]], 2).document_type == "TD2"
    t1 = build_td1(document_number="D23145890", optional_data="ABC123", **FIELDS).lines
    r1 = read_fields(t1[:2], 3)
    assert (r1.document_type, r1.key) == ("TD1", ("D23145890", "850317", "310101"))


def test_short_document_number_loses_its_fillers() -> None:
    assert read_fields([td3("AB123")], 2).document_number == "AB123"


def test_letters_in_dates_become_digits() -> None:
    line = td3()
    bad = line[:13] + line[13:19].replace("0", "O").replace("1", "I").replace("5", "S") + line[19:]
    bad = bad[:21] + "3IOIOI" + bad[27:]
    assert bad != line
    r = read_fields([bad], 2)
    assert r.key == ("XY1234567", "850317", "310101")


def test_a_digit_misread_as_another_digit_is_refused() -> None:
    line = td3()
    bad = line[:13] + "860317" + line[19:]  # 5 -> 6: no look-alike pair, the check digit fails
    with pytest.raises(MrzUnreadableError, match="birth date failed its check digit"):
        read_fields([bad], 2)


def test_unique_repair_in_the_document_number_is_made() -> None:
    bad = td3().replace("XY1234567", "XYI234567")
    r = read_fields([bad], 2)
    assert r.key == ("XY1234567", "850317", "310101") and r.repairs == 1


def test_ambiguous_repair_is_refused() -> None:
    # Positions 4 and 7 have the same weight (3): O at either satisfies the check digit and the composite.
    line = td3("CVSWOHH07")
    bad = line.replace("CVSWOHH07", "CVSW0HH07")
    with pytest.raises(MrzUnreadableError, match="ambiguous: 2 readings"):
        read_fields([bad], 2)
    # O/0 is always worth a try (the recogniser reads O as 0 without doubt): unmeasured, it stays ambiguous.
    with pytest.raises(MrzUnreadableError, match="ambiguous"):
        read_fields([bad], 2, [alts(bad, {4: {"O": 0.2}})])
    # The glyphs' heights settle it: position 4 stands as short as an O, position 7 as tall as a 0.
    ratio = heights(bad, {4: O_HEIGHT, 7: ZERO_HEIGHT})
    assert read_fields([bad], 2, [alts(bad)], digit_ratio=[ratio]).document_number == "CVSWOHH07"
    # Both as tall as a 0: no reading is worth the O, and the check digit refuses the line as read.
    with pytest.raises(MrzUnreadableError):
        read_fields([bad], 2, [alts(bad)], digit_ratio=[heights(bad, {4: ZERO_HEIGHT, 7: ZERO_HEIGHT})])


def test_the_recogniser_doubt_settles_an_ambiguity() -> None:
    # I read as 1 at position 2; positions 2 and 5 have the same weight (1), so I at either passes.
    line = td3("XYI231567")
    bad = line.replace("XYI231567", "XY1231567")
    with pytest.raises(MrzUnreadableError, match="ambiguous"):
        read_fields([bad], 2)
    # Only at position 2 did the recogniser see an I as well: the repair is unique.
    assert read_fields([bad], 2, [alts(bad, {2: {"I": 0.3}})]).document_number == "XYI231567"


def test_repair_needs_the_recogniser_to_find_the_swap_plausible() -> None:
    bad = td3("XYI234567").replace("XYI234567", "XY1234567")  # the recogniser leans to digits: I read as 1
    with pytest.raises(MrzUnreadableError, match="no look-alike repair"):
        read_fields([bad], 2, [alts(bad)])
    assert read_fields([bad], 2, [alts(bad, {2: {"I": 0.05}})]).document_number == "XYI234567"
    # A letter read with a little doubt for its digit was the letter on the development set: a repair
    # the check digit would need there is too unlikely to make.
    bad = td3().replace("XY1234567", "XYI234567")
    with pytest.raises(MrzUnreadableError, match="unlikely"):
        read_fields([bad], 2, [alts(bad, {2: {"1": 0.05}})])


def test_check_digit_blind_spot_is_refused_when_the_twin_was_plausible() -> None:
    line = td3("AB1234567")  # A and K have the same check value: an A read for a K passes every digit
    assert read_fields([line], 2, [alts(line, {0: {"K": TWIN_MAX_P / 2}})]).document_number == "AB1234567"
    with pytest.raises(MrzUnreadableError, match="same check value"):
        read_fields([line], 2, [alts(line, {0: {"K": TWIN_MAX_P}})])


def test_a_twin_in_a_look_alike_pair_is_weighed_not_guessed() -> None:
    line = td3("AB6234567")  # G and 6 have the same check value: a G read as 6 passes every digit
    assert read_fields([line], 2, [alts(line)]).document_number == "AB6234567"  # no doubt recorded
    # The recogniser leans to the digit: a 6 with a few per cent for its G was a G on the development set.
    with pytest.raises(MrzUnreadableError, match="ambiguous"):
        read_fields([line], 2, [alts(line, {2: {"G": 0.01}})])
    # Likelier a G, but the read passes every digit: doubted, not replaced.
    with pytest.raises(MrzUnreadableError, match="another reading is likelier"):
        read_fields([line], 2, [alts(line, {2: {"G": 0.3}})])


def test_a_double_swap_the_check_digits_cannot_see_is_doubted_by_the_glyphs_never_made() -> None:
    truth = td3("OO8SFWTAR")
    misread = truth.replace("OO8SFWTAR", "008SFWTAR")  # weights 7 and 3: 24 * 10, the same digits
    # Both glyphs as short as an O: the read passes every digit, so it is refused, not turned into OO
    # (the heights of one line err together; the chip step still has OO as a fallback key).
    short = heights(misread, {0: O_HEIGHT, 1: O_HEIGHT})
    with pytest.raises(MrzUnreadableError, match="another reading is likelier"):
        read_fields([misread], 2, [alts(misread)], digit_ratio=[short])
    tall = heights(misread, {0: ZERO_HEIGHT, 1: ZERO_HEIGHT})
    assert read_fields([misread], 2, [alts(misread)], digit_ratio=[tall]).document_number == "008SFWTAR"
    # Both glyphs between the two heights: too much doubt, another frame, never a guess.
    mid = (O_HEIGHT + ZERO_HEIGHT) / 2
    doubt = heights(misread, {0: mid, 1: mid})
    with pytest.raises(MrzUnreadableError, match="ambiguous"):
        read_fields([misread], 2, [alts(misread)], digit_ratio=[doubt])
    # Not measured at all: the recogniser alone cannot tell O from 0, so it is refused too.
    with pytest.raises(MrzUnreadableError, match="ambiguous"):
        read_fields([misread], 2, [alts(misread)])


def test_composite_catches_an_error_its_field_digit_missed() -> None:
    line = td3(optional_data="ZE184226B")
    opt = line[28:42].replace("4", "7", 1)  # misread, and its own check digit misread to match
    bad = line[:28] + opt + check_digit(opt) + line[43:]
    with pytest.raises(MrzUnreadableError, match="composite check digit disagree"):
        read_fields([bad], 2)


def test_filler_run_read_short_or_long_is_restored() -> None:
    line = td3()
    assert read_fields([line.replace("<<<<<<<<<<<<<<<", "<<<<<<<<<<<<", 1)], 2).key == read_fields([line], 2).key
    assert read_fields([line.replace("<<<<<<<<<<<<<<<", "<<<<<<<<<<<<<<<<<", 1)], 2).key == read_fields([line], 2).key
    with pytest.raises(MrzUnreadableError, match="characters instead of"):
        read_fields([line[:20]], 2)


def test_garbage_text_is_a_typed_error() -> None:
    for lines, count in ((["HELLO WORLD"], 2), (["<" * 44], 2), (["A" * 30, "B" * 30], 3), ([], 2), (["X"], 4)):
        with pytest.raises(MrzUnreadableError):
            read_fields(lines, count)


def test_read_gives_the_chip_key_and_hides_personal_data() -> None:
    r = read_fields([td3()], 2)
    assert r.access_key() == AccessKey.from_mrz("XY1234567", "850317", "310101")
    assert "XY1234567" not in repr(r) and "850317" not in str(r)


def test_double_swaps_the_check_digit_cannot_see_are_offered_as_fallback_keys() -> None:
    # O and 0 differ by 24; at weights 7 and 3 two such swaps change the sum by 240: same check digit.
    truth = td3("OO8SFWTAR")
    misread = truth.replace("OO8SFWTAR", "008SFWTAR")
    r = read_fields([misread], 2)
    assert r.document_number == "008SFWTAR"  # every check digit passes: a blind spot
    assert "OO8SFWTAR" in r.alternatives
    assert AccessKey.from_mrz("OO8SFWTAR", "850317", "310101") in r.fallback_keys()
    assert "OO8SFWTAR" not in repr(r)


def test_optional_data_judged_by_the_composite_alone_is_repaired_once() -> None:
    t1 = build_td1(document_number="ZP0268879", optional_data="OWI", **FIELDS).lines
    bad = t1[0].replace("ZP02688796OWI", "ZP026887960WI")
    assert bad != t1[0]
    r = read_fields([bad, t1[1]], 3)
    assert r.key == ("ZP0268879", "850317", "310101") and r.repairs == 1


def test_a_d_read_as_zero_is_repaired_only_where_the_recogniser_saw_a_d() -> None:
    truth = td3("KQDBY7DWD")
    bad = truth.replace("KQDBY7DWD", "KQDBY70WD")  # the D at 6 read as 0: the check digit fails
    with pytest.raises(MrzUnreadableError, match="no look-alike repair"):
        read_fields([bad], 2, [alts(bad)], digit_ratio=[heights(bad, {})])
    fixed = read_fields([bad], 2, [alts(bad, {6: {"D": 0.1}})], digit_ratio=[heights(bad, {})])
    assert fixed.document_number == "KQDBY7DWD" and fixed.repairs == 1


def test_a_cancelling_double_swap_the_recogniser_barely_doubted_is_refused() -> None:
    truth = td3("ZZ6770027")
    misread = truth.replace("ZZ6770027", "226770027")  # Z and 2 differ by 33: at weights 7 and 3, 330
    assert read_fields([misread], 2, [alts(misread)]).document_number == "226770027"  # no doubt at all
    with pytest.raises(MrzUnreadableError, match="ambiguous"):
        read_fields([misread], 2, [alts(misread, {0: {"Z": 0.003}, 1: {"Z": 0.007}})])
