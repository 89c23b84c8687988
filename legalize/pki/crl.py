"""Certificate revocation lists of the root: who is revoked, since when, why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from legalize.pki.errors import PkiError

CRL_VALIDITY = timedelta(days=30)
"""Next update of a CRL. ICAO asks for at least every 90 days; a month keeps verifiers fresh."""

REASONS: dict[str, x509.ReasonFlags] = {
    flag.value: flag
    for flag in (
        x509.ReasonFlags.unspecified,
        x509.ReasonFlags.key_compromise,
        x509.ReasonFlags.ca_compromise,
        x509.ReasonFlags.affiliation_changed,
        x509.ReasonFlags.superseded,
        x509.ReasonFlags.cessation_of_operation,
        x509.ReasonFlags.privilege_withdrawn,
    )
}
"""Revocation reasons by their RFC 5280 name (``keyCompromise``, ``superseded``, …)."""

BACKDATED_REASONS = frozenset(
    {x509.ReasonFlags.unspecified, x509.ReasonFlags.key_compromise, x509.ReasonFlags.ca_compromise}
)
"""Reasons after which nothing the key signed can be trusted, whatever date it claims."""


def reason(name: str) -> x509.ReasonFlags:
    for key, flag in REASONS.items():
        if key.lower() == name.lower().replace("_", ""):
            return flag
    raise PkiError(f"unknown revocation reason {name!r}; allowed: {', '.join(REASONS)}")


@dataclass(frozen=True)
class Revocation:
    serial: int
    date: datetime
    """When the revocation takes effect (aware UTC)."""
    reason: x509.ReasonFlags


def build_crl(
    root_cert: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    revocations: list[Revocation],
    *,
    number: int,
    at: datetime,
    validity: timedelta = CRL_VALIDITY,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_cert.subject)
        .last_update(at)
        .next_update(at + validity)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
    )
    for revocation in revocations:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(revocation.serial)
            .revocation_date(revocation.date)
            .add_extension(x509.CRLReason(revocation.reason), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    bits = root_key.curve.key_size
    algorithm = (
        hashes.SHA256() if bits <= 256 else hashes.SHA384() if bits <= 384 else hashes.SHA512()
    )
    return builder.sign(root_key, algorithm)


def revocation_reason(entry: x509.RevokedCertificate) -> x509.ReasonFlags | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return None
