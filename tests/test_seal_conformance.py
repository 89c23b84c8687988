"""Conformance over other states' sample seals: each decoded field asserted, the signature
verified against the issuer's published test certificate, tampered copies rejected.

Source of every sample: the BSI reference tooling vdstools (https://github.com/tsenger/vdstools,
LGPL-3.0), files named in tests/data/vdstools/samples.json["source"] and README.md there:
- IDB barcodes: src/commonTest/kotlin/de/tsenger/vdstools/idb/IcbRawStringsCommon.kt and
  IcaoBarcodeCommonTest.kt (the zipped NDB1C/NDB1D examples);
- VDS seals: src/commonTest/kotlin/de/tsenger/vdstools/vds/VdsRawBytesCommon.kt;
- signer certificate UTTS5B: src/test/java/de/tsenger/vdstools/idb/IdbSignerCertificateTest.java.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from legalize.pki.trust import TrustStore
from legalize.seal import idb
from legalize.seal.errors import SealMalformed
from legalize.seal.profiles import TtdSeal, decode, read_profile
from legalize.seal.thirdparty import ThirdPartySeal
from legalize.seal.tlv import Tlv
from legalize.seal.vds import VdsSeal
from verifier.seal import verify_seal

DATA = Path(__file__).parent / "data" / "vdstools"
SAMPLES: dict[str, Any] = json.loads((DATA / "samples.json").read_text(encoding="utf-8"))
IDB = SAMPLES["idb"]
VDS = {name: bytes.fromhex(value) for name, value in SAMPLES["vds"].items()}
AT = datetime(2025, 6, 1, 12, tzinfo=UTC)
"""The signer certificate is valid 2020-06-10 to 2030-06-10; the IDB samples were signed in
2025 and 2026."""
BEFORE_MRZ_EXPIRY = datetime(2021, 6, 1, 12, tzinfo=UTC)
"""The German VDS samples' MRZs expire on 2022-01-01."""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> TrustStore:
    folder = tmp_path_factory.mktemp("vdstools-trust")
    (folder / "UTTS-5B.crt").write_bytes((DATA / "UTTS-5B.crt").read_bytes())
    return TrustStore.load(folder)


def _profile(data: bytes | str) -> Any:
    return read_profile(decode(data))


def _failing(report: Any) -> list[str]:
    return [c.code for c in report.checks if c.status.value in ("INVALID", "ERROR")]


# --- IDB --------------------------------------------------------------------------------


def test_idb_emergency_travel_document_with_face_image(store: TrustStore) -> None:
    """The ETD message holds the ETD profile's features (02 30 + MRZ); it used to fail with
    'C40 value out of range' although its signature verifies."""
    seal = _profile(IDB["EmergencyTravelDocument"])
    assert isinstance(seal, TtdSeal)
    assert seal.mrz_lines == (
        "PUD<<KOEPPENIK<<JONATHAN<GERALD<<<<<",
        "2L1T3QPB04D<<8506210M2604239<<<<<<<8",
    )
    assert seal.issuing_country == "D<<" and seal.issue_date == date(2025, 2, 11)
    assert seal.expiry_date == date(2026, 4, 23)
    assert seal.face_image is not None and len(seal.face_image) == 996
    assert seal.face_image.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n")  # a JP2 file
    assert [(f.name, f.value) for f in seal.other] == [
        ("expiry_date", date(2026, 4, 23)),
        ("national_document_type", 2),
    ]
    report = verify_seal(IDB["EmergencyTravelDocument"], store, AT)
    assert report.verdict.value == "VALID", report.to_text()
    assert report.data["face_image"]["format"] == "jpeg2000"
    assert base64.b64decode(report.data["face_image"]["base64"]) == seal.face_image
    # Another state's ETD, not our TTD: its signer is not of our PKI (the TTD reader decoded it)
    assert report.data["profile"] == "ICAO_ETD"
    profile = report.check("seal.profile")
    assert profile is not None and profile.status.value == "VALID"
    assert profile.message == "Profile ICAO_ETD: an emergency travel document of Germany."
    assert profile.data == {"issuing_country": "D"}
    expired = verify_seal(IDB["EmergencyTravelDocument"], store, datetime(2026, 4, 24, tzinfo=UTC))
    assert _failing(expired) == ["DOCUMENT_EXPIRED"]


def test_idb_substitute_identity_document(store: TrustStore) -> None:
    seal = _profile(IDB["SubstituteIdentityDocument"])
    assert isinstance(seal, ThirdPartySeal)
    assert (seal.profile, seal.container, seal.issue_date) == ("IDB", "IDB", date(2025, 2, 7))
    assert seal.values == {
        "mrz_td2": "AID<<KOEPPENIK<<JONATHAN<GERALD<<<<<2L1T3QPB04D<<8506210M2604239<<<<<<<8",
        "expiry_date": "2026-04-23",
        "national_document_type": 1,
    }
    assert seal.face_image is not None and len(seal.face_image) == 996
    assert seal.expiry_date == date(2026, 4, 23)
    assert verify_seal(IDB["SubstituteIdentityDocument"], store, AT).verdict.value == "VALID"


def test_idb_residence_documents(store: TrustStore) -> None:
    provisional = _profile(IDB["ProvisionalResidenceDocument"])
    assert provisional.values == {
        "mrz_td2": "ABD<<RESIDORCE<<ROLAND<<<<<<<<<<<<<<6525845096USA7008038M2201018T2506012",
        "document_reference": "123456789",
        "azr": "ABC123456DEF",
        "national_document_type": 14,
    }
    # Its MRZ says the document ended on 2022-01-01: INVALID, not INDETERMINATE.
    report = verify_seal(IDB["ProvisionalResidenceDocument"], store, AT)
    assert _failing(report) == ["DOCUMENT_EXPIRED"]

    permanent = _profile(IDB["CertifyingPermanentResidence"])
    assert permanent.values == {
        "document_reference": "123456789",
        "azr": "ABC123456DEF",
        "national_document_type": 16,
    }
    assert permanent.expiry_date is None
    report = verify_seal(IDB["CertifyingPermanentResidence"], store, AT)
    assert report.verdict.value == "VALID"
    assert report.check("document.validity").code == "NOT_APPLICABLE"  # type: ignore[union-attr]


def test_idb_td1_mrz_supplementary_sheet(store: TrustStore) -> None:
    seal = _profile(IDB["SupplementarySheetResidencePermit"])
    mrz = seal.document.mrz
    assert (mrz.name, mrz.mrz_form, mrz.value) == (
        "mrz_td1",
        "TD1",
        (
            "AZD<<5W1ETCGE25<<<<<<<<<<<<<<<",
            "8703123F2908258CHL<<<<<<<<<<<4",
            "BORIC<<BRYAN<<<<<<<<<<<<<<<<<<",
        ),
    )
    assert seal.values["document_number"] == "ABCDEFGHI"
    assert seal.values["document_reference"] == "5W1ETCGE2"
    assert seal.expiry_date == date(2029, 8, 25)  # TD1: line 2, characters 9-14
    assert verify_seal(IDB["SupplementarySheetResidencePermit"], store, AT).verdict.value == "VALID"


def test_idb_visa_message_holds_the_visa_profile(store: TrustStore) -> None:
    seal = _profile(IDB["Visa"])
    assert (seal.profile, seal.container) == ("ICAO_VISA", "IDB")
    assert seal.title["en"] == "Visa"
    assert seal.values == {
        "number_of_entries": 1,
        "duration_of_stay": "90",
        "passport_number": "C000000736",
        "mrz_mrva": "P<D<<GARCIA<<EVELYN<<<<<<<<<<<<<<<<<<<<<<<<<"
        "B870L41688D<<8108108F3507050<<<<<<<<<<<<<<08",
    }
    assert seal.expiry_date == date(2035, 7, 5)
    assert verify_seal(IDB["Visa"], store, AT).verdict.value == "VALID"


def _tamper_idb(text: str, offset: int) -> str:
    body = text[5:]
    payload = bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))
    payload[offset] ^= 0x01
    return text[:5] + base64.b32encode(bytes(payload)).decode().rstrip("=")


@pytest.mark.parametrize("name", sorted(IDB))
@pytest.mark.parametrize("where", ["country", "message", "signature"])
def test_tampered_idb_samples_are_rejected(store: TrustStore, name: str, where: str) -> None:
    text = IDB[name]
    signed = len(idb.decode(text).signed_bytes)
    # country (C40, signed), the last byte of the message group, a byte of r in 7F 40 r s
    offset = {"country": 1, "message": signed - 1, "signature": signed + 2 + 20}[where]
    report = verify_seal(_tamper_idb(text, offset), store, AT)
    assert _failing(report)[0] == "SEAL_SIGNATURE_INVALID", report.to_text()


def test_tampered_face_image_is_rejected(store: TrustStore) -> None:
    text = IDB["EmergencyTravelDocument"]
    # The face image sits in the middle of the message group: change one of its bytes.
    tampered = _tamper_idb(text, 12 + 4 + 52 + 4 + 500)
    assert _failing(verify_seal(tampered, store, AT)) == ["SEAL_SIGNATURE_INVALID"]


def test_zipped_idb_samples() -> None:
    zipped = SAMPLES["idb_zipped"]
    signed = idb.decode(zipped["signed_zipped"])
    assert signed.zipped and signed.header.signed
    assert signed.header.cert_reference == bytes.fromhex("0504030201")
    assert signed.header.signature_date == date(2024, 10, 18)
    assert [(m.tag, m.value) for m in signed.messages] == [(0x04, bytes(range(0xB0, 0xC0)))]
    unsigned = idb.decode(zipped["unsigned_zipped"])
    plain = idb.decode(zipped["unsigned"])
    assert unsigned.zipped and not plain.zipped
    assert unsigned.messages == plain.messages
    assert [(m.tag, m.value) for m in plain.messages] == [(0x05, bytes(range(0xB0, 0xC0)))]


# --- VDS --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "profile", "values"),
    [
        (
            "residentPermit",
            "RESIDENCE_PERMIT",
            {
                "mrz": "ATD<<RESIDORCE<<ROLAND<<<<<<<<<<<<<<6525845096USA7008038M2201018<<<<<<06",
                "passport_number": "UFO001979",
            },
        ),
        (
            "supplementSheet",
            "SUPPLEMENTARY_SHEET",
            {
                "mrz": "ATD<<RESIDORCE<<ROLAND<<<<<<<<<<<<<<6525845096USA7008038M2201018<<<<<<06",
                "sheet_number": "PA0000005",
            },
        ),
        (
            "addressStickerPassport",
            "ADDRESS_STICKER_PASSPORT",
            {"document_number": "PA5500K11", "ags": "03359010", "postal_code": "21614"},
        ),
        (
            "addressStickerId",
            "ADDRESS_STICKER_ID",
            {"document_number": "T2000AK47", "ags": "05314000", "address": "53175HEINEMANNSTR11"},
        ),
        (
            "socialInsurance",
            "SOCIAL_INSURANCE_CARD",
            {
                "social_insurance_number": "65170839J003",
                "surname": "Perschweiß",
                "first_name": "Oscar",
                "birth_name": "Jâcobénidicturius",
            },
        ),
        (
            "arrivalAttestation",
            "ARRIVAL_ATTESTATION",
            {
                "mrz": "MED<<MUSTERMANN<<ERIK<<<<<<<<<<<<<<<M0000000<4ALB0308212M1604128<<<<<<<2",
                "azr": "160113000085",
            },
        ),
        (
            "arrivalAttestationV02",
            "ARRIVAL_ATTESTATION",
            {
                "mrz": "MED<<MANNSENS<<MANNY<<<<<<<<<<<<<<<<6525845096USA7008038M2201018<<<<<<06",
                "azr": "ABC123456DEF",
            },
        ),
        (
            "visa_224bitSig",
            "ICAO_VISA",
            {
                # 9303-13 stores a visa MRZ without line 2's optional data; padded on reading.
                "mrz_mrvb": "VCD<<DENT<<ARTHUR<PHILIP<<<<<<<<<<<<"
                "1234567XY7GBR5203116M2005250<<<<<<<<",
                "duration_of_stay": "a00000",
                "passport_number": "47110815P",
            },
        ),
    ],
)
def test_vds_samples_decode_field_by_field(
    name: str, profile: str, values: dict[str, object]
) -> None:
    seal = _profile(VDS[name])
    assert isinstance(seal, ThirdPartySeal)
    assert seal.profile == profile
    assert seal.values == values
    assert seal.unknown == ()


def test_vds_etd_sample_reads_as_the_icao_etd() -> None:
    seal = _profile(VDS["emergenyTravelDoc"])
    assert isinstance(seal, TtdSeal)
    assert seal.mrz_lines == (
        "I<GBRSUPAMANN<<MARY<<<<<<<<<<<<<<<<<",
        "6525845096USA7008038M2201018<<<<<<06",
    )
    assert (seal.photo_hash, seal.check_code, seal.expiry_date) == (None, None, date(2022, 1, 1))


@pytest.mark.parametrize(
    "name", ["residentPermit", "supplementSheet", "addressStickerPassport", "emergenyTravelDoc"]
)
def test_vds_samples_verify_and_tampered_copies_fail(store: TrustStore, name: str) -> None:
    seal = VDS[name]
    report = verify_seal(seal, store, BEFORE_MRZ_EXPIRY)
    assert report.verdict.value == "VALID", report.to_text()
    flipped = bytearray(seal)
    flipped[24] ^= 0x01  # inside the first message's value
    assert "SEAL_SIGNATURE_INVALID" in _failing(
        verify_seal(bytes(flipped), store, BEFORE_MRZ_EXPIRY)
    )


@pytest.mark.parametrize("name", ["residentPermit", "supplementSheet", "emergenyTravelDoc"])
def test_vds_sample_expiry_read_from_its_mrz(store: TrustStore, name: str) -> None:
    assert _failing(verify_seal(VDS[name], store, AT)) == ["DOCUMENT_EXPIRED"]


def test_a_known_profile_field_of_the_wrong_length_is_malformed() -> None:
    # The postal code (tag 0x03) is 4 bytes in its profile: cut it to 2.
    container = decode(VDS["addressStickerPassport"])
    messages = tuple(m if m.tag != 3 else Tlv(3, m.value[:2]) for m in container.messages)
    assert isinstance(container, VdsSeal)
    broken = VdsSeal(container.header, messages, container.signature, container.signed_bytes)
    with pytest.raises(SealMalformed, match="postal_code"):
        read_profile(broken)


# --- what the officer sees ------------------------------------------------------------


def test_cli_shows_named_fields_and_writes_the_face_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from verifier.cli import main

    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "UTTS-5B.crt").write_bytes((DATA / "UTTS-5B.crt").read_bytes())
    photo = tmp_path / "face.jp2"
    common = ["--trust-store", str(trust), "--at", "2025-06-01"]
    text = IDB["EmergencyTravelDocument"]
    code = main(["seal", "--text", text, *common, "--lang", "ta", "--photo-out", str(photo)])
    out = capsys.readouterr().out
    assert code == 0
    assert photo.read_bytes() == _profile(text).face_image
    lines = out.splitlines()
    mrz_label = lines.index("  இயந்திரம் படிக்கும் மண்டலம்:")
    assert lines[mrz_label + 1 : mrz_label + 3] == [
        "      PUD<<KOEPPENIK<<JONATHAN<GERALD<<<<<",
        "      2L1T3QPB04D<<8506210M2604239<<<<<<<8",
    ]
    assert "  முக உருவப்படம்: jpeg2000 image, 996 bytes" in lines
    assert "  காலாவதி தேதி: 2026-04-23" in lines
    assert "base64" not in out

    none = tmp_path / "none.jpg"
    code = main(["seal", "--text", IDB["Visa"], *common, "--photo-out", str(none)])
    captured = capsys.readouterr()
    assert code == 0 and not none.exists()
    assert "carries no face image" in captured.err
    lines = captured.out.splitlines()
    assert lines[lines.index("  Visa:") + 3] == "    Passport number: C000000736"  # nested


def test_the_face_image_shows_on_a_web_page() -> None:
    """Browsers do not show JPEG 2000: the clearance page gets the seal's face as PNG."""
    import cv2
    import numpy as np

    from legalize.imaging.photo import face_image_png
    from legalize.web.staff.clearance import seal_face

    face = _profile(IDB["EmergencyTravelDocument"]).face_image
    png = face_image_png(face)
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    shown = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    original = cv2.imdecode(np.frombuffer(face, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert np.array_equal(shown, original)
    for bad in (b"", b"\xff\xd8\xff" + bytes(100), face[:200], bytes(70000)):
        assert face_image_png(bad) is None
    report = verify_seal(IDB["EmergencyTravelDocument"], TrustStore([]), AT)
    uri = seal_face(report)
    assert uri is not None and uri.startswith("data:image/png;base64,")
    assert seal_face(verify_seal(IDB["Visa"], TrustStore([]), AT)) is None


def test_a_repeated_idb_message_is_kept_raw() -> None:
    """An IDB ETD whose ETD and face messages come twice: the first of each is read, the
    repeats are shown raw (unsigned here: reading, not trust, is under test)."""
    seal = idb.decode(IDB["EmergencyTravelDocument"])
    messages = [*seal.messages, seal.messages[0], Tlv(0x80, b"second face")]
    profile = read_profile(decode(idb.encode(idb.IdbHeader("D<<"), messages)))
    assert isinstance(profile, TtdSeal)
    assert profile.mrz_lines[0] == "PUD<<KOEPPENIK<<JONATHAN<GERALD<<<<<"
    assert [(f.name, f.coding) for f in profile.other] == [
        ("expiry_date", "MASKED_DATE"),
        ("national_document_type", "BYTE"),
        ("unknown_0x02", "UNKNOWN"),
        ("unknown_0x80", "UNKNOWN"),
    ]
    assert profile.other[-1].value == b"second face"
