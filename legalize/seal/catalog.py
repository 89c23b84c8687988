"""The seal profile catalog: one data file (``legalize/data/seal_profiles.toml``, format in
docs/seal-format.md §9) describing every VDS document profile and every IDB message type we
read, loaded once by :func:`catalog`.

A profile is named by its feature definition reference and document type category (VDS) and
lists its features: tag, name, coding, length rules in bytes and a label in English, Sinhala
and Tamil. IDB messages are described the same way, keyed by message type; a message of
coding ``PROFILE`` holds the TLVs of a VDS profile (the ICAO visa and ETD messages). Adding a
state's profile means adding data here, not code; the loader refuses a file that breaks the
format, so a typo fails at start-up, not on a border officer's screen.

The package reads the catalog's compiled form, ``legalize/data/seal_profiles.json``: the same
tables as JSON, written by ``make catalog`` (:func:`compile_toml`) and committed like the
translations' .mo files. Importing and running tomllib costs a command-line ``verifier seal``
about a tenth of its start-up, JSON a fraction of a millisecond (issue 9);
tests/test_seal_catalog.py fails when the JSON is not the TOML's.
"""

from __future__ import annotations

import json
import pkgutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

LANGUAGES = ("en", "si", "ta")
CODINGS = frozenset(
    {"C40", "MRZ", "UTF8", "BYTE", "BYTES", "DATE", "MASKED_DATE", "IMAGE", "PROFILE"}
)
MRZ_FORMS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44), "MRV-A": (2, 44), "MRV-B": (2, 36)}
)
"""Lines × characters of each MRZ form (ICAO 9303-4 to -7)."""
MAX_VALUE = 65536
"""No feature may allow more bytes than this (an IDB inflates to 64 KiB at most)."""


class CatalogError(ValueError):
    """The catalog file breaks its format."""


@dataclass(frozen=True)
class FeatureDef:
    """One feature of a VDS profile, or one IDB message type."""

    tag: int
    name: str
    """Stable identifier, lower case (``mrz``, ``passport_number``): the key in reports."""
    coding: str
    """One of :data:`CODINGS`."""
    label: Mapping[str, str]
    """Display name by language (``en``, ``si``, ``ta``)."""
    min: int = 0
    """Fewest value bytes allowed."""
    max: int = MAX_VALUE
    """Most value bytes allowed."""
    required: bool = False
    mrz_form: str | None = None
    """For coding MRZ: TD1, TD2, TD3, MRV-A or MRV-B."""
    profile: str | None = None
    """For coding PROFILE: the profile whose features the value's TLVs are."""


@dataclass(frozen=True)
class ProfileDef:
    name: str
    feature_ref: int | None
    category: int | None
    source: str
    title: Mapping[str, str]
    features: Mapping[int, FeatureDef]
    """By tag; a profile that ``extends`` another holds the other's features too."""
    extends: str | None = None


@dataclass(frozen=True)
class Catalog:
    profiles: Mapping[str, ProfileDef]
    """By name."""
    idb_messages: Mapping[int, FeatureDef]
    """IDB message types by tag."""

    def vds_profile(self, feature_ref: int, category: int) -> ProfileDef | None:
        """The profile a VDS header names; an extension (TTD) is not returned for its base."""
        for profile in self.profiles.values():
            if (profile.feature_ref, profile.category) == (feature_ref, category):
                return profile
        return None


def _int(raw: Mapping[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise CatalogError(f"{where}: {key} must be an integer {low}-{high}")
    return value


def _labels(raw: Any, where: str) -> Mapping[str, str]:
    if not isinstance(raw, dict) or any(
        not isinstance(raw.get(lang), str) or not raw[lang] for lang in LANGUAGES
    ):
        raise CatalogError(f"{where}: needs a name in each of {', '.join(LANGUAGES)}")
    return MappingProxyType({lang: raw[lang] for lang in LANGUAGES})


def _feature(raw: Any, where: str) -> FeatureDef:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: not a table")
    tag = _int(raw, "tag", where, 0, 0xFE)
    where = f"{where} tag 0x{tag:02X}"
    name = raw.get("name")
    if not isinstance(name, str) or not name.isidentifier() or name != name.lower():
        raise CatalogError(f"{where}: name must be a lower-case identifier")
    coding = raw.get("coding")
    if coding not in CODINGS:
        raise CatalogError(f"{where}: coding must be one of {', '.join(sorted(CODINGS))}")
    low = _int(raw, "min", where, 0, MAX_VALUE) if "min" in raw else 0
    high = _int(raw, "max", where, low, MAX_VALUE) if "max" in raw else MAX_VALUE
    form = raw.get("mrz_form")
    if (coding == "MRZ") != (form is not None) or (form is not None and form not in MRZ_FORMS):
        raise CatalogError(f"{where}: an MRZ feature names its mrz_form, and only it")
    profile = raw.get("profile")
    if (coding == "PROFILE") != isinstance(profile, str):
        raise CatalogError(f"{where}: a PROFILE feature names its profile, and only it")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise CatalogError(f"{where}: required must be true or false")
    label = _labels(raw.get("label"), where)
    return FeatureDef(tag, name, str(coding), label, low, high, required, form, profile)


def _features(items: Any, where: str) -> dict[int, FeatureDef]:
    if not isinstance(items, list):
        raise CatalogError(f"{where}: features must be a list")
    out: dict[int, FeatureDef] = {}
    for item in items:
        feature = _feature(item, where)
        if feature.tag in out or feature.name in {f.name for f in out.values()}:
            raise CatalogError(f"{where}: tag 0x{feature.tag:02X} or name {feature.name} twice")
        out[feature.tag] = feature
    return out


def parse(data: Mapping[str, Any]) -> Catalog:
    """Build a catalog from the parsed TOML; :class:`CatalogError` names what is wrong."""
    if data.get("format") != 1:
        raise CatalogError("unknown catalog format (expected format = 1)")
    raw_profiles = data.get("profile", [])
    if not isinstance(raw_profiles, list):
        raise CatalogError("profile must be a list of tables")
    profiles: dict[str, ProfileDef] = {}
    refs: set[tuple[int, int]] = set()
    for raw in raw_profiles:
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name or name in profiles:
            raise CatalogError(f"profile name missing or given twice: {name!r}")
        where = f"profile {name}"
        extends = raw.get("extends")
        features = _features(raw.get("feature", []), where)
        if extends is not None:
            base = profiles.get(extends)
            if base is None:
                raise CatalogError(f"{where}: extends {extends!r}, not defined before it")
            clash = set(base.features) & set(features)
            if clash:
                raise CatalogError(f"{where}: redefines tag 0x{min(clash):02X} of {extends}")
            features = {**base.features, **features}
            ref, category = base.feature_ref, base.category
        else:
            ref = _int(raw, "feature_ref", where, 0, 0xFF)
            category = _int(raw, "category", where, 0, 0xFF)
            if (ref, category) in refs:
                raise CatalogError(f"{where}: reference {ref:02X}{category:02X} used twice")
            refs.add((ref, category))
        source = raw.get("source")
        if not isinstance(source, str) or not source:
            raise CatalogError(f"{where}: source missing")
        profiles[name] = ProfileDef(
            name,
            ref if extends is None else None,
            category if extends is None else None,
            source,
            _labels(raw.get("title"), where),
            MappingProxyType(features),
            extends,
        )
    messages = _features(data.get("idb_message", []), "idb_message")
    for defn in [*messages.values(), *(f for p in profiles.values() for f in p.features.values())]:
        if defn.profile is not None and defn.profile not in profiles:
            raise CatalogError(f"{defn.name}: unknown profile {defn.profile!r}")
    return Catalog(MappingProxyType(profiles), MappingProxyType(messages))


SOURCE = "data/seal_profiles.toml"
COMPILED = "data/seal_profiles.json"
"""Both relative to the ``legalize`` package."""


def _read_toml(text: bytes, name: str) -> dict[str, Any]:
    import tomllib  # only to compile or load a TOML file: see the module docstring

    try:
        return tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{name}: {exc}") from None


def load(path: Path) -> Catalog:
    """A catalog TOML file other than the shipped one."""
    return parse(_read_toml(path.read_bytes(), path.name))


def compile_toml(text: bytes) -> str:
    """The compiled form of a catalog TOML file: its tables as JSON, in the file's order (a
    profile's ``extends`` names one defined before it). Refuses a file :func:`parse` refuses."""
    data = _read_toml(text, "seal_profiles.toml")
    parse(data)
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _package_data(name: str) -> bytes:
    data = pkgutil.get_data("legalize", name)
    if data is None:  # pragma: no cover - a loader that cannot read package data
        raise CatalogError(f"cannot read {name} of the legalize package")
    return data


@cache
def catalog() -> Catalog:
    """The catalog shipped with the package (read once, from its compiled form)."""
    try:
        data = json.loads(_package_data(COMPILED))
    except (OSError, ValueError) as exc:
        raise CatalogError(f"seal_profiles.json: {exc}; run `make catalog`") from None
    return parse(data)


def main() -> int:
    """``python -m legalize.seal.catalog``: write the compiled form of the shipped TOML."""
    target = Path(__file__).resolve().parent.parent / COMPILED
    target.write_text(compile_toml(_package_data(SOURCE)), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
