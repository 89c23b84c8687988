"""The origin check of a legalization: is the underlying document really from the authority
it names?

Three kinds of evidence, strongest first (docs/casework.md):

1. **Submitted by the issuing authority**: the authority's own API client filed the case
   (``Case.submitted_by_signatory_id``; an applicant's upload never sets it).
2. **Digitally signed by the claimed authority**: a signature of the uploaded PDF verified
   at filing (legalize.documents.signatures) by a certificate the signatory register holds
   for a signatory of the authority the case names.
3. For paper, a scan: the reviewer compares the page with the registered specimen signature
   and seal, shown beside it at the same scale (the staff case page).

Alerts that block approval and issuance (``ORIGIN_ALERT``, 409, field ``origin``): a
signature that does not verify (altered, forged, revoked signer), a signer whose certificate
the register holds for another authority, or one it does not hold while the claimed authority
has certificates on record; and a case submitted by one authority's client that names
another. A signature by a certificate nobody registered, for an authority with none on
record, is shown as no evidence — it does not block (anyone can make such a certificate).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.cases.errors import InvalidTransition
from legalize.documents.signatures import SignatureFinding, SignatureStatus
from legalize.kinds import CaseKind
from legalize.phrases import P_, Phrase, word
from legalize.registry.models import Case, Signatory, SignatoryCertificate


class OriginAlert(InvalidTransition):
    """The origin check found something that must stop approval and issuance."""

    code = "ORIGIN_ALERT"


class Origin(StrEnum):
    SUBMITTED_BY_AUTHORITY = "submitted_by_authority"
    SIGNED_BY_CLAIMED_AUTHORITY = "signed_by_claimed_authority"
    SIGNED_BY_UNREGISTERED_CERTIFICATE = "signed_by_unregistered_certificate"
    NOT_SIGNED = "not_signed"
    NOT_CHECKED = "not_checked"
    """Filed before signatures were read at intake."""
    SIGNATURE_INVALID = "signature_invalid"
    SIGNER_NOT_CLAIMED_AUTHORITY = "signer_not_claimed_authority"
    SUBMITTER_NOT_CLAIMED_AUTHORITY = "submitter_not_claimed_authority"


BLOCKING = frozenset(
    {
        Origin.SIGNATURE_INVALID,
        Origin.SIGNER_NOT_CLAIMED_AUTHORITY,
        Origin.SUBMITTER_NOT_CLAIMED_AUTHORITY,
    }
)


@dataclass(frozen=True)
class OriginView:
    outcome: Origin
    headline: Phrase
    """What the reviewer reads first, in plain words."""
    details: tuple[Phrase, ...]
    signatures: tuple[SignatureFinding, ...]
    signed_by: str | None
    """The registered signatory whose certificate signed (name, capacity, authority)."""
    submitted_by: str | None
    """The authority whose own client filed the case."""

    @property
    def blocks(self) -> bool:
        return self.outcome in BLOCKING


def norm(text: str) -> str:
    """Compare names and authorities case-, accent- and punctuation-insensitively."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain.casefold()).split())


def _who(s: Signatory) -> str:
    return f"{s.name}, {s.capacity}, {s.authority}"


def findings(case: Case) -> list[SignatureFinding] | None:
    if case.digital_signatures is None:
        return None
    return [SignatureFinding.from_dict(d) for d in case.digital_signatures if isinstance(d, dict)]


def assess(session: Session, case: Case) -> OriginView:
    """The origin evidence of a legalization case against the register as it is now."""
    claimed = norm(case.signer_authority or "")
    found = findings(case)
    signatures = tuple(found or ())
    registered = {
        row.sha256: row
        for row in session.scalars(select(SignatoryCertificate).order_by(SignatoryCertificate.id))
    }
    claimed_has_certificates = any(
        norm(row.signatory.authority) == claimed for row in registered.values()
    )
    submitter = case.submitted_by_signatory
    submitted_by = _who(submitter) if submitter is not None else None

    def view(
        outcome: Origin, headline: Phrase, *details: Phrase, signed_by: str | None = None
    ) -> OriginView:
        return OriginView(outcome, headline, details, signatures, signed_by, submitted_by)

    bad = [f for f in signatures if f.status is not SignatureStatus.VALID]
    if bad:
        return view(
            Origin.SIGNATURE_INVALID,
            P_("A digital signature on the uploaded document does not verify."),
            *(
                P_(
                    "%(signer)s: %(finding)s",
                    signer=f.signer_subject or P_("Unknown signer"),
                    finding=word(f.message),
                )
                for f in bad
            ),
        )
    if submitter is not None and norm(submitter.authority) != claimed:
        return view(
            Origin.SUBMITTER_NOT_CLAIMED_AUTHORITY,
            P_(
                "Submitted by the client of %(submitter)s, but the document names %(claimed)s.",
                submitter=submitter.authority,
                claimed=case.signer_authority or "",
            ),
        )
    ours: list[tuple[SignatureFinding, Signatory]] = []
    for f in signatures:
        row = registered.get(f.signer_sha256)
        if row is not None and norm(row.signatory.authority) == claimed:
            ours.append((f, row.signatory))
    others = [f for f in signatures if all(f is not g for g, _ in ours)]
    if others and (claimed_has_certificates or any(f.signer_sha256 in registered for f in others)):
        details: list[Phrase] = []
        for f in others:
            row = registered.get(f.signer_sha256)
            if row is not None:
                details.append(
                    P_(
                        "Signed with the registered certificate of %(signatory)s, not of "
                        "%(claimed)s.",
                        signatory=_who(row.signatory),
                        claimed=case.signer_authority or "",
                    )
                )
            else:
                details.append(
                    P_(
                        "Signed by “%(subject)s”, a certificate the register does not hold for "
                        "%(claimed)s.",
                        subject=f.signer_subject,
                        claimed=case.signer_authority or "",
                    )
                )
        return view(
            Origin.SIGNER_NOT_CLAIMED_AUTHORITY,
            P_(
                "The document is digitally signed, but not by %(claimed)s.",
                claimed=case.signer_authority or "",
            ),
            *details,
        )
    if submitter is not None:
        return view(
            Origin.SUBMITTED_BY_AUTHORITY,
            P_(
                "Submitted by the issuing authority itself (%(authority)s) through its own API "
                "client: the strongest evidence of origin.",
                authority=submitter.authority,
            ),
            signed_by=_who(ours[0][1]) if ours else None,
        )
    if ours:
        f, s = ours[0]
        return view(
            Origin.SIGNED_BY_CLAIMED_AUTHORITY,
            P_("Digitally signed by the claimed authority: %(authority)s.", authority=s.authority),
            P_(
                "Signer certificate “%(subject)s” is registered for %(signatory)s.",
                subject=f.signer_subject,
                signatory=_who(s),
            ),
            (
                P_("Revocation data in the file was checked: not revoked.")
                if f.revocation_checked
                else P_("The file carries no revocation data for the signer.")
            ),
            signed_by=_who(s),
        )
    if others:
        return view(
            Origin.SIGNED_BY_UNREGISTERED_CERTIFICATE,
            P_(
                "Digitally signed, but by a certificate the register does not hold: no "
                "evidence of origin. Compare the document with the specimen."
            ),
            *(P_("Signer: “%(subject)s”.", subject=f.signer_subject) for f in others),
        )
    if found is None:
        return view(Origin.NOT_CHECKED, P_("Filed before digital signatures were read."))
    return view(
        Origin.NOT_SIGNED,
        P_(
            "Not digitally signed (paper or a scan): compare the signature and seal with the "
            "registered specimens."
        ),
    )


def require_no_alert(session: Session, case: Case) -> None:
    """Refuse approval or issuance of a legalization whose origin check raised an alert."""
    if case.kind != CaseKind.LEGALIZATION.value:
        return
    result = assess(session, case)
    if result.blocks:
        raise OriginAlert(
            P_(
                "%(headline)s Approval is blocked: reject the application, or ask the applicant "
                "for the genuine document.",
                headline=result.headline,
            ),
            field="origin",
        )


def audit_details(result: OriginView) -> dict[str, Any]:
    return {
        "outcome": result.outcome.value,
        "signers": [f.signer_sha256 for f in result.signatures],
        "statuses": [f.status.value for f in result.signatures],
    }
