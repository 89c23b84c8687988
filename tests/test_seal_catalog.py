"""The profile catalog: the shipped file loads and is complete; a file that breaks the format
is refused with a reason; a new profile is a table of data, not code."""

from __future__ import annotations

import copy
import json
import tomllib
from datetime import date
from importlib import resources
from typing import Any

import pytest

from legalize.seal import c40, thirdparty
from legalize.seal.catalog import (
    COMPILED,
    LANGUAGES,
    SOURCE,
    CatalogError,
    catalog,
    compile_toml,
    parse,
)
from legalize.seal.errors import SealMalformed
from legalize.seal.profiles import LEGALIZATION_LIMITS
from legalize.seal.tlv import Tlv

PACKAGE = resources.files("legalize")
RAW: dict[str, Any] = tomllib.loads(PACKAGE.joinpath(SOURCE).read_text("utf-8"))


def test_the_compiled_catalog_is_the_toml() -> None:
    """The package reads the JSON; after an edit of the TOML, `make catalog` writes it anew."""
    compiled = PACKAGE.joinpath(COMPILED).read_text("utf-8")
    assert compiled == compile_toml(PACKAGE.joinpath(SOURCE).read_bytes()), "run `make catalog`"
    assert json.loads(compiled) == RAW


def test_compiling_refuses_a_broken_toml() -> None:
    with pytest.raises(CatalogError, match=r"seal_profiles\.toml"):
        compile_toml(b"format = 1\n[[profile]\n")
    with pytest.raises(CatalogError, match="unknown catalog format"):
        compile_toml(b"format = 2\n")


def test_shipped_catalog_is_complete() -> None:
    cat = catalog()
    refs = {(p.feature_ref, p.category) for p in cat.profiles.values() if p.extends is None}
    assert refs == {
        (0x5D, 0x01), (0x5E, 0x03), (0xF0, 0x0E), (0xFD, 0x02), (0xFB, 0x06),
        (0xFA, 0x06), (0xFC, 0x04), (0xF8, 0x0A), (0xF9, 0x08), (0xF9, 0x0C),
        (0x01, 0xFE), (0xF5, 0x0C), (0xF6, 0x0D), (0xF7, 0x0B),
    }  # fmt: skip
    assert sorted(cat.idb_messages) == [*range(0x01, 0x0B), *range(0x80, 0x87), 0xC0, 0xC1, 0xC2]
    features = [f for p in cat.profiles.values() for f in p.features.values()]
    every = [*cat.idb_messages.values(), *features]
    for item in every:
        assert set(item.label) == set(LANGUAGES) and all(item.label.values())
    for profile in cat.profiles.values():
        assert set(profile.title) == set(LANGUAGES)
    ttd = cat.profiles["TTD"]
    assert ttd.extends == "ICAO_ETD" and sorted(ttd.features) == [0x02, 0xC0, 0xC1, 0xC2]
    assert cat.vds_profile(0x5E, 0x03) is cat.profiles["ICAO_ETD"]
    assert LEGALIZATION_LIMITS == {
        "number": 20, "signed_by": 40, "capacity": 36, "seal_of": 48, "place": 20,
    }  # fmt: skip


def _broken(edit: str) -> dict[str, Any]:
    data = copy.deepcopy(RAW)
    visa = data["profile"][0]
    feature = visa["feature"][0]
    if edit == "format":
        data["format"] = 2
    elif edit == "coding":
        feature["coding"] = "ROT13"
    elif edit == "language":
        del feature["label"]["ta"]
    elif edit == "tag-twice":
        visa["feature"].append(dict(visa["feature"][1], name="again"))
    elif edit == "mrz-form":
        del feature["mrz_form"]
    elif edit == "tag-range":
        feature["tag"] = 0xFF
    elif edit == "min-max":
        feature["min"], feature["max"] = 10, 5
    elif edit == "reference-twice":
        data["profile"].append(dict(visa, name="VISA_AGAIN"))
    elif edit == "extends-unknown":
        data["profile"][2]["extends"] = "NOPE"
    elif edit == "profile-unknown":
        data["idb_message"][0]["profile"] = "NOPE"
    elif edit == "name":
        feature["name"] = "MRZ-A"
    return data


@pytest.mark.parametrize(
    "edit",
    [
        "format", "coding", "language", "tag-twice", "mrz-form", "tag-range", "min-max",
        "reference-twice", "extends-unknown", "profile-unknown", "name",
    ],
)  # fmt: skip
def test_a_broken_catalog_is_refused(edit: str) -> None:
    with pytest.raises(CatalogError):
        parse(_broken(edit))
    parse(copy.deepcopy(RAW))  # the unbroken file parses


def test_a_new_profile_is_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another state's profile: one more [[profile]] table, and its seals decode."""
    data = copy.deepcopy(RAW)
    data["profile"].append(
        {
            "name": "UTOPIA_PERMIT",
            "feature_ref": 0x7A,
            "category": 0x02,
            "source": "Utopia gazette",
            "title": {"en": "Permit", "si": "බලපත්‍රය", "ta": "அனுமதி"},
            "feature": [
                {
                    "tag": 0x01,
                    "name": "permit_number",
                    "coding": "C40",
                    "min": 2,
                    "max": 8,
                    "required": True,
                    "label": {"en": "Permit number", "si": "අංකය", "ta": "எண்"},
                },
                {
                    "tag": 0x02,
                    "name": "expiry_date",
                    "coding": "DATE",
                    "min": 3,
                    "max": 3,
                    "label": {"en": "Expiry", "si": "කල් ඉකුත්", "ta": "காலாவதி"},
                },
            ],
        }
    )
    extended = parse(data)
    monkeypatch.setattr(thirdparty, "catalog", lambda: extended)
    messages = (Tlv(0x01, c40.encode("UT12345")), Tlv(0x02, bytes.fromhex("11941a")))
    seal = thirdparty.read(0x7A, 0x02, "UTO", date(2026, 1, 1), messages)
    assert seal is not None and seal.profile == "UTOPIA_PERMIT"
    assert seal.values == {"permit_number": "UT12345", "expiry_date": "2026-01-15"}
    assert seal.expiry_date == date(2026, 1, 15)
    with pytest.raises(SealMalformed, match="permit_number"):
        thirdparty.read(0x7A, 0x02, "UTO", date(2026, 1, 1), messages[1:])
    assert thirdparty.read(0x7A, 0x03, "UTO", date(2026, 1, 1), messages) is None


def test_our_profiles_are_shown_with_the_catalog_names() -> None:
    from tests.vectors.build import sample_legalization, sample_ttd

    ttd = sample_ttd().fields()["decoded"]
    assert [(f["name"], f["label"]["ta"]) for f in ttd] == [  # type: ignore[union-attr, index]
        ("mrz", "இயந்திரம் படிக்கும் மண்டலம்"),
        ("photo_hash", "உரிமையாளர் புகைப்பட ஹாஷ்"),
        ("check_code", "சரிபார்ப்புக் குறியீடு"),
    ]
    assert ttd[0]["value"] == [  # type: ignore[index]
        "PDLKAPERERA<<KAMALA<SUDARSHANI<<<<<<",
        "N1234567<7LKA8507147F2603151<<<<<<<6",
    ]
    assert ttd[2]["value"] == "7K3M-9QXR-2HVD-9G"  # type: ignore[index]
    leg = sample_legalization().fields()["decoded"]
    assert [f["label"]["en"] for f in leg] == [  # type: ignore[union-attr, index]
        "Number",
        "Country of the document",
        "Signed by",
        "Acting in the capacity of",
        "Bears the seal of",
        "At",
        "SHA-256 of the document",
        "Check code",
    ]
    assert leg[2]["value"] == "W. M. Chandrika Kumari Wickramasinghe"  # type: ignore[index]


def test_a_vds_profile_with_a_face_image() -> None:
    """The earlier German temporary passport (F60D) carries the face in the VDS itself."""
    import json
    from pathlib import Path

    from legalize.seal import vds
    from legalize.seal.profiles import decode, read_profile

    samples = json.loads((Path(__file__).parent / "data/vdstools/samples.json").read_text())
    face = read_profile(decode(samples["idb"]["EmergencyTravelDocument"])).face_image
    mrz = (
        "P<UTOERIKSSON<<ANNA<MARIA".ljust(44, "<") + "L898902C36UTO7408122F3204159ZE184226B<<<<<10"
    )
    header = vds.VdsHeader(4, "D<<", "DETS", "32", date(2024, 1, 2), date(2024, 1, 2), 0xF6, 0x0D)
    messages = [Tlv(0x01, face), Tlv(0x02, c40.encode(mrz[:72]))]  # stored without its tail
    seal = read_profile(
        decode(vds.build_unsigned(header, messages) + vds.signature_zone(bytes(64)))
    )
    assert isinstance(seal, thirdparty.ThirdPartySeal)
    assert seal.profile == "TEMP_PASSPORT" and seal.face_image == face
    assert seal.document.mrz.value == (mrz[:44], mrz[44:72].ljust(44, "<"))  # type: ignore[union-attr]
    assert seal.expiry_date == date(2032, 4, 15)
    broken = [Tlv(0x01, b"not an image"), messages[1]]
    with pytest.raises(SealMalformed, match="face_image"):
        read_profile(decode(vds.build_unsigned(header, broken) + vds.signature_zone(bytes(64))))
