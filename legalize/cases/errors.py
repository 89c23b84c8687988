"""The domain errors of the case workflows, in one place so the web and CLI map them once.

Each has a stable ``code`` (never renamed) and, where one input is at fault, the ``field``.
Suggested HTTP status: :attr:`CaseError.http_status`.
"""

from __future__ import annotations

from dataclasses import dataclass

from legalize.phrases import P_


@dataclass(frozen=True)
class FieldError:
    field: str
    """Dotted name of the input, e.g. ``identity.birth_date``."""
    code: str
    message: str
    """English; a :class:`~legalize.phrases.Phrase` (its ``field`` value the field's name)
    where the rules wrote one, so a page can say it in its reader's language."""


class CaseError(Exception):
    """Base class: the request could not be carried out; nothing was changed."""

    code = "CASE_ERROR"
    http_status = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        errors: tuple[FieldError, ...] = (),
        details: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        """Facts an API answer may carry beside code, message and field."""
        if code is not None:
            self.code = code
        if field is None and errors:
            field = errors[0].field
        self.field = field
        self.errors = errors or (
            (FieldError(field, self.code, message),) if field is not None else ()
        )


class InvalidInput(CaseError):
    """An input is missing or malformed; ``field`` names it (``errors`` names all)."""

    code = "INVALID_INPUT"
    http_status = 422


class ReasonRequired(InvalidInput):
    code = "REASON_REQUIRED"

    def __init__(self, message: str = P_("a reason is required")) -> None:
        super().__init__(message, field="reason")


class SignatoryNotAuthorized(InvalidInput):
    """The underlying document's signer is not an authorized signatory on its date."""

    code = "SIGNATORY_NOT_AUTHORIZED"


class NotFound(CaseError):
    code = "NOT_FOUND"
    http_status = 404


class Forbidden(CaseError):
    """The actor lacks the role for this step."""

    code = "ROLE_REQUIRED"
    http_status = 403


class FourEyesViolation(Forbidden):
    """The approver is the officer who prepared the case."""

    code = "FOUR_EYES"


class Duplicate(CaseError):
    code = "DUPLICATE"
    http_status = 409


class DuplicatePerson(Duplicate):
    """The person has an open request of the same filer already (``details`` names it)."""

    code = "DUPLICATE_PERSON"


class InvalidTransition(CaseError):
    """The case is not in a state that allows this step."""

    code = "INVALID_STATE"
    http_status = 409


class DocumentUsed(InvalidTransition):
    code = "DOCUMENT_USED"


class DocumentExpired(InvalidTransition):
    code = "DOCUMENT_EXPIRED"


class DocumentRevoked(InvalidTransition):
    code = "DOCUMENT_REVOKED"


class IssuanceFailed(CaseError):
    """The document could not be made or signed; the register is unchanged."""

    code = "ISSUANCE_FAILED"
    http_status = 503
