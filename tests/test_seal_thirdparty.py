"""Other issuers' published VDS profiles decode (and, given their certificates, verify)."""

from __future__ import annotations

from datetime import date

import pytest

from legalize.pki.trust import TrustStore
from legalize.seal import vds
from legalize.seal.profiles import decode, read_profile
from legalize.seal.thirdparty import ThirdPartySeal
from legalize.seal.tlv import Tlv
from tests.vectors.build import VALID_AT, SealPki, build_pki, icao_visa
from verifier.seal import verify_seal

# BSI TR-03137 example: German supplementary sheet (FA06), signer UTTS, reference 5B.
SUPPLEMENTARY_SHEET = bytes.fromhex(
    "dc03d9c5d9cac8a73a990f7134b83459fa0604305cba135875976ec066d417b59e8c6abc133c133c133c133c"
    "3fef3a2938ee43f1593d1ae52dbb26751fe64b7c133c136b0506b77519a519aaff4013f779663cacb50187"
    "b262e8a57053c7ac4d5003c9dee6c84c96b6609e69f5e476dc69a7736725acd6a5c96e508f10fa992bb4d5"
    "f78ddff1ac405488dd7f784f"
)


def test_german_supplementary_sheet_example() -> None:
    seal = read_profile(decode(SUPPLEMENTARY_SHEET))
    assert isinstance(seal, ThirdPartySeal)
    assert seal.profile == "SUPPLEMENTARY_SHEET"
    assert seal.values["mrz"] == (
        "ATD<<RESIDORCE<<ROLAND<<<<<<<<<<<<<<6525845096USA7008038M2201018<<<<<<06"
    )
    assert seal.values["sheet_number"] == "PA0000005"
    assert seal.expiry_date == date(2022, 1, 1)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SealPki:
    return build_pki(tmp_path_factory.mktemp("thirdparty-pki"))


def _visa(pki: SealPki, expiry: str) -> bytes:
    seal = vds.decode(icao_visa(pki.signers["brainpoolP256r1"], expiry))
    signer = pki.signers["brainpoolP256r1"]
    unsigned = vds.build_unsigned(seal.header, [*seal.messages, Tlv(0x42, b"unlisted")])
    return unsigned + vds.signature_zone(signer.sign(unsigned))


def test_a_visa_seal_verifies_with_its_fields(pki: SealPki) -> None:
    store = TrustStore.load(pki.trust_dir)
    report = verify_seal(_visa(pki, "261231"), store, VALID_AT)
    assert report.verdict.value == "VALID", report.to_text()
    assert report.data["profile"] == "ICAO_VISA"
    assert report.data["passport_number"] == "L898902C3"
    assert report.data["number_of_entries"] == 1
    assert report.data["unknown_messages"] == [{"tag": "0x42", "value": b"unlisted".hex()}]
    expired = verify_seal(_visa(pki, "260120"), store, VALID_AT)
    assert [c.code for c in expired.checks if c.status.value == "INVALID"] == ["DOCUMENT_EXPIRED"]


def test_bad_field_of_a_known_profile_is_malformed() -> None:
    seal = vds.decode(SUPPLEMENTARY_SHEET)
    broken = vds.VdsSeal(seal.header, (Tlv(0x04, b"\x00\x01"),), seal.signature, seal.signed_bytes)
    from legalize.seal.errors import SealMalformed

    with pytest.raises(SealMalformed):
        read_profile(broken)
