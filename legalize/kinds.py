"""The kinds every part names: document types, case kinds and states, and roles — one enum each.

A leaf module (it imports nothing of ours), so every part can use it, from ``legalize.pki`` up
to the web pages and the verifier. Each part's spelling of a value is a property of the member
(``DocumentType.TTD.cert_code`` is ``"TTD"``, its seal profile ``"TTD"``; a legalization is
``"legalization"`` in the register, ``"LEG"`` in a signer certificate and ``"LEGALIZATION"`` as
a seal profile), not a translation table in the module that needs it.

The values are what the register stores: never rename one.
"""

from __future__ import annotations

from enum import StrEnum, unique
from typing import Final


@unique
class DocumentType(StrEnum):
    """What a document is; the value is the register's (``documents.type``) and the API's."""

    TTD = "ttd"
    """Temporary travel document."""
    LEGALIZATION = "legalization"
    """Legalized document: the certificate page and the underlying document."""

    @property
    def cert_code(self) -> str:
        """The code in a signer certificate's document-type extension (``legalize.pki.oids``),
        and in the keys folder's index: ``TTD`` or ``LEG``."""
        return _CERT_CODES[self]

    @property
    def profile(self) -> str:
        """The seal profile's name (a verification report's ``profile``): ``TTD`` or
        ``LEGALIZATION``."""
        return self.name

    @property
    def signer_code(self) -> str:
        """The two characters after the country in a new signer's TR-03137 identifier
        (``LK`` + ``TD`` = ``LKTD``)."""
        return _SIGNER_CODES[self]

    @classmethod
    def of_cert_code(cls, code: str) -> DocumentType:
        """The type a certificate code names; ``ValueError`` for any other code."""
        for member in cls:
            if member.cert_code == code:
                return member
        raise ValueError(f"unknown document type code {code!r}; known: {', '.join(CERT_CODES)}")

    @classmethod
    def of_profile(cls, profile: str) -> DocumentType | None:
        """The type of a seal profile name; None for a profile that is not one of ours."""
        return cls.__members__.get(profile)


_CERT_CODES: Final = {DocumentType.TTD: "TTD", DocumentType.LEGALIZATION: "LEG"}
_SIGNER_CODES: Final = {DocumentType.TTD: "TD", DocumentType.LEGALIZATION: "LG"}
CERT_CODES: Final = tuple(t.cert_code for t in DocumentType)
"""Every certificate document-type code, in member order."""


@unique
class CaseKind(StrEnum):
    READMISSION = "readmission"
    LEGALIZATION = "legalization"


@unique
class CaseState(StrEnum):
    """draft → approved → issued → (used | expired | revoked), and rejected (DESIGN §7)."""

    DRAFT = "draft"
    APPROVED = "approved"
    REJECTED = "rejected"
    ISSUED = "issued"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def has_document(self) -> bool:
        """The case has issued its document, so this is also the document's status."""
        return self in (CaseState.ISSUED, CaseState.USED, CaseState.EXPIRED, CaseState.REVOKED)


@unique
class Role(StrEnum):
    """Who may do what (DESIGN §1). Staff users hold one or more of the staff roles; an API
    client acts as a foreign authority."""

    ISSUING_OFFICER = "issuing_officer"
    APPROVING_OFFICER = "approving_officer"
    BORDER_OFFICER = "border_officer"
    ADMINISTRATOR = "administrator"
    RISK_ANALYST = "risk_analyst"
    """The risk-analysis unit: sees the dashboard of public checks and their failures, and
    nothing else (no case, no document, no user)."""
    FOREIGN_AUTHORITY = "foreign_authority"
    ISSUING_AUTHORITY = "issuing_authority"
    """The API client of an authority whose documents are legalized (a registrar, a
    university, a court): it files legalizations of its own documents and nothing else."""

    @property
    def is_staff(self) -> bool:
        """A role a staff user account may hold (every role but the API clients')."""
        return self not in (Role.FOREIGN_AUTHORITY, Role.ISSUING_AUTHORITY)


STAFF_ROLES: Final = tuple(r for r in Role if r.is_staff)
"""The roles of staff user accounts, in member order."""
