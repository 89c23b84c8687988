"""legalize.kinds: one enum per kind, each part's spelling a property of the member."""

from __future__ import annotations

import pytest

from legalize.kinds import CERT_CODES, STAFF_ROLES, CaseState, DocumentType, Role
from legalize.pki import oids
from legalize.pki.errors import PkiError
from legalize.registry.accounts import AccountError, parse_roles


@pytest.mark.parametrize(
    ("kind", "register", "cert", "profile", "signer"),
    [
        (DocumentType.TTD, "ttd", "TTD", "TTD", "TD"),
        (DocumentType.LEGALIZATION, "legalization", "LEG", "LEGALIZATION", "LG"),
    ],
)
def test_each_part_spells_a_document_type_its_way(
    kind: DocumentType, register: str, cert: str, profile: str, signer: str
) -> None:
    assert (kind.value, kind.cert_code, kind.profile, kind.signer_code) == (
        register,
        cert,
        profile,
        signer,
    )
    assert DocumentType(register) is kind
    assert DocumentType.of_cert_code(cert) is kind
    assert DocumentType.of_profile(profile) is kind


@pytest.mark.parametrize("code", ["ttd", "LEGALIZATION", "", "VISA"])
def test_unknown_certificate_code_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="unknown document type"):
        DocumentType.of_cert_code(code)
    with pytest.raises(PkiError):
        oids.document_types_extension((code,))


@pytest.mark.parametrize("profile", ["ICAO_VISA", "ttd", "", "GENERIC"])
def test_a_profile_that_is_not_ours_has_no_type(profile: str) -> None:
    assert DocumentType.of_profile(profile) is None


def test_certificate_codes_round_trip_through_the_extension() -> None:
    assert CERT_CODES == ("TTD", "LEG")
    assert oids.document_types_extension(CERT_CODES).oid == oids.EXT_DOCUMENT_TYPES


def test_document_states_are_the_issued_ones() -> None:
    assert [s.value for s in CaseState if s.has_document] == [
        "issued",
        "used",
        "expired",
        "revoked",
    ]


def test_staff_roles_exclude_the_foreign_authority() -> None:
    assert Role.FOREIGN_AUTHORITY not in STAFF_ROLES
    assert set(STAFF_ROLES) == set(Role) - {Role.FOREIGN_AUTHORITY, Role.ISSUING_AUTHORITY}
    assert parse_roles(["issuing_officer", " border_officer "]) == {
        Role.ISSUING_OFFICER,
        Role.BORDER_OFFICER,
    }


@pytest.mark.parametrize("bad", ["foreign_authority", "ISSUING_OFFICER", "officer", ""])
def test_a_user_cannot_hold_a_non_staff_or_unknown_role(bad: str) -> None:
    with pytest.raises(AccountError):
        parse_roles([bad])
