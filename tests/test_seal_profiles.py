"""Profiles: TTD (ICAO ETD + extension) and legalization; every curve; tamper; sizes."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest
import qrcode
import qrcode.constants

from legalize.pki import curves, ecdsa
from legalize.seal import c40, idb, profiles, vds
from legalize.seal.errors import SealError, SealMalformed, SealUnreadable
from legalize.seal.profiles import (
    GenericSeal,
    LegalizationSeal,
    ProfileError,
    TtdSeal,
    decode,
    read_profile,
    seal_legalization,
    seal_ttd,
    seal_ttd_idb,
)
from legalize.seal.qrtext import qr_text
from legalize.seal.tlv import Tlv
from tests.vectors.build import AT, CHECK_URL, SealPki, build_pki, sample_legalization, sample_ttd


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SealPki:
    return build_pki(tmp_path_factory.mktemp("seal-pki"))


def _verifies(seal: bytes | str, pki: SealPki, name: str) -> bool:
    container = decode(seal)
    spki = ecdsa.spki_of_certificate(pki.signers[name].certificate)
    hash_name = container.hash_name if isinstance(container, idb.IdbSeal) else None
    return ecdsa.verify_raw(spki, container.signed_bytes, container.signature or b"", hash_name)


@pytest.mark.parametrize("curve", curves.CURVE_NAMES)
@pytest.mark.parametrize("version", [3, 4])
def test_ttd_round_trip_every_curve(curve: str, version: int, pki: SealPki) -> None:
    data = sample_ttd()
    seal = seal_ttd(data, pki.signers[curve], AT, version=version)
    container = decode(seal)
    assert isinstance(container, vds.VdsSeal)
    assert container.header.version == version
    assert (container.header.feature_ref, container.header.type_category) == (0x5E, 0x03)
    assert read_profile(container) == data
    assert _verifies(seal, pki, curve)


@pytest.mark.parametrize("curve", curves.CURVE_NAMES)
def test_legalization_round_trip_every_curve(curve: str, pki: SealPki) -> None:
    data = sample_legalization()
    seal = seal_legalization(data, pki.signers[curve], AT)
    assert read_profile(decode(seal)) == data
    assert _verifies(seal, pki, curve)


@pytest.mark.parametrize("curve", curves.CURVE_NAMES)
@pytest.mark.parametrize("embed", [False, True])
def test_ttd_idb_round_trip_every_curve(curve: str, embed: bool, pki: SealPki) -> None:
    data = sample_ttd()
    text = seal_ttd_idb(data, pki.signers[curve], AT, embed_certificate=embed)
    assert text.startswith("RDB1B")
    container = decode(text)
    assert isinstance(container, idb.IdbSeal)
    assert (container.certificate is not None) == embed
    assert read_profile(container) == replace(data, issue_date=AT.date())
    assert _verifies(text, pki, curve)


@pytest.mark.parametrize("make", ["ttd", "ttd3", "leg"])
def test_every_byte_flip_breaks_the_signature_or_the_format(make: str, pki: SealPki) -> None:
    signer = pki.signers["secp256r1"]
    seal = {
        "ttd": lambda: seal_ttd(sample_ttd(), signer, AT),
        "ttd3": lambda: seal_ttd(sample_ttd(), signer, AT, version=3),
        "leg": lambda: seal_legalization(sample_legalization(), signer, AT),
    }[make]()
    verified = 0
    for i in range(len(seal)):
        tampered = bytearray(seal)
        tampered[i] ^= 0x01
        try:
            ok = _verifies(bytes(tampered), pki, "secp256r1")
        except (SealError, ecdsa.EcdsaError):
            continue  # refused as malformed, unreadable or unsupported: not a seal that verifies
        verified += 1
        # The header is signed too: a flip anywhere, signer reference included, must fail.
        assert not ok, f"byte {i} flipped and the signature still verifies"
    # Most flips decode and reach the signature check (else the loop proves little).
    assert verified > len(seal) // 2


def test_unknown_tags_do_not_invalidate(pki: SealPki) -> None:
    """A reader that does not know 0xC0/0xC1 (or a later tag of ours) still verifies: the
    signature covers the message zone, whatever its tags."""
    signer = pki.signers["secp256r1"]
    seal = decode(seal_ttd(sample_ttd(), signer, AT))
    assert isinstance(seal, vds.VdsSeal)
    extra = [*seal.messages, Tlv(0xC7, b"future extension")]
    unsigned = vds.build_unsigned(seal.header, extra)
    with_extra = unsigned + vds.signature_zone(signer.sign(unsigned))
    assert read_profile(decode(with_extra)) == sample_ttd()
    assert _verifies(with_extra, pki, "secp256r1")
    # A plain ICAO reader sees only the MRZ it knows.
    icao_view = {m.tag: m.value for m in decode(with_extra).messages}
    assert c40.decode_mrz(icao_view[0x02]) == sample_ttd().mrz


def test_third_party_icao_etd_reads() -> None:
    from tests.test_seal_vds import ICAO_ETD

    ttd = read_profile(decode(ICAO_ETD))
    assert isinstance(ttd, TtdSeal)
    assert ttd.photo_hash is None and ttd.check_code is None
    assert ttd.document_number == "652584509"
    assert ttd.fields()["surname"] == "SUPAMANN"
    assert ttd.expiry_date is not None and ttd.expiry_date.isoformat() == "2022-01-01"


def test_unknown_profile_is_a_generic_view(pki: SealPki) -> None:
    from tests.vectors.build import _resign_unknown_profile

    view = read_profile(decode(_resign_unknown_profile(pki.signers["secp256r1"])))
    assert isinstance(view, GenericSeal)
    assert view.profile == "7A02"
    assert view.fields()["messages"] == [{"tag": "0x01", "value": b"third-party content".hex()}]


def test_ttd_fields() -> None:
    fields = sample_ttd().fields()
    assert fields["document_number"] == "N1234567"
    assert fields["surname"] == "PERERA"
    assert fields["given_names"] == "KAMALA SUDARSHANI"
    assert fields["expiry_date"] == "2026-03-15"
    assert fields["check_code"] == "7K3M-9QXR-2HVD-9G"


@pytest.mark.parametrize(
    "bad",
    [
        {"mrz": "P<LKA" * 10},  # not 72 characters
        {"mrz": "P<LKA" + "a" * 67},  # lower case
        {"photo_hash": b"\x00" * 31},
        {"check_code": "7K3M-9QXR-2HVD-9H"},
    ],
)
def test_bad_ttd_data(bad: dict[str, object], pki: SealPki) -> None:
    with pytest.raises(ProfileError):
        seal_ttd(replace(sample_ttd(), **bad), pki.signers["secp256r1"], AT)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        {"signed_by": "x" * 41},
        {"number": ""},
        {"place": " Colombo"},
        {"country": "Sri Lanka"},
        {"document_sha256": b"\x00" * 20},
    ],
)
def test_bad_legalization_data(bad: dict[str, object], pki: SealPki) -> None:
    with pytest.raises(ProfileError):
        seal_legalization(sample_legalization(**bad), pki.signers["LEG"], AT)


def test_a_signer_whose_key_does_not_match_its_certificate_is_stopped(pki: SealPki) -> None:
    class Mismatched:
        certificate = pki.signers["secp256r1"].certificate
        signer_id = pki.signers["secp256r1"].signer_id
        cert_reference = pki.signers["secp256r1"].cert_reference

        def sign(self, data: bytes, hash_name: str | None = None) -> bytes:
            return pki.signers["brainpoolP256r1"].sign(data, hash_name)

    with pytest.raises(profiles.SigningError):
        seal_ttd(sample_ttd(), Mismatched(), AT)  # type: ignore[arg-type]
    with pytest.raises(profiles.SigningError):
        seal_ttd_idb(sample_ttd(), Mismatched(), AT)  # type: ignore[arg-type]


@pytest.mark.parametrize("curve", ["secp256r1", "brainpoolP256r1"])
def test_seals_carry_low_s_signatures(curve: str, pki: SealPki) -> None:
    """One form of each signature (s <= n/2); a verifier still accepts n - s (ECDSA does,
    and TR-03137 does not require low-s): docs/seal-format.md 1.3."""
    n = curves.curve(curve).n
    for i in range(24):
        seal = seal_ttd(sample_ttd(photo_hash=bytes([i]) * 32), pki.signers[curve], AT)
        signature = vds.decode(seal).signature
        size = len(signature) // 2
        assert int.from_bytes(signature[size:], "big") <= n // 2


def test_mrz_may_be_given_as_two_lines(pki: SealPki) -> None:
    data = sample_ttd()
    as_lines = replace(data, mrz="\n".join(data.mrz_lines))
    assert read_profile(decode(seal_ttd(as_lines, pki.signers["secp256r1"], AT))) == data


def test_utf8_fields(pki: SealPki) -> None:
    data = sample_legalization(signed_by="Ñuñez Müller", place="Kandy")
    assert read_profile(decode(seal_legalization(data, pki.signers["LEG"], AT))) == data


def test_missing_required_field_is_malformed(pki: SealPki) -> None:
    signer = pki.signers["LEG"]
    seal = decode(seal_legalization(sample_legalization(), signer, AT))
    assert isinstance(seal, vds.VdsSeal)
    without_hash = [m for m in seal.messages if m.tag != profiles.LEG_DOCUMENT_SHA256]
    unsigned = vds.build_unsigned(seal.header, without_hash)
    with pytest.raises(SealMalformed):
        read_profile(decode(unsigned + vds.signature_zone(signer.sign(unsigned))))


def test_sizes_fit_the_qr_budget(pki: SealPki) -> None:
    """Full TTD and a legalization with every field at its maximum, P-256: ≤ 350 bytes."""
    signer = pki.signers["secp256r1"]
    ttd = seal_ttd(sample_ttd(), signer, AT)
    limits = profiles.LEGALIZATION_LIMITS
    longest = sample_legalization(
        number="N" * limits["number"],
        signed_by="S" * limits["signed_by"],
        capacity="C" * limits["capacity"],
        seal_of="A" * limits["seal_of"],
        place="P" * limits["place"],
    )
    leg = seal_legalization(longest, signer, AT)
    assert len(ttd) == 182
    assert len(leg) == 310
    # QR version ≤ 14 at error correction M (RESEARCH §2: ≤ 350 bytes decoded everywhere).
    for seal in (ttd, leg):
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(qr_text(seal, CHECK_URL))
        code.make(fit=True)
        assert code.version <= 14


def test_decode_dispatch() -> None:
    with pytest.raises(SealUnreadable):
        decode(b"hello")
    with pytest.raises(SealUnreadable):
        decode("hello")


def test_document_hash_is_carried(pki: SealPki, tmp_path: Path) -> None:
    document = tmp_path / "doc.pdf"
    document.write_bytes(b"%PDF-1.7 the underlying document")
    digest = hashlib.sha256(document.read_bytes()).digest()
    data = sample_legalization(document_sha256=digest)
    view = read_profile(decode(seal_legalization(data, pki.signers["LEG"], AT)))
    assert isinstance(view, LegalizationSeal) and view.document_sha256 == digest


def _td2_td3(surname: str = "PERERA", personal: str = "198507401234") -> tuple[str, str]:
    from datetime import date

    from legalize.documents import mrz

    fields = mrz.MrzFields(
        document_code="PE",
        issuing_state="LKA",
        surname=surname,
        given_names="KAMALA SUDARSHANI",
        document_number="T26000042",
        nationality="LKA",
        birth_date=date(1985, 7, 14),
        sex="F",
        expiry_date=date(2026, 3, 15),
        optional_data=personal,
    )
    td2 = "".join(mrz.td2(replace(fields, optional_data="")))
    return td2, "".join(mrz.td3(fields))


def test_printed_td3_mrz_round_trips_and_fits(pki: SealPki) -> None:
    td2, td3 = _td2_td3()
    data = replace(sample_ttd(), mrz=td2, printed_mrz=td3)
    seal = seal_ttd(data, pki.signers["secp256r1"], AT)
    profile = read_profile(decode(seal))
    assert profile == data
    assert isinstance(profile, TtdSeal)
    assert profile.fields()["printed_mrz"] == [td3[:44], td3[44:]]
    assert len(seal) <= 350


def test_printed_mrz_must_agree_with_the_icao_mrz(pki: SealPki) -> None:
    td2, _ = _td2_td3()
    _, other = _td2_td3(surname="SILVA")
    other_number = other[:44] + other[44:53].replace("T26000042", "T26000043") + other[53:]
    with pytest.raises(ProfileError):
        seal_ttd(
            replace(sample_ttd(), mrz=td2, printed_mrz=other_number),
            pki.signers["secp256r1"],
            AT,
        )
    with pytest.raises(ProfileError):
        seal_ttd(
            replace(sample_ttd(), mrz=td2, printed_mrz="P<" * 10), pki.signers["secp256r1"], AT
        )


def test_signed_but_disagreeing_printed_mrz_is_malformed(pki: SealPki) -> None:
    """A seal whose extension contradicts its ICAO MRZ is refused even with a good signature."""
    td2, td3 = _td2_td3()
    signer = pki.signers["secp256r1"]
    seal = decode(seal_ttd(replace(sample_ttd(), mrz=td2, printed_mrz=td3), signer, AT))
    assert isinstance(seal, vds.VdsSeal)
    forged = td3[:44] + "X" + td3[45:]  # another document number on the page
    messages = [
        Tlv(m.tag, c40.encode(forged)) if m.tag == profiles.PRINTED_MRZ else m
        for m in seal.messages
    ]
    unsigned = vds.build_unsigned(seal.header, messages)
    with pytest.raises(SealMalformed):
        read_profile(decode(unsigned + vds.signature_zone(signer.sign(unsigned))))
