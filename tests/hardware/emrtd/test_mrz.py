"""MRZ parsing and generation against the ICAO 9303 specimen MRZs (Parts 4, 5, 6)."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.emrtd import mrz
from hardware.emrtd.errors import EmrtdError, MrzCheckDigitError, MrzError

TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6"
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"


def test_check_digit_examples() -> None:
    # ICAO 9303-3 section 4.9 worked examples.
    assert mrz.check_digit("520727") == "3"
    assert mrz.check_digit("AB2134<<<") == "5"
    assert mrz.check_digit("L898902C3") == "6"
    assert mrz.check_digit("740812") == "2"
    assert mrz.check_digit("120415") == "9"


def test_td3_specimen() -> None:
    m = mrz.parse(TD3)
    assert (m.format, m.document_code, m.issuing_state, m.nationality) == ("TD3", "P", "UTO", "UTO")
    assert (m.document_number, m.birth_date, m.expiry_date, m.sex) == ("L898902C3", "740812", "120415", "F")
    assert (m.primary_identifier, m.secondary_identifier, m.optional_data) == ("ERIKSSON", "ANNA MARIA", "ZE184226B")
    assert m.birth_date_as_date(dt.date(2026, 1, 1)) == dt.date(1974, 8, 12)
    assert m.expiry_date_as_date() == dt.date(2012, 4, 15)
    assert m.access_key_info() == "L898902C3674081221204159"  # ICAO 9303-11 Appendix D.2
    assert "ERIKSSON" not in repr(m) and "L898902C3" not in repr(m)


def test_td2_and_td1_specimens() -> None:
    for text, fmt in ((TD2, "TD2"), (TD1, "TD1")):
        m = mrz.parse(text)
        assert m.format == fmt
        assert (m.document_number, m.birth_date, m.expiry_date) == ("D23145890", "740812", "120415")
        assert m.primary_identifier == "ERIKSSON"


@pytest.mark.parametrize(
    ("text", "position", "field"),
    [
        (TD3, 45 + 9, "document_number"),
        (TD3, 45 + 19, "birth_date"),
        (TD3, 45 + 27, "expiry_date"),
        (TD3, 45 + 42, "optional_data"),
        (TD3, 45 + 43, "composite"),
        (TD2, 36 + 19, "birth_date"),
        (TD2, 36 + 35, "composite"),
        (TD1, 14, "document_number"),
        (TD1, 30 + 14, "expiry_date"),
        (TD1, 30 + 29, "composite"),
    ],
)
def test_wrong_check_digit_names_the_field(text: str, position: int, field: str) -> None:
    wrong = str((int(text[position]) + 1) % 10)
    with pytest.raises(MrzCheckDigitError) as info:
        mrz.parse(text[:position] + wrong + text[position + 1 :])
    assert info.value.field == field
    assert "L898902C3" not in str(info.value)


def test_changed_data_caught_by_field_check() -> None:
    with pytest.raises(MrzCheckDigitError) as info:
        mrz.parse(TD3.replace("7408122", "7408132"))
    assert info.value.field == "birth_date"


def test_td1_long_document_number() -> None:
    # ICAO 9303-5 note j: D23145890 + 1234 continues in the optional data, then its check digit.
    number = "D231458901234"
    cd = mrz.check_digit(number)
    l1 = ("I<UTO" + number[:9] + "<" + number[9:] + cd + "<").ljust(30, "<")
    l2 = "7408122F1204159UTO<<<<<<<<<<<"
    l2 += mrz.check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    m = mrz.parse(l1 + l2 + "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
    assert m.document_number == number


def test_build_round_trip_matches_specimen() -> None:
    built = mrz.build_td3(
        document_number="L898902C3", birth_date=dt.date(1974, 8, 12), expiry_date="120415",
        issuing_state="UTO", nationality="UTO", primary_identifier="Eriksson",
        secondary_identifier="Anna María", sex="F", optional_data="ZE184226B",
    )
    assert "\n".join(built.lines) == TD3
    assert "".join(mrz.build_td1(document_number="D23145890", birth_date="740812", expiry_date="120415",
                                 issuing_state="UTO", nationality="UTO", primary_identifier="ERIKSSON",
                                 secondary_identifier="ANNA MARIA", sex="F").lines) == TD1
    assert "".join(mrz.build_td2(document_number="D23145890", birth_date="740812", expiry_date="120415",
                                 issuing_state="UTO", nationality="UTO", primary_identifier="ERIKSSON",
                                 secondary_identifier="ANNA MARIA", sex="F").lines) == TD2


@pytest.mark.parametrize("bad", ["", "P<UTO", TD3.lower(), TD3.replace("<", "#", 1)])
def test_malformed_is_typed(bad: str) -> None:
    with pytest.raises(MrzError):
        mrz.parse(bad)


@given(st.one_of(st.text(alphabet="ABCZ0189<\n", max_size=100), st.binary(max_size=100)))
def test_fuzz_only_typed_errors(data: str | bytes) -> None:
    try:
        mrz.parse(data)
    except EmrtdError:
        pass


@given(st.integers(0, 87), st.sampled_from("0123456789ABZ<"))
def test_fuzz_single_character_change(pos: int, ch: str) -> None:
    flat = TD3.replace("\n", "")
    changed = flat[:pos] + ch + flat[pos + 1 :]
    try:
        parsed = mrz.parse(changed)
    except MrzError:
        return
    # Anything accepted must re-serialise to itself (no silent repair).
    assert "".join(parsed.lines) == changed


# ICAO 9303-7 specimen visas (Part 7, figures of sections 4 and 5), and the German passport and ID-card
# specimens (Bundesdruckerei's Erika Mustermann): real formats, hand-typed. XXX in the visas is not a placeholder:
# it is ICAO's code for a holder of unspecified nationality, as the specimen prints it.
MRV_A = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<"
MRV_B = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<"
DE_TD3 = "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\nC01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4"
DE_TD1 = "IDD<<T220001293<<<<<<<<<<<<<<<\n6408125<2010315D<<<<<<<<<<<<<4\nMUSTERMANN<<ERIKA<<<<<<<<<<<<<"
NL_TD3 = "P<NLDDE<BRUIJN<<WILLEKE<LISELOTTE<<<<<<<<<<<\nSPECI20142NLD6503101F2403096999999990<<<<<84"


@pytest.mark.parametrize(("text", "fmt", "kind", "optional"), [
    (MRV_A, "MRV-A", "visa", "6ZE184226B"),
    (MRV_B, "MRV-B", "visa", ""),
])
def test_visa_specimens_parse_with_their_own_rules(text: str, fmt: str, kind: str, optional: str) -> None:
    m = mrz.parse(text)
    assert (m.format, m.kind, m.is_visa, m.document_code, m.issuing_state) == (fmt, kind, True, "V", "UTO")
    assert (m.document_number, m.birth_date, m.expiry_date, m.sex, m.nationality) == (
        "L8988901C", "400907", "961210", "F", "XXX")
    assert (m.primary_identifier, m.secondary_identifier, m.optional_data) == ("ERIKSSON", "ANNA MARIA", optional)
    # No composite digit: the last character is optional data (MRV-A) or filler (MRV-B), never checked.
    assert m.access_key_info() == "L8988901C440090789612109"
    assert m.lines == text.split("\n")


@pytest.mark.parametrize(("text", "position", "field"), [
    (MRV_A, 45 + 9, "document_number"), (MRV_A, 45 + 19, "birth_date"), (MRV_A, 45 + 27, "expiry_date"),
    (MRV_B, 37 + 9, "document_number"), (MRV_B, 37 + 27, "expiry_date"),
])
def test_visa_check_digits_are_checked(text: str, position: int, field: str) -> None:
    bad = text[:position] + str((int(text[position]) + 1) % 10) + text[position + 1:]
    with pytest.raises(MrzCheckDigitError) as exc:
        mrz.parse(bad)
    assert exc.value.field == field


def test_a_visa_is_not_held_to_the_passport_rules() -> None:
    # The same line 2 under a passport's document code fails: position 43 of a TD3 is its composite digit.
    with pytest.raises(MrzCheckDigitError):
        mrz.parse("P" + MRV_A[1:])
    assert mrz.parse(MRV_A).format == "MRV-A"


@pytest.mark.parametrize(("text", "fmt", "kind", "number"), [
    (DE_TD3, "TD3", "passport", "C01X00T47"), (DE_TD1, "TD1", "identity card", "T22000129"),
    (NL_TD3, "TD3", "passport", "SPECI2014"),
])
def test_national_specimens_parse(text: str, fmt: str, kind: str, number: str) -> None:
    m = mrz.parse(text)
    assert (m.format, m.kind, m.is_visa, m.document_number) == (fmt, kind, False, number)


@pytest.mark.parametrize("fmt", ["MRV-A", "MRV-B"])
def test_build_mrv_round_trips(fmt: str) -> None:
    m = mrz.build_mrv(fmt=fmt, document_number="AB123456", birth_date="900101", expiry_date="300101",
                      issuing_state="UTO", nationality="UTO", primary_identifier="DOE", secondary_identifier="JANE",
                      optional_data="X1")
    again = mrz.parse("\n".join(m.lines))
    assert (again.format, again.document_number, again.optional_data) == (fmt, "AB123456", "X1")
    with pytest.raises(MrzError):
        mrz.build_mrv(fmt="TD3", document_number="A", birth_date="900101", expiry_date="300101",
                      issuing_state="UTO", nationality="UTO", primary_identifier="DOE")


def test_format_errors_name_every_length() -> None:
    with pytest.raises(MrzError, match="MRV-B"):
        mrz.parse("V" * 71)


@given(st.sampled_from([88, 72]), st.text(alphabet="ABCVZ0189<", min_size=100, max_size=100))
def test_fuzz_visa_sized_text_only_typed_errors(length: int, body: str) -> None:
    try:
        m = mrz.parse("V" + body[: length - 1])
    except MrzError:
        return
    assert m.is_visa
