"""The digital signatures an applicant's PDF carries (legalization intake).

The sanitizer rebuilds the upload and so drops its signatures; they are read here first, from
the upload as received, with pyHanko: whether each signature matches the bytes it covers, the
signer's certificate (kept, so it can be matched against the signatory register later — the
register pins certificates, it is the trust anchor), and what the revocation data the PDF
carries (its DSS or Adobe-style revocation archive) says about the signer. Nothing is fetched
from the network: an applicant's file decides no outgoing request.

A PDF with no signature gives an empty list; one whose signatures cannot be parsed gives a
finding with status ``invalid``: a file that claims a signature it cannot show is never taken
for an unsigned one.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509

from legalize.phrases import N_

LOG = logging.getLogger(__name__)
MAX_SIGNATURES = 20
"""More signature fields than any real certificate carries; beyond it the file is refused
as a whole (each validation costs a hash over the file)."""


class SignatureStatus(StrEnum):
    VALID = "valid"
    """The signature matches the bytes it covers, nothing but permitted additions follow it,
    and no revocation data in the file revokes the signer."""
    INVALID = "invalid"
    """It does not verify, the document was changed after signing, or it cannot be read."""
    REVOKED = "revoked"
    """It verifies, but revocation data in the file says the signer's certificate was revoked
    before the signing time."""


@dataclass(frozen=True)
class SignatureFinding:
    """One signature of an uploaded PDF, as verified at intake. Its ``message`` is one of the
    sentences marked ``N_`` here (bar the refusal of a file with too many signatures): a page
    says it in its reader's language through the catalog, even from a row kept as JSON."""

    field: str
    status: SignatureStatus
    message: str
    """For the reviewer, in plain words."""
    signer_subject: str = ""
    signer_sha256: str = ""
    """Lower-case hex SHA-256 of the signer certificate's DER (what the register pins)."""
    signer_der: bytes = b""
    signing_time: datetime | None = None
    """As the signer reported it (not proof of time)."""
    revocation_checked: bool = False
    """The file carried revocation data that covered the signer."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "status": self.status.value,
            "message": self.message,
            "signer_subject": self.signer_subject,
            "signer_sha256": self.signer_sha256,
            "signer_der": base64.b64encode(self.signer_der).decode("ascii"),
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "revocation_checked": self.revocation_checked,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SignatureFinding:
        when = data.get("signing_time")
        return cls(
            field=str(data.get("field", "")),
            status=SignatureStatus(str(data.get("status", "invalid"))),
            message=str(data.get("message", "")),
            signer_subject=str(data.get("signer_subject", "")),
            signer_sha256=str(data.get("signer_sha256", "")),
            signer_der=base64.b64decode(str(data.get("signer_der", ""))),
            signing_time=datetime.fromisoformat(when) if isinstance(when, str) else None,
            revocation_checked=bool(data.get("revocation_checked", False)),
        )


def readable_name(name: asn1_x509.Name) -> str:
    """A distinguished name as people read it, common name first ("Registrar of Births,
    Colombo, Registrar General's Department, LK")."""
    values = [str(attribute["value"].native) for rdn in name.chosen for attribute in rdn]
    return ", ".join(reversed(values)) or name.human_friendly


def certificate_sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def read_signatures(pdf: bytes, at: datetime) -> list[SignatureFinding]:
    """Every signature field of ``pdf`` that holds a signature, verified; [] when it has
    none (or is no PDF pyHanko can read: the sanitizer refuses that file on its own)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    if b"/ByteRange" not in pdf:  # cheap: a PDF without a filled signature field
        return []
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        # (the file passed the sanitizer's limits first: this is about structure, not size)
        LOG.info("signature fields unreadable: %s", type(exc).__name__)
        return [
            SignatureFinding(
                "",
                SignatureStatus.INVALID,
                "The file holds a digital signature that cannot be read.",
            )
        ]
    if len(embedded) > MAX_SIGNATURES:
        return [
            SignatureFinding(
                "", SignatureStatus.INVALID, f"More than {MAX_SIGNATURES} signature fields."
            )
        ]
    found = [_verify(reader, sig, at) for sig in embedded]
    if not _signed_to_the_end(pdf, embedded):
        # Bytes after the last signed range (an incremental update, or data appended after
        # %%EOF) are what a reader — and the sanitizer — would show, and nobody signed them.
        found = [
            replace(
                f,
                status=SignatureStatus.INVALID,
                message=N_(
                    "The document was changed after it was signed: part of the file is "
                    "not covered by any signature."
                ),
            )
            if f.status is SignatureStatus.VALID
            else f
            for f in found
        ]
    return found


def _signed_to_the_end(pdf: bytes, embedded: list[Any]) -> bool:
    """Some signature's byte range reaches the end of the file (trailing whitespace
    aside)."""
    ends = []
    for sig in embedded:
        try:
            start1, _, start2, length2 = (int(x) for x in sig.byte_range)
        except (TypeError, ValueError):
            continue
        if start1 == 0:
            ends.append(start2 + length2)
    return bool(ends) and not pdf[max(ends) :].strip()


def _revocation_data(reader: Any, sig: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """Certificates, CRLs and OCSP responses the file carries: its DSS and the signature's
    Adobe revocation archive attribute."""
    from pyhanko.sign.general import find_unique_cms_attribute
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    certs: list[Any] = []
    crls: list[Any] = []
    ocsps: list[Any] = []
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        certs.extend(dss.load_certs())
        crls.extend(asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls)
        ocsps.extend(asn1_ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps)
    except Exception:  # noqa: S110 - no DSS (or a broken one): no data from it
        pass
    try:
        archive = find_unique_cms_attribute(
            sig.signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
        crls.extend(archive["crl"] or [])
        ocsps.extend(archive["ocsp"] or [])
    except Exception:  # noqa: S110 - the attribute is optional
        pass
    return certs, crls, ocsps


def _top_of_chain(signer: asn1_x509.Certificate, pool: list[asn1_x509.Certificate]) -> Any:
    """The highest certificate reachable from the signer by issuer names in ``pool``: the
    anchor for checking revocation (trust itself comes from the register's pinning)."""
    current = signer
    for _ in range(len(pool) + 1):
        if current.self_signed != "no":
            return current
        parent = next(
            (c for c in pool if c.subject == current.issuer and c.sha256 != current.sha256),
            None,
        )
        if parent is None:
            return current
        current = parent
    return current


def _validate(
    sig: Any,
    anchor: Any,
    pool: list[Any],
    crls: list[Any],
    ocsps: list[Any],
    moment: datetime,
    require_revocation: bool,
) -> Any:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(
        trust_roots=[anchor],
        other_certs=pool,
        crls=crls,
        ocsps=ocsps,
        allow_fetching=False,
        revocation_mode="require" if require_revocation else "soft-fail",
        moment=moment,
    )
    return validate_pdf_signature(sig, signer_validation_context=context)


def _verify(reader: Any, sig: Any, at: datetime) -> SignatureFinding:
    name = str(sig.field_name)
    try:
        signer = sig.signer_cert
        der = signer.dump()
        subject = readable_name(signer.subject)
        when = sig.self_reported_timestamp
    except Exception as exc:  # a CMS object pyHanko cannot take apart
        LOG.info("signature %s unreadable: %s", name, type(exc).__name__)
        return SignatureFinding(
            name, SignatureStatus.INVALID, "The digital signature cannot be read."
        )
    base = {
        "field": name,
        "signer_subject": subject,
        "signer_sha256": certificate_sha256(der),
        "signer_der": der,
        "signing_time": when,
    }
    certs, crls, ocsps = _revocation_data(reader, sig)
    embedded_certs = list(sig.signed_data["certificates"] or [])
    pool = [c.chosen for c in embedded_certs if c.name == "certificate"] + certs
    anchor = _top_of_chain(signer, pool)
    # Judged at the time the signer states (pyHanko needs one); the register's validity
    # dates and the document's date bound it (legalize.cases.origin).
    moment = when or at
    # With revocation data in the file, it must cover the signer ("require"): a revoked
    # signer is then found; without any, there is nothing to check ("soft-fail").
    checked = bool(crls or ocsps) and anchor.sha256 != signer.sha256
    try:
        status = _validate(sig, anchor, pool, crls, ocsps, moment, checked)
        if checked and not status.trusted and not status.revoked:
            # the data covers someone else (another CA's list): judged without it
            checked = False
            status = _validate(sig, anchor, pool, [], [], moment, False)
    except Exception as exc:  # any failure to verify is a failed signature
        LOG.info("signature %s failed to validate: %s", name, type(exc).__name__)
        return SignatureFinding(
            **base,
            status=SignatureStatus.INVALID,
            message=N_("The digital signature could not be verified."),
        )
    if not (status.intact and status.valid):
        return SignatureFinding(
            **base,
            status=SignatureStatus.INVALID,
            message=N_(
                "The digital signature does not match the document: it was altered "
                "after signing, or the signature is forged."
            ),
        )
    coverage = status.coverage.name if status.coverage is not None else "UNCLEAR"
    if (
        coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION")
        or status.docmdp_ok is False
        or (status.modification_level is not None and status.modification_level.name == "OTHER")
    ):
        return SignatureFinding(
            **base,
            status=SignatureStatus.INVALID,
            message=N_("The document was changed after it was signed."),
        )
    if status.revoked:
        return SignatureFinding(
            **base,
            status=SignatureStatus.REVOKED,
            message=N_("The signer's certificate was revoked before the signature was made."),
            revocation_checked=True,
        )
    if not status.trusted:
        return SignatureFinding(
            **base,
            status=SignatureStatus.INVALID,
            message=N_(
                "The signer's certificate was not valid when the signature was made "
                "(expired, not yet valid, or not issued by the authority it names)."
            ),
        )
    return SignatureFinding(
        **base,
        status=SignatureStatus.VALID,
        message=N_("The digital signature matches the document."),
        revocation_checked=checked,
    )
