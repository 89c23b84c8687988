"""PAdES signing of issued documents: a certification signature, then a document timestamp.

Every issued PDF carries one certification signature (DocMDP P=1: no change allowed) by the
document signer (DESIGN §5). The private key never comes near pyHanko: its CMS machinery is
driven through :class:`_CmsSigner`, which hands the signed attributes to our
:class:`~legalize.pki.signer.Signer` (key file or PKCS#11) and DER-encodes the raw r‖s it
returns, as CMS wants. Where a TSA is configured, a document timestamp follows (PAdES B-T); a
TSA failure lowers the level and is logged, it never fails the signing.

Speed: pyHanko's default sizes the signature by signing twice (a dry run first); we reserve
the space up front from the certificate sizes (RESEARCH §4: ~70 ms → ~35 ms).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyhankoSigningError
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner, PdfTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from legalize.documents.timestamp import DEFAULT_TIMEOUT, HttpTimeStamper, TimestampError
from legalize.pki.signer import Signer

log = logging.getLogger(__name__)

LEVEL_B_B = "B-B"
LEVEL_B_T = "B-T"
LEVEL_B_LT = "B-LT"
LEVEL_B_LTA = "B-LTA"

SIGNATURE_FIELD = "Signature"
TIMESTAMP_FIELD = "DocumentTimestamp"

_CMS_OVERHEAD = 2048
"""DER bytes of a CMS container beyond its certificates: signed attributes (with the ESS
signing-certificate hash), the ECDSA signature, algorithm identifiers. Measured ~900 bytes for
P-256/P-521; the margin costs only zeros in the file."""

_TIMESTAMP_RESERVE = 2 * 12 * 1024
"""Hex characters reserved for a time-stamp token: real TSAs send 3–7 kB with their chain."""


class PadesError(Exception):
    """The PDF could not be signed (unreadable input, signer failure)."""


@dataclass(frozen=True)
class SignedPdf:
    """A signed PDF as the register stores it."""

    pdf: bytes
    """The final file: certification signature, then the document timestamp if any."""
    sha256: str
    """Lower-case hex SHA-256 of :attr:`pdf`, as the register stores it."""
    level: str
    """PAdES baseline level achieved: ``B-B`` (no timestamp), ``B-T`` (document timestamp) or
    ``B-LT`` (validation data in a DSS, covered by the document timestamp). ``B-LTA`` would
    need a further timestamp over the TSA's own validation data; not produced at issuance."""
    timestamp_error: str | None
    """Why the document timestamp is missing when a TSA was configured (no personal data)."""


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def hash_for_key(cert: x509.Certificate) -> str:
    """The digest TR-03116 pairs with the signer's curve size (the Signer's default too).

    The curve must be one common PDF validators can check (pyHanko and poppler go through
    OpenSSL/NSS: NIST P-256/384/521, brainpoolP256r1/384r1/512r1): a document signed on
    brainpoolP224r1 or P320r1 could not be verified by anyone, so it is refused here.
    """
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise PadesError(
            "the document signer's curve is not supported by PDF validators; "
            "use a P-256/384/521 or brainpoolP256r1/384r1/512r1 signer for PDFs"
        ) from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise PadesError("document signer key is not an EC key")
    size = key.curve.key_size
    if size <= 224:
        return "sha224"
    if size <= 256:
        return "sha256"
    if size <= 384:
        return "sha384"
    return "sha512"


class _CmsSigner(signers.Signer):
    """pyHanko's signer interface over our Signer protocol: raw r‖s in, DER ECDSA-Sig-Value out."""

    def __init__(self, signer: Signer, chain: Sequence[x509.Certificate]) -> None:
        certs = [_asn1(c) for c in chain]
        super().__init__(
            signing_cert=_asn1(signer.certificate),
            cert_registry=SimpleCertificateStore.from_certs(certs),  # type: ignore[no-untyped-call]
            embed_roots=True,  # the chain up to the root travels with the document
        )
        self._signer = signer

        self._constant_attrs: dict[tuple[str, str, bool], list[bytes]] = {}

    async def signed_attrs(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        attr_settings: Any = None,
        content_type: str = "data",
        use_pades: bool = False,
        timestamper: Any = None,
        dry_run: bool = False,
        is_pdf_sig: bool = True,
    ) -> Any:
        """pyHanko's signed attributes, with the constant ones built once per signer.

        Under PAdES every signed attribute but the message digest is the same for every
        document of one signer (content type, ESS signing-certificate-v2, CMS algorithm
        protection; the signing time goes in the signature dictionary, not here). pyHanko
        rebuilds them — re-encoding the certificate's issuer name through asn1crypto — on
        every signature, which was about a third of the signing time (measured with cProfile
        on the TTD page). The first signature asks pyHanko for them; later ones reuse its
        bytes, so the result is what pyHanko itself would produce.
        """
        simple = (
            use_pades
            and is_pdf_sig
            and timestamper is None
            and (attr_settings is None or _only_signing_time(attr_settings))
        )
        if not simple:
            return await super().signed_attrs(
                data_digest,
                digest_algorithm,
                attr_settings=attr_settings,
                content_type=content_type,
                use_pades=use_pades,
                timestamper=timestamper,
                dry_run=dry_run,
                is_pdf_sig=is_pdf_sig,
            )
        key = (digest_algorithm, content_type, dry_run)
        constant = self._constant_attrs.get(key)
        if constant is None:
            full = await super().signed_attrs(
                data_digest,
                digest_algorithm,
                attr_settings=attr_settings,
                content_type=content_type,
                use_pades=use_pades,
                dry_run=dry_run,
                is_pdf_sig=is_pdf_sig,
            )
            constant = [a.dump() for a in full if a["type"].native != "message_digest"]
            self._constant_attrs[key] = constant
        digest = simple_cms_attribute("message_digest", data_digest)  # type: ignore[no-untyped-call]
        attrs = [cms.CMSAttribute.load(der) for der in constant]
        attrs.insert(1, digest)  # pyHanko's order: content type, message digest, the rest
        return cms.CMSAttributes(attrs)

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        raw = self._signer.sign(data, digest_algorithm)
        if not raw or len(raw) % 2:
            raise PadesError("signer returned a malformed r‖s signature")
        half = len(raw) // 2
        return encode_dss_signature(
            int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        )


def _only_signing_time(settings: Any) -> bool:
    """True when PdfCMSSignedAttributes asks for nothing beyond the defaults (under PAdES the
    signing time is not a signed attribute)."""
    return (
        getattr(settings, "cades_signed_attrs", None) is None
        and getattr(settings, "adobe_revinfo_attr", None) is None
    )


_CMS_SIGNERS: dict[tuple[int, tuple[bytes, ...]], tuple[Signer, _CmsSigner]] = {}
_CMS_SIGNERS_MAX = 16


def _cms_signer(signer: Signer, chain: Sequence[x509.Certificate]) -> _CmsSigner:
    """One pyHanko signer per (our signer, chain), so its parsed certificates and constant
    attributes are reused across documents (the signer object is kept alive with it, so its
    id cannot be reused while cached)."""
    key = (id(signer), tuple(c.fingerprint(hashes.SHA256()) for c in chain))
    cached = _CMS_SIGNERS.get(key)
    if cached is not None and cached[0] is signer:
        return cached[1]
    if len(_CMS_SIGNERS) >= _CMS_SIGNERS_MAX:
        _CMS_SIGNERS.pop(next(iter(_CMS_SIGNERS)))
    cms_signer = _CmsSigner(signer, chain)
    _CMS_SIGNERS[key] = (signer, cms_signer)
    return cms_signer


class _TimedPdfSigner(PdfSigner):
    """PdfSigner whose signing time is our ``at``, not the clock (time is a parameter)."""

    def __init__(self, at: datetime, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._at
        return session


def _bytes_reserved(signer: Signer, chain: Sequence[x509.Certificate]) -> int:
    der = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in (signer.certificate, *chain))
    return 2 * (der + _CMS_OVERHEAD)  # hex-encoded in /Contents


def sign_pdf(
    pdf: bytes,
    signer: Signer,
    at: datetime,
    *,
    chain: Sequence[x509.Certificate] = (),
    tsa_url: str | None = None,
    tsa_timeout: float = DEFAULT_TIMEOUT,
    timestamper: TimeStamper | None = None,
    reason: str | None = None,
    location: str | None = None,
    field_name: str = SIGNATURE_FIELD,
    validation_crls: Sequence[x509.CertificateRevocationList] = (),
) -> SignedPdf:
    """Certify ``pdf`` (DocMDP P=1, PAdES subfilter) as ``signer`` at time ``at``.

    ``chain``: the issuer certificates up to and including the root, embedded with the signer's
    certificate. ``tsa_url`` (or a ready ``timestamper``): add a document timestamp; if that
    fails the result is ``B-B`` with :attr:`SignedPdf.timestamp_error` set.
    ``validation_crls``: with a timestamp, also store the chain and these CRLs in the
    document security store (DSS) in the timestamp's revision, so an offline verifier has the
    validation data (level ``B-LT``).
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    md = hash_for_key(signer.certificate)
    signed = _certify(pdf, signer, at, chain, md, reason, location, field_name)

    if timestamper is None and tsa_url is not None:
        try:
            timestamper = HttpTimeStamper(tsa_url, timeout=tsa_timeout)
        except TimestampError as exc:
            return _without_timestamp(signed, str(exc))
    if timestamper is None:
        return _result(signed, LEVEL_B_B, None)
    try:
        validation = (signer.certificate, *chain) if validation_crls else ()
        stamped = _document_timestamp(signed, timestamper, md, validation, validation_crls)
    except Exception as exc:
        # Any failure of the TSA path (network, refusal, garbage, our own size estimate) only
        # lowers the level: the certified document is complete without it.
        reason_text = str(exc) if isinstance(exc, (TimestampError, OSError)) else ""
        return _without_timestamp(signed, reason_text or type(exc).__name__)
    return _result(stamped, LEVEL_B_LT if validation_crls else LEVEL_B_T, None)


def _certify(
    pdf: bytes,
    signer: Signer,
    at: datetime,
    chain: Sequence[x509.Certificate],
    md: str,
    reason: str | None,
    location: str | None,
    field_name: str,
) -> bytes:
    meta = PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=md,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    pdf_signer = _TimedPdfSigner(
        at,
        meta,
        _cms_signer(signer, chain),
        new_field_spec=fields.SigFieldSpec(field_name),  # invisible: the page shows the seal
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=True)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise PadesError(f"cannot read the PDF to sign ({type(exc).__name__})") from None
    if writer.prev.encrypted:
        # Our documents are never encrypted; an encrypted input is a pipeline error.
        raise PadesError("the PDF to sign is encrypted")
    try:
        out = pdf_signer.sign_pdf(writer, bytes_reserved=_bytes_reserved(signer, chain))
    except PyhankoSigningError:
        # Our reservation was too small (an unusually large certificate): let pyHanko measure.
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=True)
        out = pdf_signer.sign_pdf(writer)
    data: bytes = out.getvalue()
    return data


def _document_timestamp(
    pdf: bytes,
    timestamper: TimeStamper,
    md: str,
    certs: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
) -> bytes:
    def attempt(bytes_reserved: int | None) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=True)
        if crls:
            # DSS first, in the same revision: the timestamp then covers the validation data.
            DocumentSecurityStore.supply_dss_in_writer(
                writer,
                None,
                certs=[_asn1(c) for c in certs],
                crls=[
                    asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER))
                    for c in crls
                ],
            )
        stamper = PdfTimeStamper(timestamper, field_name=TIMESTAMP_FIELD)
        out = asyncio.run(stamper.async_timestamp_pdf(writer, md, bytes_reserved=bytes_reserved))
        data: bytes = out.getvalue()
        return data

    try:
        return attempt(_TIMESTAMP_RESERVE)
    except PyhankoSigningError:
        return attempt(None)  # an unusually large token: let pyHanko measure


def _without_timestamp(pdf: bytes, error: str) -> SignedPdf:
    # The reason names the failure class only: never document content or personal data.
    log.warning("document timestamp not added, level lowered to %s: %s", LEVEL_B_B, error)
    return _result(pdf, LEVEL_B_B, error)


def _result(pdf: bytes, level: str, error: str | None) -> SignedPdf:
    return SignedPdf(
        pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), level=level, timestamp_error=error
    )


def signing_location(pdf: bytes) -> str | None:
    """The ``/Location`` of the first signature of our own ``pdf`` (the issuing post of a TTD,
    the place of a legalization), or None. The register keeps it at issuance
    (``documents.location``); this reads it out of a PDF issued before (migration 0010)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        for embedded in reader.embedded_signatures:
            location = embedded.sig_object.get("/Location")
            return str(location) if location else None
    except (PdfError, ValueError, KeyError):
        return None
    return None
