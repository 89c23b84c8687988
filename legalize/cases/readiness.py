"""What a case needs before an officer may prepare it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.cases.errors import InvalidInput, SignatoryNotAuthorized
from legalize.kinds import CaseKind
from legalize.phrases import P_
from legalize.registry.models import Case, Photo


def check(session: Session, case: Case) -> None:
    if case.kind == CaseKind.READMISSION.value:
        photo = session.scalars(select(Photo).where(Photo.case_id == case.id)).one_or_none()
        if photo is None:
            raise InvalidInput(
                P_("the holder photo is missing"), field="photo", code="PHOTO_MISSING"
            )
        if not photo.passed and not photo.override_reason:
            raise InvalidInput(
                P_("the photo failed the portrait checks; retake it or override with a reason"),
                field="photo",
                code="PHOTO_CHECK_FAILED",
            )
    elif case.signatory_id is None:
        raise SignatoryNotAuthorized(
            P_("the underlying document's signer is not matched to an authorized signatory"),
            field="signer_name",
        )
