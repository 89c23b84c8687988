"""Machine-readable zones (ICAO Doc 9303 parts 3, 4 and 6): TD3 (2 × 44) and TD2 (2 × 36).

The TTD prints a TD3-style MRZ; the ICAO emergency-travel-document seal profile carries a TD2
MRZ (72 characters), so both are built here from the same fields with the same rules:

- check digits: weights 7, 3, 1 over digit values (0-9), letters (A=10 … Z=35) and filler 0;
- names: transliterated to A-Z (9303-3 §6, the common Latin table), spaces, hyphens and
  other separators become one filler ``<``, apostrophes vanish; primary and secondary
  identifiers are joined by ``<<``; too long a name is truncated component by component so the
  field still ends in a letter (9303-3 §4.6.4);
- dates are YYMMDD.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from .errors import DocumentError

FILLER = "<"
_ALLOWED = re.compile(r"^[A-Z0-9<]*$")
_NAME_FIELD = {"TD3": 39, "TD2": 31}
_LINE_LENGTH = {"TD3": 44, "TD2": 36}


class MrzError(DocumentError):
    """A field cannot be written into an MRZ, or a text is not a valid MRZ."""


# 9303-3 §6.A: transliteration of Latin characters with diacritics that do not simply drop
# their mark. Everything else is decomposed (NFKD) and stripped of combining marks.
_TRANSLITERATION = {
    "Ä": "AE",
    "Å": "AA",
    "Æ": "AE",
    "Ĳ": "IJ",
    "Ö": "OE",
    "Ø": "OE",
    "Œ": "OE",
    "Ü": "UE",
    "ß": "SS",
    "Þ": "TH",
    "Ð": "D",
    "Đ": "D",
    "Ħ": "H",
    "ı": "I",
    "Ł": "L",
    "Ŋ": "N",
    "Ŧ": "T",
}


def char_value(char: str) -> int:
    """The numeric value of one MRZ character for the check digit."""
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == FILLER:
        return 0
    raise MrzError(f"character {char!r} is not allowed in an MRZ")


def check_digit(field: str) -> str:
    """ICAO 9303-3 §4.9 check digit of ``field`` (weights 7, 3, 1, modulo 10)."""
    weights = (7, 3, 1)
    total = sum(char_value(c) * weights[i % 3] for i, c in enumerate(field))
    return str(total % 10)


def transliterate(text: str) -> str:
    """Latin text as MRZ characters: upper case A-Z and ``<`` for separators.

    Raises MrzError for characters outside the Latin script (names must be given in their
    Latin form, as printed in the visual zone).
    """
    out: list[str] = []
    for char in text.upper():
        if char in _TRANSLITERATION:
            out.append(_TRANSLITERATION[char])
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if "A" <= base <= "Z" and len(base) == 1:
            out.append(base)
        elif char.isdigit() and char.isascii():
            raise MrzError(f"digits are not allowed in a name: {text!r}")
        elif char in "'’`":
            continue  # 9303-3: apostrophes are omitted
        elif char.isspace() or char in "-,.‐–" or char == FILLER:
            out.append(FILLER)
        else:
            raise MrzError(f"character {char!r} of {text!r} cannot be transliterated")
    return re.sub("<+", FILLER, "".join(out)).strip(FILLER)


def _components(name: str) -> list[str]:
    return [c for c in transliterate(name).split(FILLER) if c]


def name_field(primary: str, secondary: str, length: int) -> str:
    """The name field: ``PRIMARY<<SECONDARY``, padded or truncated to ``length``.

    Truncation (9303-3 §4.6.4): the secondary identifier's components are shortened from the
    last one backwards (each to at least one letter) and then dropped, then the primary
    identifier's; so a truncated field ends in a letter and stays readable.
    """
    prim = _components(primary)
    sec = _components(secondary)
    if not prim:
        raise MrzError("the primary identifier (surname) is empty")

    def join() -> str:
        text = FILLER.join(prim)
        if sec:
            text += FILLER * 2 + FILLER.join(sec)
        return text

    text = join()
    while len(text) > length:
        excess = len(text) - length
        parts = sec if sec else prim
        # shorten the last component that still has more than one letter
        for i in range(len(parts) - 1, -1, -1):
            if len(parts[i]) > 1:
                parts[i] = parts[i][: max(1, len(parts[i]) - excess)]
                break
        else:
            if sec:
                sec.pop()
            elif len(prim) > 1:
                prim.pop()
            else:
                prim[0] = prim[0][:length]
        text = join()
    return text.ljust(length, FILLER)


def date_field(value: date | None) -> str:
    """YYMMDD, or six fillers for an unknown date."""
    return FILLER * 6 if value is None else value.strftime("%y%m%d")


def birth_date(yymmdd: object, issued: date | None) -> date | None:
    """The date of birth an MRZ's ``YYMMDD`` stands for, or None when it is not a date (or
    holds fillers). The MRZ leaves the century out (9303-3): the holder was born on or before
    the document's ``issued`` date (today's year when unknown), so the latest century that
    keeps the year at or before that year's is taken — ``920909`` on a TTD of 2026 is 1992,
    ``240101`` is 2024."""
    if not isinstance(yymmdd, str) or len(yymmdd) != 6 or not yymmdd.isdigit():
        return None
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    ceiling = issued.year if issued else date.today().year
    year = 2000 + yy if 2000 + yy <= ceiling else 1900 + yy
    try:
        return date(year, mm, dd)
    except ValueError:
        return None


def _code(value: str, length: int, what: str) -> str:
    text = value.upper().replace(" ", FILLER)
    if not _ALLOWED.match(text):
        raise MrzError(f"{what} {value!r} has characters outside A-Z, 0-9 and <")
    if len(text) > length:
        raise MrzError(f"{what} {value!r} is longer than {length} characters")
    return text.ljust(length, FILLER)


@dataclass(frozen=True)
class MrzFields:
    """The data an MRZ is built from."""

    document_code: str
    """Two characters; ``P`` then the state's choice (the TTD uses ``PT``)."""
    issuing_state: str
    """ICAO three-letter code of the issuing state, e.g. ``LKA``."""
    surname: str
    """Primary identifier, Latin script."""
    given_names: str
    """Secondary identifier, Latin script; may be empty."""
    document_number: str
    """Up to 9 characters A-Z 0-9."""
    nationality: str
    birth_date: date | None
    sex: str
    """``F``, ``M`` or ``X`` (printed as ``<``)."""
    expiry_date: date
    optional_data: str = ""
    """TD3: personal number, up to 14 characters; TD2: up to 7."""


def td3(fields: MrzFields) -> tuple[str, str]:
    """The two 44-character lines of a TD3 MRZ (9303-4)."""
    line1 = (
        _code(fields.document_code, 2, "document code")
        + _code(fields.issuing_state, 3, "issuing state")
        + name_field(fields.surname, fields.given_names, _NAME_FIELD["TD3"])
    )
    number = _code(fields.document_number, 9, "document number")
    birth = date_field(fields.birth_date)
    expiry = date_field(fields.expiry_date)
    optional = _code(fields.optional_data, 14, "optional data")
    optional_cd = FILLER if optional == FILLER * 14 else check_digit(optional)
    upper = number + check_digit(number)
    middle = birth + check_digit(birth) + _sex(fields.sex) + expiry + check_digit(expiry)
    tail = optional + optional_cd
    composite = check_digit(upper + middle[:7] + middle[8:] + tail)
    line2 = upper + _code(fields.nationality, 3, "nationality") + middle + tail + composite
    return line1, line2


def td2(fields: MrzFields) -> tuple[str, str]:
    """The two 36-character lines of a TD2 MRZ (9303-6)."""
    line1 = (
        _code(fields.document_code, 2, "document code")
        + _code(fields.issuing_state, 3, "issuing state")
        + name_field(fields.surname, fields.given_names, _NAME_FIELD["TD2"])
    )
    number = _code(fields.document_number, 9, "document number")
    birth = date_field(fields.birth_date)
    expiry = date_field(fields.expiry_date)
    optional = _code(fields.optional_data, 7, "optional data")
    upper = number + check_digit(number)
    middle = birth + check_digit(birth) + _sex(fields.sex) + expiry + check_digit(expiry)
    composite = check_digit(upper + middle[:7] + middle[8:] + optional)
    line2 = upper + _code(fields.nationality, 3, "nationality") + middle + optional + composite
    return line1, line2


def _sex(sex: str) -> str:
    value = sex.upper()
    if value in ("F", "M"):
        return value
    if value in ("X", "<", ""):
        return FILLER
    raise MrzError(f"sex {sex!r} is not F, M or X")


@dataclass(frozen=True)
class ParsedMrz:
    """An MRZ read back into its fields, with the result of every check digit."""

    format: str
    """``TD3`` or ``TD2``."""
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: str
    """YYMMDD as printed (fillers where unknown)."""
    sex: str
    expiry_date: str
    optional_data: str
    failed_checks: tuple[str, ...]
    """Names of the check digits that do not match: ``document_number``, ``birth_date``,
    ``expiry_date``, ``optional_data``, ``composite``."""

    @property
    def valid(self) -> bool:
        return not self.failed_checks


def parse(lines: tuple[str, str] | list[str] | str) -> ParsedMrz:
    """Parse a TD3 or TD2 MRZ and verify its check digits.

    Raises MrzError when the text is not an MRZ of either shape; wrong check digits are a
    result (``failed_checks``), not an exception.
    """
    if isinstance(lines, str):
        lines = [ln for ln in lines.split() if ln]
    if len(lines) != 2 or len(lines[0]) != len(lines[1]):
        raise MrzError("an MRZ has two lines of equal length")
    line1, line2 = lines
    fmt = {44: "TD3", 36: "TD2"}.get(len(line1))
    if fmt is None:
        raise MrzError(f"lines of {len(line1)} characters are neither TD3 (44) nor TD2 (36)")
    for line in (line1, line2):
        if not _ALLOWED.match(line):
            raise MrzError("an MRZ holds only A-Z, 0-9 and <")
    names = line1[5:].rstrip(FILLER)
    surname, _, given = names.partition(FILLER * 2)
    failed: list[str] = []

    def verify(name: str, field: str, digit: str) -> None:
        if digit == FILLER and set(field) == {FILLER}:
            return
        if not digit.isdigit() or check_digit(field) != digit:
            failed.append(name)

    verify("document_number", line2[0:9], line2[9])
    verify("birth_date", line2[13:19], line2[19])
    verify("expiry_date", line2[21:27], line2[27])
    if fmt == "TD3":
        optional = line2[28:42]
        verify("optional_data", optional, line2[42])
        composite_input = line2[0:10] + line2[13:20] + line2[21:43]
    else:
        optional = line2[28:35]
        composite_input = line2[0:10] + line2[13:20] + line2[21:35]
    verify("composite", composite_input, line2[-1])
    return ParsedMrz(
        format=fmt,
        document_code=line1[0:2].rstrip(FILLER),
        issuing_state=line1[2:5].rstrip(FILLER),
        surname=surname.replace(FILLER, " ").strip(),
        given_names=given.replace(FILLER, " ").strip(),
        document_number=line2[0:9].rstrip(FILLER),
        nationality=line2[10:13].rstrip(FILLER),
        birth_date=line2[13:19],
        sex=line2[20],
        expiry_date=line2[21:27],
        optional_data=optional.rstrip(FILLER),
        failed_checks=tuple(failed),
    )
