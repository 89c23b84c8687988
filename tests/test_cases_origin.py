"""The origin check of a legalization (legalize.cases.origin), on SQLite and PostgreSQL:
digital signatures matched against the register's certificates, alerts that block approval
and issuance, the issuing authority's own submissions, the certificate register, and what
the reviewer is shown (legalize.cases.review)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy.orm import Session

from legalize.cases import legalization, readmission, review, signatories
from legalize.cases.errors import Forbidden, InvalidInput, NotFound
from legalize.cases.origin import Origin, OriginAlert, assess
from legalize.cases.rules import Actor
from legalize.kinds import Role
from legalize.registry import audit
from legalize.registry.models import Case
from tests.helpers.authority_pki import Identity, make_ca, make_crl, make_signer, plain_pdf, sign
from tests.helpers.cases_support import ADMIN, ALICE, BOB, HOST, T0, workflow_issuer

AT = datetime.now(UTC).replace(microsecond=0)
"""The filing time: signatures are made now, so intake reads them at the same time."""
AUTHORITY = "Registrar General's Department, Colombo"
OTHER_AUTHORITY = "University of Peradeniya"
CA = make_ca()
REGISTRAR = make_signer(CA, "Registrar of Births, Colombo")
DEAN = make_signer(CA, "Registrar, University of Peradeniya")
STRANGER = make_signer(make_ca("Self-made CA"), "Registrar of Births, Colombo")


def _signatory(session: Session, authority: str = AUTHORITY, name: str = "N. Fernando") -> int:
    return legalization.add_signatory(
        session,
        ADMIN,
        name=name,
        capacity="Registrar of Births",
        authority=authority,
        valid_from=date(2020, 1, 1),
        valid_until=None,
        at=T0,
    ).id


def _certify(session: Session, signatory_id: int, who: Identity) -> None:
    signatories.add_certificate(session, ADMIN, signatory_id, who.der, AT)


def _body(authority: str = AUTHORITY) -> dict[str, object]:
    return {
        "applicant": {
            "surname": "Silva",
            "given_names": "Nimali",
            "birth_date": "1985-12-01",
            "sex": "F",
        },
        "underlying_title": "Birth certificate",
        "underlying_date": "2024-03-15",
        "signer_name": "N. Fernando",
        "signer_capacity": "Registrar of Births",
        "signer_authority": authority,
    }


def _file(session: Session, upload: bytes, actor: Actor = ALICE) -> int:
    request = legalization.parse_request(_body(), upload, AT)
    return legalization.file_application(session, actor, request, AT).id


def _approve(session: Session, case_id: int) -> None:
    legalization.prepare(session, ALICE, case_id, AT + timedelta(minutes=1))
    legalization.approve(session, BOB, case_id, AT + timedelta(minutes=2))


def _outcome(session: Session, case_id: int) -> Origin:
    case = session.get(Case, case_id)
    assert case is not None
    result = assess(session, case).outcome
    session.rollback()
    return result


def _actions(session: Session, case_id: int) -> list[str]:
    return [e.action for e in audit.entries_for(session, "case", case_id)]


def test_signed_by_the_claimed_authority(db_session: Session) -> None:
    session = db_session
    _certify(session, _signatory(session), REGISTRAR)
    case_id = _file(session, sign(plain_pdf(), REGISTRAR, CA))
    case = session.get(Case, case_id)
    assert case is not None
    result = assess(session, case)
    assert result.outcome is Origin.SIGNED_BY_CLAIMED_AUTHORITY and not result.blocks
    assert result.signed_by is not None and "N. Fernando" in result.signed_by
    assert "no revocation data" in " ".join(result.details)
    session.rollback()
    _approve(session, case_id)
    assert session.get(Case, case_id).state == "approved"  # type: ignore[union-attr]
    entry = [e for e in audit.entries_for(session, "case", case_id) if "origin" in e.action]
    assert entry[0].details_dict["outcome"] == "signed_by_claimed_authority"


def test_revocation_data_in_the_file_is_checked(db_session: Session) -> None:
    session = db_session
    _certify(session, _signatory(session), REGISTRAR)
    good = sign(plain_pdf(), REGISTRAR, CA, crl=make_crl(CA, [], AT), at=AT)
    case_id = _file(session, good)
    case = session.get(Case, case_id)
    assert case is not None
    assert "not revoked" in " ".join(assess(session, case).details)
    revoked = sign(plain_pdf(), REGISTRAR, CA, crl=make_crl(CA, [REGISTRAR], AT), at=AT)
    session.rollback()
    bad_id = _file(session, revoked)
    assert _outcome(session, bad_id) is Origin.SIGNATURE_INVALID


def _refused(session: Session, case_id: int) -> OriginAlert:
    legalization.prepare(session, ALICE, case_id, AT + timedelta(minutes=1))
    with pytest.raises(OriginAlert) as caught:
        legalization.approve(session, BOB, case_id, AT + timedelta(minutes=2))
    assert caught.value.field == "origin" and caught.value.code == "ORIGIN_ALERT"
    assert session.get(Case, case_id).state == "draft"  # type: ignore[union-attr]
    assert _actions(session, case_id)[-1] == "case.origin_refused"
    return caught.value


def test_an_altered_signed_document_blocks_approval(db_session: Session) -> None:
    session = db_session
    _certify(session, _signatory(session), REGISTRAR)
    signed = sign(plain_pdf(), REGISTRAR, CA)
    assert b"4711" in signed
    altered = signed.replace(b"4711", b"4712", 1)  # the content stream is not compressed
    case_id = _file(session, altered)
    assert _outcome(session, case_id) is Origin.SIGNATURE_INVALID
    exc = _refused(session, case_id)
    assert "does not verify" in exc.message


def test_a_signer_of_another_authority_blocks_approval(db_session: Session) -> None:
    session = db_session
    _certify(session, _signatory(session), REGISTRAR)
    _certify(session, _signatory(session, OTHER_AUTHORITY, "K. Perera"), DEAN)
    case_id = _file(session, sign(plain_pdf(), DEAN, CA))
    case = session.get(Case, case_id)
    assert case is not None
    result = assess(session, case)
    assert result.outcome is Origin.SIGNER_NOT_CLAIMED_AUTHORITY
    assert OTHER_AUTHORITY in " ".join(result.details)
    session.rollback()
    exc = _refused(session, case_id)
    assert AUTHORITY in exc.message


def test_an_unregistered_certificate_is_no_evidence(db_session: Session) -> None:
    session = db_session
    signatory_id = _signatory(session)
    case_id = _file(session, sign(plain_pdf(), STRANGER, CA))
    # the authority has no certificate on record: shown as no evidence, not blocking
    assert _outcome(session, case_id) is Origin.SIGNED_BY_UNREGISTERED_CERTIFICATE
    # once it has one, a signature by any other certificate is not the authority's
    _certify(session, signatory_id, REGISTRAR)
    assert _outcome(session, case_id) is Origin.SIGNER_NOT_CLAIMED_AUTHORITY
    _refused(session, case_id)


def test_the_issuing_authority_submits_itself(db_session: Session) -> None:
    session = db_session
    signatory_id = _signatory(session)
    authority = Actor(
        "api:rgd-colombo", frozenset({Role.ISSUING_AUTHORITY}), "LKA", signatory_id=signatory_id
    )
    case_id = _file(session, plain_pdf(), authority)
    assert _outcome(session, case_id) is Origin.SUBMITTED_BY_AUTHORITY
    _approve(session, case_id)
    # the same document uploaded by an applicant (a foreign client, an officer) is not that
    assert _outcome(session, _file(session, plain_pdf(), HOST)) is Origin.NOT_SIGNED
    assert _outcome(session, _file(session, plain_pdf(), ALICE)) is Origin.NOT_SIGNED
    # an authority's client naming another authority is an alert
    request = legalization.parse_request(_body(OTHER_AUTHORITY), plain_pdf(), AT)
    other = legalization.file_application(session, authority, request, AT).id
    assert _outcome(session, other) is Origin.SUBMITTER_NOT_CLAIMED_AUTHORITY
    # and it files legalizations only
    with pytest.raises(Forbidden):
        readmission.file_request(
            session, authority, readmission.parse_request(_readmission(), T0), T0
        )


def _readmission() -> dict[str, object]:
    from tests.helpers.cases_support import request_body

    return request_body()


def test_the_gate_holds_at_issuance(db_session: Session) -> None:
    """A certificate registered after approval still stops issuance of a foreign signature."""
    session = db_session
    signatory_id = _signatory(session)
    case_id = _file(session, sign(plain_pdf(), STRANGER, CA))
    _approve(session, case_id)
    _certify(session, signatory_id, REGISTRAR)
    with pytest.raises(OriginAlert):
        legalization.issue(session, BOB, case_id, AT + timedelta(minutes=3), workflow_issuer())
    assert session.get(Case, case_id).state == "approved"  # type: ignore[union-attr]
    refusal = audit.entries_for(session, "case", case_id)[-1]
    assert refusal.action == "case.origin_refused" and refusal.details_dict["step"] == "issue"


def test_certificate_register(db_session: Session) -> None:
    session = db_session
    signatory_id = _signatory(session)
    with pytest.raises(InvalidInput) as bad:
        signatories.add_certificate(session, ADMIN, signatory_id, b"not a certificate", AT)
    assert bad.value.field == "certificate"
    with pytest.raises(Forbidden):
        signatories.add_certificate(session, ALICE, signatory_id, REGISTRAR.der, AT)
    with pytest.raises(NotFound):
        signatories.add_certificate(session, ADMIN, 9999, REGISTRAR.der, AT)
    from cryptography.hazmat.primitives import serialization

    pem = REGISTRAR.cert.public_bytes(serialization.Encoding.PEM)
    view = signatories.add_certificate(session, ADMIN, signatory_id, pem, AT)
    assert "Registrar of Births" in view.subject
    with pytest.raises(InvalidInput):  # the same certificate twice
        signatories.add_certificate(session, ADMIN, signatory_id, REGISTRAR.der, AT)
    listed = legalization.list_signatories(session)[0]
    assert [c.sha256 for c in listed.certificates] == [view.sha256]
    case_id = _file(session, sign(plain_pdf(), REGISTRAR, CA))
    assert _outcome(session, case_id) is Origin.SIGNED_BY_CLAIMED_AUTHORITY
    signatories.remove_certificate(session, ADMIN, signatory_id, view.sha256, AT)
    assert _outcome(session, case_id) is Origin.SIGNED_BY_UNREGISTERED_CERTIFICATE
    with pytest.raises(NotFound):
        signatories.remove_certificate(session, ADMIN, signatory_id, view.sha256, AT)
    actions = [e.action for e in audit.entries_for(session, "signatory", signatory_id)]
    assert actions == [
        "signatory.added",
        "signatory.certificate_added",
        "signatory.certificate_removed",
    ]


def _jpeg(size: tuple[int, int], dpi: int | None = None) -> bytes:
    out = io.BytesIO()
    extra = {"dpi": (dpi, dpi)} if dpi else {}
    Image.new("RGB", size, "white").save(out, "JPEG", **extra)
    return out.getvalue()


def test_uploads_are_typed_by_content(db_session: Session) -> None:
    """A JPEG is a JPEG whatever its name says; a broken PDF is refused in plain words."""
    session = db_session
    _signatory(session)
    request = legalization.parse_request(_body(), _jpeg((400, 300)), AT)
    assert request.sanitized is not None and request.sanitized.pages == 1
    assert request.signatures == ()
    truncated = plain_pdf()[:300]
    with pytest.raises(InvalidInput) as caught:
        legalization.parse_request(_body(), truncated, AT)
    (error,) = [e for e in caught.value.errors if e.field == "underlying"]
    assert error.code == "UNDERLYING_MALFORMED"
    assert "damaged or incomplete" in error.message and "b'" not in error.message
    with pytest.raises(InvalidInput) as caught:
        legalization.parse_request(_body(), b"GIF89a" + b"\0" * 64, AT)
    assert caught.value.errors[0].code == "UNDERLYING_UNSUPPORTED_TYPE"


def test_review_pages_and_specimens_share_one_scale(db_session: Session) -> None:
    session = db_session
    signature = _jpeg((600, 150), dpi=300)  # 50.8 mm wide
    seal = _jpeg((472, 472))  # no resolution recorded: 300 dpi assumed, 40 mm
    view = legalization.add_signatory(
        session,
        ADMIN,
        name="N. Fernando",
        capacity="Registrar of Births",
        authority=AUTHORITY,
        valid_from=date(2020, 1, 1),
        valid_until=None,
        at=T0,
        specimen=signature,
        seal_image=seal,
    )
    assert view.has_specimen and view.has_seal
    case_id = _file(session, plain_pdf())
    (page,) = review.pages(session, case_id)
    assert (page.width_px, page.height_px) == (827, 1169)  # A4 at 100 px per inch
    png = review.page_png(session, case_id, 1)
    with Image.open(io.BytesIO(png)) as image:
        assert image.width == 827
    with pytest.raises(NotFound):
        review.page_png(session, case_id, 2)
    case = session.get(Case, case_id)
    assert case is not None and case.signatory is not None
    sizes = {s.kind: s for s in review.specimens(case.signatory)}
    assert sizes["signature"].width_px == 200 and sizes["signature"].width_mm == 50.8
    assert sizes["seal"].width_px == 157 and sizes["seal"].width_mm == 40.0
    with pytest.raises(InvalidInput) as bad:
        legalization.add_signatory(
            session,
            ADMIN,
            name="X",
            capacity="Y",
            authority="Z",
            valid_from=date(2020, 1, 1),
            valid_until=None,
            at=T0,
            seal_image=b"%PDF-1.7 not an image",
        )
    assert bad.value.errors[0].field == "seal_image"


def test_a_case_filed_before_sanitized_storage_is_sanitized_for_review(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case filed before uploads were stored sanitized holds the upload itself: its pages
    are rendered from a sanitized copy, never from the file as received."""
    import pikepdf

    session = db_session
    case_id = _file(session, plain_pdf())
    with pikepdf.open(io.BytesIO(plain_pdf())) as doc:
        doc.Root.OpenAction = pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")
        )
        out = io.BytesIO()
        doc.save(out)
    case = session.get(Case, case_id)
    assert case is not None
    case.underlying, case.underlying_rasterized = out.getvalue(), None
    session.commit()
    seen: list[bytes] = []
    original = review.preview_png

    def spy(pdf: bytes, width: int = 600, page_index: int = 0) -> bytes:
        seen.append(pdf)
        return original(pdf, width, page_index)

    monkeypatch.setattr(review, "preview_png", spy)
    assert review.page_png(session, case_id, 1).startswith(b"\x89PNG")
    assert seen and b"/JavaScript" not in seen[0]
    assert len(review.pages(session, case_id)) == 1
