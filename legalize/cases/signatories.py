"""The certificates a signatory's authority signs its documents with (administrators).

A certificate added here is pinned: a digital signature on an underlying PDF made with exactly
this certificate counts as "signed by the claimed authority" (legalize.cases.origin). It is
registered by an administrator from the authority's own channel (its letter, its website),
never taken from an applicant's file. Adding and removing are audited.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.cases import common
from legalize.cases.errors import InvalidInput, NotFound
from legalize.cases.legalization import CertificateView
from legalize.cases.rules import Action, Actor, require_role
from legalize.phrases import P_
from legalize.registry import audit
from legalize.registry.models import Signatory, SignatoryCertificate

MAX_CERTIFICATE_BYTES = 64 * 1024


def parse_certificate(data: bytes) -> x509.Certificate:
    """A certificate given as PEM or DER; InvalidInput (field ``certificate``) otherwise."""
    if not data or len(data) > MAX_CERTIFICATE_BYTES:
        raise InvalidInput(
            P_("the certificate must be a PEM or DER file of at most 64 KiB"), field="certificate"
        )
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise InvalidInput(
            P_("the file is not an X.509 certificate (PEM or DER)"), field="certificate"
        ) from None


def _readable(name: x509.Name) -> str:
    """A subject as people read it: common name first ("Registrar of Births, Colombo,
    Registrar General's Department, LK"), not RFC 4514's escaped reverse order."""
    values = [str(a.value) for a in reversed(list(name))]
    return ", ".join(values) or name.rfc4514_string()


def _audit(
    session: Session, actor: Actor, action: str, signatory_id: int, at: datetime, sha256: str
) -> None:
    audit.append(
        session,
        actor=actor.id,
        action=action,
        subject_type="signatory",
        subject_id=signatory_id,
        at=at,
        details={"certificate_sha256": sha256},
    )


def add_certificate(
    session: Session, actor: Actor, signatory_id: int, data: bytes, at: datetime
) -> CertificateView:
    """Register a signing certificate for a signatory's authority."""
    common.check_time(at)
    require_role(actor, Action.MANAGE_SIGNATORIES)
    cert = parse_certificate(data)
    der = cert.public_bytes(serialization.Encoding.DER)
    sha256 = hashlib.sha256(der).hexdigest()
    with common.unit_of_work(session):
        if session.get(Signatory, signatory_id) is None:
            raise NotFound(f"no signatory {signatory_id}", field="signatory_id")
        existing = session.scalar(
            select(SignatoryCertificate).where(
                SignatoryCertificate.signatory_id == signatory_id,
                SignatoryCertificate.sha256 == sha256,
            )
        )
        if existing is not None:
            raise InvalidInput(
                P_("this certificate is registered for the signatory already"), field="certificate"
            )
        row = SignatoryCertificate(
            signatory_id=signatory_id,
            sha256=sha256,
            der=der,
            subject=_readable(cert.subject)[:500],
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            added_by=actor.id,
            added_at=at,
        )
        session.add(row)
        session.flush()
        _audit(session, actor, "signatory.certificate_added", signatory_id, at, sha256)
        return CertificateView(row.id, sha256, row.subject, row.not_before, row.not_after)


def remove_certificate(
    session: Session, actor: Actor, signatory_id: int, sha256: str, at: datetime
) -> None:
    """Take a certificate off a signatory (a signature by it is then no evidence any more;
    cases already filed are judged against the register as it is when approved)."""
    common.check_time(at)
    require_role(actor, Action.MANAGE_SIGNATORIES)
    sha256 = sha256.strip().lower()
    with common.unit_of_work(session):
        row = session.scalar(
            select(SignatoryCertificate).where(
                SignatoryCertificate.signatory_id == signatory_id,
                SignatoryCertificate.sha256 == sha256,
            )
        )
        if row is None:
            raise NotFound(
                f"signatory {signatory_id} has no certificate {sha256[:16]}…", field="certificate"
            )
        session.delete(row)
        _audit(session, actor, "signatory.certificate_removed", signatory_id, at, sha256)
