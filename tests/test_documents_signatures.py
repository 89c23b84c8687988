"""An uploaded PDF's digital signatures (legalize.documents.signatures): round trip, tamper,
the known PDF signature attacks, revocation data carried by the file, and odd input."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from legalize.documents.signatures import SignatureFinding, SignatureStatus, read_signatures
from tests.helpers import pdf_attacks as attacks
from tests.helpers.authority_pki import make_ca, make_crl, make_signer, plain_pdf, sign

AT = datetime.now(UTC).replace(microsecond=0)
CA = make_ca()
SIGNER = make_signer(CA, "Registrar of Births, Colombo")
SIGNED = sign(plain_pdf(), SIGNER, CA)


def test_a_signature_is_read_and_kept_for_the_register() -> None:
    (found,) = read_signatures(SIGNED, AT)
    assert found.status is SignatureStatus.VALID
    assert found.signer_der == SIGNER.der
    assert found.signer_subject.startswith("Registrar of Births, Colombo")
    assert found.signing_time is not None and not found.revocation_checked
    assert SignatureFinding.from_dict(found.as_dict()) == found  # stored as JSON on the case


def test_an_unsigned_pdf_has_no_signatures() -> None:
    assert read_signatures(plain_pdf(), AT) == []


def test_revocation_data_in_the_file() -> None:
    good = sign(plain_pdf(), SIGNER, CA, crl=make_crl(CA, [], AT), at=AT)
    (found,) = read_signatures(good, AT)
    assert found.status is SignatureStatus.VALID and found.revocation_checked
    revoked = sign(plain_pdf(), SIGNER, CA, crl=make_crl(CA, [SIGNER], AT), at=AT)
    (found,) = read_signatures(revoked, AT)
    assert found.status is SignatureStatus.REVOKED


def test_a_changed_byte_breaks_it() -> None:
    (found,) = read_signatures(SIGNED.replace(b"4711", b"4712", 1), AT)
    assert found.status is SignatureStatus.INVALID


@pytest.mark.parametrize(
    "attack",
    [
        attacks.usf_zero_contents,
        attacks.usf_remove_contents,
        attacks.usf_zero_byterange,
        attacks.isa_with_xref,
        attacks.isa_without_xref,
        attacks.isa_without_xref_eof,
        attacks.append_after_eof,
        attacks.signature_wrapping,
        attacks.add_annotation,
        attacks.sneaky_signature,
    ],
    ids=lambda f: f.__name__,
)
def test_the_known_attacks_are_not_valid(attack: Callable[[bytes], bytes]) -> None:
    """A signature an attack left behind never counts: what the sanitizer would show (the
    file to its end) is not what was signed."""
    found = read_signatures(attack(SIGNED), AT)
    assert found, "a signature the file claims is never taken for none"
    assert all(f.status is not SignatureStatus.VALID for f in found)


def test_random_damage_is_never_valid_and_never_raises() -> None:
    rnd = random.Random(8)
    for _ in range(60):
        damaged = bytearray(SIGNED)
        for _ in range(4):
            damaged[rnd.randrange(len(damaged))] = rnd.randrange(256)
        found = read_signatures(bytes(damaged), AT)
        assert all(f.status is not SignatureStatus.VALID for f in found)
