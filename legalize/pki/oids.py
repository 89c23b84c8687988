"""Object identifiers of our certificate profile, and the document types a signer may sign.

We hold no registered OID arc, so ours sit under a UUID arc (ITU-T X.667 | ISO/IEC 9834-8): the
arc ``2.25.<UUID as an integer>`` belongs to whoever generated the UUID, needs no registration
and cannot collide with anyone else's. The UUID below (300ee5e3-f80d-4d42-92fd-831cbc14ab7a) was
generated once for this project; never change it, certificates in the field carry it.

    ARC.1     key purposes (extended key usage)
    ARC.1.1   signs visible digital seals (ICAO VDS / IDB) of this issuer
    ARC.2     certificate extensions
    ARC.2.1   document types: SEQUENCE OF PrintableString, non-critical

The document-type extension is non-critical on purpose: a relying party that does not know it
still validates the certificate (RFC 5280 §4.2), while our verifier refuses a seal whose
document type the signer certificate does not list.
"""

from __future__ import annotations

from typing import Final

from cryptography import x509

from legalize.kinds import CERT_CODES
from legalize.pki import der
from legalize.pki.errors import PkiError

ARC: Final = "2.25.63880298687055939778358506605698657146"
EKU_SEAL_SIGNER: Final = x509.ObjectIdentifier(f"{ARC}.1.1")
"""Extended key usage: signs visible digital seals."""
EKU_DOCUMENT_SIGNING: Final = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
"""id-kp-documentSigning (RFC 9336): signs documents (our PDFs)."""
EKU_EMAIL_PROTECTION: Final = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.4")
"""id-kp-emailProtection: NSS-based PDF validators (poppler's pdfsig, Firefox, Thunderbird)
accept a signer certificate for a signature only with no EKU or this one; documentSigning
alone makes them report an unknown certificate problem even with our root trusted (measured
with poppler 22.12 / NSS 3.87). Adobe's AATL certificates carry it for the same reason."""
EXT_DOCUMENT_TYPES: Final = x509.ObjectIdentifier(f"{ARC}.2.1")
"""Extension listing the document types the signer may sign."""


def document_types_extension(doc_types: tuple[str, ...]) -> x509.UnrecognizedExtension:
    """Our document-type extension value for ``doc_types``."""
    for doc_type in doc_types:
        if doc_type not in CERT_CODES:
            raise PkiError(f"unknown document type {doc_type!r}; known: {', '.join(CERT_CODES)}")
    items = b"".join(der.encode(der.PRINTABLE_STRING, t.encode("ascii")) for t in doc_types)
    return x509.UnrecognizedExtension(EXT_DOCUMENT_TYPES, der.encode(der.SEQUENCE, items))


def document_types(cert: x509.Certificate) -> frozenset[str] | None:
    """The document types ``cert`` is restricted to, or None when it carries no restriction.

    A malformed extension restricts to nothing (empty set): fail closed.
    """
    try:
        ext = cert.extensions.get_extension_for_oid(EXT_DOCUMENT_TYPES)
    except x509.ExtensionNotFound:
        return None
    value = ext.value
    if not isinstance(value, x509.UnrecognizedExtension):
        return frozenset()
    try:
        items = der.children(der.single(value.value, der.SEQUENCE).content)
    except der.DerError:
        return frozenset()
    if any(item.tag != der.PRINTABLE_STRING for item in items):
        return frozenset()
    return frozenset(item.content.decode("latin-1") for item in items)
