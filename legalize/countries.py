"""The country codes of ICAO Doc 9303 (part 3, §5), in one place: names, validation, MRZ form.

The states are ISO 3166-1 alpha-3 as ``pycountry`` maintains them; the codes ICAO adds for
British nationals, the United Nations and other organisations, stateless persons and
refugees, the European Union and Kosovo come from the small data file
``legalize/data/icao_codes.csv``. Germany is ``D`` in an MRZ: the register stores ``DEU`` (what
the API clients and the forms use) and :func:`mrz_code` writes ``D``; ``D`` is accepted as
input and stored as ``DEU``. Codes only — a name such as "Germany" is refused, with a hint to
its code, so that no name is ever cut to three letters again.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

import pycountry

ICAO_FILE = "icao_codes.csv"
ALIASES = {"D": "DEU"}
"""Input codes stored under another code (the MRZ's ``D`` is Germany, ``DEU``)."""
MRZ_CODES = {"DEU": "D"}
"""Register code → the code an MRZ prints (9303-3: Germany is ``D<<``)."""


@dataclass(frozen=True)
class Country:
    code: str
    """The code the register stores (three letters)."""
    name: str


class UnknownCountry(ValueError):
    """Not an ICAO 9303 country code; the message says what was given and, for a name, the
    code to use instead."""


@functools.cache
def _table() -> dict[str, Country]:
    table = {
        c.alpha_3: Country(c.alpha_3, getattr(c, "common_name", None) or c.name)
        for c in pycountry.countries
    }
    text = resources.files("legalize").joinpath("data", ICAO_FILE).read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        if row["code"] not in ALIASES:
            table[row["code"]] = Country(row["code"], row["name"])
    return table


def countries() -> tuple[Country, ...]:
    """Every code a form offers, sorted by name."""
    return tuple(sorted(_table().values(), key=lambda c: c.name.casefold()))


def find(value: str) -> Country | None:
    """The country of a code (any case, surrounding blanks ignored; ``D`` is Germany)."""
    code = value.strip().upper()
    return _table().get(ALIASES.get(code, code))


def _named(value: str) -> Country | None:
    wanted = " ".join(value.split()).casefold()
    for country in _table().values():
        if country.name.casefold() == wanted:
            return country
    try:
        found = pycountry.countries.lookup(value.strip())
    except LookupError:
        return None
    return _table().get(found.alpha_3)


def normalize(value: str) -> str:
    """The register code of ``value``, or UnknownCountry saying why it is not one."""
    country = find(value)
    if country is not None:
        return country.code
    named = _named(value) if len(value.strip()) > 3 else None
    if named is not None:
        raise UnknownCountry(f"use the ICAO code {named.code} for {named.name}, not a name")
    shown = value.strip()[:40]
    raise UnknownCountry(f"{shown!r} is not an ICAO 9303 country code")


def name(code: str) -> str:
    """The name of a register code; the code itself when it is not one of ours (old data)."""
    country = find(code)
    return country.name if country else code


def mrz_code(code: str) -> str:
    """The code an MRZ prints for a register code (``DEU`` → ``D``)."""
    return MRZ_CODES.get(code, code)
