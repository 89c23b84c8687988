"""MRZ: check digits and layouts against the ICAO 9303 worked examples, names, parsing."""

from __future__ import annotations

from datetime import date

import pytest

from legalize.documents import mrz

# ICAO 9303-4 Appendix A (TD3 specimen) and 9303-6 Appendix A (TD2 specimen).
TD3_SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD2_SPECIMEN = (
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
)


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        ("L898902C3", "6"),
        ("740812", "2"),
        ("120415", "9"),
        ("ZE184226B<<<<<", "1"),
        ("D23145890", "7"),
        ("520727", "3"),  # 9303-3 §4.9 worked example
        ("AB2134<<<", "5"),  # 9303-3 §4.9 worked example
    ],
)
def test_check_digits_match_icao_examples(field: str, digit: str) -> None:
    assert mrz.check_digit(field) == digit


def test_td3_rebuilds_the_icao_specimen() -> None:
    fields = mrz.MrzFields(
        document_code="P",
        issuing_state="UTO",
        surname="Eriksson",
        given_names="Anna María",
        document_number="L898902C3",
        nationality="UTO",
        birth_date=date(1974, 8, 12),
        sex="F",
        expiry_date=date(2012, 4, 15),
        optional_data="ZE184226B",
    )
    assert mrz.td3(fields) == TD3_SPECIMEN


def test_td2_rebuilds_the_icao_specimen() -> None:
    fields = mrz.MrzFields(
        document_code="I",
        issuing_state="UTO",
        surname="ERIKSSON",
        given_names="ANNA MARIA",
        document_number="D23145890",
        nationality="UTO",
        birth_date=date(1974, 8, 12),
        sex="F",
        expiry_date=date(2012, 4, 15),
    )
    assert mrz.td2(fields) == TD2_SPECIMEN


@pytest.mark.parametrize("specimen", [TD3_SPECIMEN, TD2_SPECIMEN])
def test_parse_specimens(specimen: tuple[str, str]) -> None:
    parsed = mrz.parse(specimen)
    assert parsed.valid
    assert parsed.surname == "ERIKSSON"
    assert parsed.given_names == "ANNA MARIA"
    assert parsed.birth_date == "740812"


@pytest.mark.parametrize(
    ("position", "check"),
    [(0, "document_number"), (15, "birth_date"), (23, "expiry_date"), (30, "optional_data")],
)
def test_parse_reports_each_tampered_field(position: int, check: str) -> None:
    line2 = TD3_SPECIMEN[1]
    changed = "9" if line2[position] != "9" else "8"
    parsed = mrz.parse((TD3_SPECIMEN[0], line2[:position] + changed + line2[position + 1 :]))
    assert check in parsed.failed_checks
    assert "composite" in parsed.failed_checks


@pytest.mark.parametrize(
    "bad",
    [
        ("P<UTO", "L898"),
        (TD3_SPECIMEN[0], TD3_SPECIMEN[1][:-1]),
        (TD3_SPECIMEN[0].lower(), TD3_SPECIMEN[1].lower()),
        "one line only",
    ],
)
def test_parse_rejects_non_mrz(bad: tuple[str, str] | str) -> None:
    with pytest.raises(mrz.MrzError):
        mrz.parse(bad)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Müller-Lüdenscheidt", "MUELLER<LUEDENSCHEIDT"),
        ("O'Brien", "OBRIEN"),
        ("Jean  Paul", "JEAN<PAUL"),
        ("Åsa Øberg", "AASA<OEBERG"),
        ("Perera, Kamal", "PERERA<KAMAL"),
        ("Çelik", "CELIK"),
    ],
)
def test_transliteration(name: str, expected: str) -> None:
    assert mrz.transliterate(name) == expected


@pytest.mark.parametrize("name", ["ශ්‍රී", "Ivan3", "张伟"])
def test_transliteration_refuses_non_latin(name: str) -> None:
    with pytest.raises(mrz.MrzError):
        mrz.transliterate(name)


def test_long_names_are_truncated_to_end_in_a_letter() -> None:
    field = mrz.name_field(
        "Wickramasinghe Arachchige",
        "Mudiyanselage Don Kamalasiri Bandara Jayawardena",
        39,
    )
    assert len(field) == 39
    assert field == "WICKRAMASINGHE<ARACHCHIGE<<MUDI<D<K<B<J"
    assert field[-1].isalpha()


def test_very_long_surname_fills_the_whole_field() -> None:
    field = mrz.name_field("A" * 50, "Anna", 39)
    assert field == "A" * 39


@pytest.mark.parametrize(
    "fields_change",
    [
        {"document_number": "TOO-LONG-NUMBER"},
        {"issuing_state": "LK@"},
        {"sex": "Q"},
        {"surname": ""},
    ],
)
def test_bad_fields_raise(fields_change: dict[str, str]) -> None:
    base = {
        "document_code": "PT",
        "issuing_state": "LKA",
        "surname": "Perera",
        "given_names": "Kamal",
        "document_number": "T1234567",
        "nationality": "LKA",
        "sex": "M",
    }
    base.update(fields_change)
    fields = mrz.MrzFields(birth_date=date(1990, 1, 2), expiry_date=date(2027, 1, 1), **base)
    with pytest.raises(mrz.MrzError):
        mrz.td3(fields)


def test_unknown_birth_date_and_sex_x() -> None:
    fields = mrz.MrzFields(
        "PT", "LKA", "Perera", "", "T1234567", "LKA", None, "X", date(2027, 1, 1)
    )
    line1, line2 = mrz.td3(fields)
    assert line1 == "PTLKAPERERA".ljust(44, "<")
    assert line2[13:21] == "<<<<<<0<"  # all-filler date: check digit computed, 0
    assert mrz.parse((line1, line2)).valid


@pytest.mark.parametrize(
    ("yymmdd", "issued", "born"),
    [
        ("920909", date(2026, 12, 5), date(1992, 9, 9)),
        ("260101", date(2026, 12, 5), date(2026, 1, 1)),  # a baby born the year of issue
        ("270101", date(2026, 12, 5), date(1927, 1, 1)),  # after the issue year: the 1900s
        ("000229", date(2026, 1, 1), date(2000, 2, 29)),
        ("990101", date(1999, 6, 1), date(1999, 1, 1)),
    ],
)
def test_birth_date_takes_the_latest_century_not_after_issue(
    yymmdd: str, issued: date, born: date
) -> None:
    assert mrz.birth_date(yymmdd, issued) == born
    # the MRZ field written back is the one read
    assert mrz.date_field(born) == yymmdd


@pytest.mark.parametrize("bad", ["<<<<<<", "9209", "921309", "920931", "92O909", None, 920909])
def test_birth_date_of_no_date_is_none(bad: object) -> None:
    assert mrz.birth_date(bad, date(2026, 1, 1)) is None
