"""Issuance: data in, the final signed PDF out — seal, render, sign, in that order.

This is the one place that ties the seal (legalize.seal), the layouts and the PAdES signature
together. Its steps are fixed by what each later step needs:

1. the photo is normalised once (:func:`~legalize.documents.ttd.print_pixels`): the same pixels
   are hashed into the seal and printed, so an image verifier recomputing the hash from the
   print compares like with like;
2. the seal is signed (it must exist before the page: the page prints it as a QR);
3. the page is rendered with the QR text and the seal carried in the catalog;
4. the final PDF is certified (DocMDP P=1) and, where a TSA is configured, timestamped.
   Nothing touches the bytes after that: the register stores their SHA-256.

The signer is any :class:`~legalize.pki.signer.Signer` (key file or PKCS#11): the same
document-signer key signs the seal and the PDF, so one certificate answers for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from cryptography import x509

from legalize.documents import mrz
from legalize.documents.legalization import LegalizationData, render_legalization
from legalize.documents.pades import sign_pdf
from legalize.documents.sanitize import SanitizedDocument
from legalize.documents.ttd import TtdData, print_pixels, render_ttd
from legalize.imaging.photo import face_image_jp2, photo_gray, photo_hash
from legalize.kinds import DocumentType
from legalize.pki.signer import Signer
from legalize.seal.profiles import (
    LegalizationSeal,
    TtdSeal,
    seal_legalization,
    seal_ttd,
    seal_ttd_idb,
)
from legalize.seal.qrtext import qr_text


@dataclass(frozen=True)
class IssuedDocument:
    """An issued document as the register keeps it."""

    kind: DocumentType
    number: str
    pdf: bytes
    """The final, signed file; nothing may change it."""
    sha256: str
    """Lower-case hex SHA-256 of :attr:`pdf`."""
    seal: bytes | str
    """The seal: a binary VDS, or an ICAO IDB barcode (``RDB1…``) for a TTD so configured."""
    seal_text: str
    """The QR text: web-check URL in capitals + the VDS in Base32 or the IDB barcode."""
    level: str
    """PAdES level achieved: ``B-B`` without a timestamp, ``B-T`` (``B-LT``) with one."""
    timestamp_error: str | None
    """Why a configured TSA gave no timestamp (the document is valid without it)."""
    location: str
    """The signature's ``/Location``: the issuing post of a TTD, the place of a legalization."""


def ttd_seal_data(data: TtdData, photo_pixels_hash: bytes) -> TtdSeal:
    """The signed data of a TTD.

    The ICAO emergency-travel-document profile carries a TD2 MRZ (2 × 36), which third-party
    readers check; the page prints the TD3 MRZ of the same fields (the issue asks for a
    TD3-style MRZ, and only TD3 holds a 39-character name field and the 12-digit NIC number).
    Our extension tag 0xC2 carries the printed TD3 MRZ so "printed MRZ = signed MRZ" holds
    exactly; the seal profile checks that both agree on every shared field.
    """
    fields = data.mrz_fields()
    td2_fields = mrz.MrzFields(
        document_code=fields.document_code,
        issuing_state=fields.issuing_state,
        surname=fields.surname,
        given_names=fields.given_names,
        document_number=fields.document_number,
        nationality=fields.nationality,
        birth_date=fields.birth_date,
        sex=fields.sex,
        expiry_date=fields.expiry_date,
        optional_data=fields.optional_data if len(fields.optional_data) <= 7 else "",
    )
    return TtdSeal(
        issuing_country=data.issuing_state,
        issue_date=data.issue_date,
        mrz="".join(mrz.td2(td2_fields)),
        photo_hash=photo_pixels_hash,
        check_code=data.check_code,
        printed_mrz="".join(data.mrz_lines()),
    )


def issue_ttd(
    data: TtdData,
    photo: bytes,
    signer: Signer,
    at: datetime,
    *,
    check_url: str,
    chain: Sequence[x509.Certificate] = (),
    tsa_url: str | None = None,
    seal_form: str = "vds",
) -> IssuedDocument:
    """Seal, render and sign a temporary travel document.

    ``photo``: the approved holder photo (JPEG or PNG). ``chain``: issuer certificates up to
    the root, embedded in the signature. ``seal_form``: ``vds``, ``idb`` or ``idb-face``
    (``Config.ttd_seal``). Raises the documents' and seal's own errors for data that cannot
    be printed or sealed; a TSA failure only lowers :attr:`IssuedDocument.level`.
    """
    pixels = print_pixels(photo)
    sealed = ttd_seal_data(data, photo_hash(photo_gray(pixels)))
    seal: bytes | str
    if seal_form == "vds":
        seal = seal_ttd(sealed, signer, at)
    elif seal_form in ("idb", "idb-face"):
        if seal_form == "idb-face":
            sealed = replace(sealed, face_image=face_image_jp2(pixels))
        seal = seal_ttd_idb(sealed, signer, at)
    else:
        raise ValueError(f"unknown seal form {seal_form!r}")
    text = qr_text(seal, check_url)
    unsigned = render_ttd(data, text, pixels, at)
    return _certify(
        DocumentType.TTD,
        data.document_number,
        unsigned,
        seal,
        text,
        signer,
        at,
        chain=chain,
        tsa_url=tsa_url,
        reason=f"Temporary travel document {data.document_number}",
        location=data.issuing_post,
    )


def issue_legalization(
    data: LegalizationData,
    underlying: SanitizedDocument,
    signer: Signer,
    at: datetime,
    *,
    check_url: str,
    issuing_country: str,
    document_country: str,
    chain: Sequence[x509.Certificate] = (),
    tsa_url: str | None = None,
) -> IssuedDocument:
    """Seal, render and sign a legalization of an already sanitized underlying document.

    ``issuing_country``: three-letter code of the legalizing state (the seal header);
    ``document_country``: three-letter code of the state the underlying document comes from
    (Apostille item 1; ``data.country`` is its printed name). The seal binds the SHA-256 of
    ``underlying.pdf``, which the PDF carries byte for byte in ``/LegalizeUnderlying``.
    """
    seal = seal_legalization(
        LegalizationSeal(
            issuing_country=issuing_country,
            date=data.date,
            number=data.number,
            country=document_country,
            signed_by=data.signed_by,
            capacity=data.capacity,
            seal_of=data.seal_of,
            place=data.place,
            document_sha256=bytes.fromhex(underlying.sha256),
            check_code=data.check_code,
        ),
        signer,
        at,
    )
    text = qr_text(seal, check_url)
    unsigned = render_legalization(data, text, underlying, at)
    return _certify(
        DocumentType.LEGALIZATION,
        data.number,
        unsigned,
        seal,
        text,
        signer,
        at,
        chain=chain,
        tsa_url=tsa_url,
        reason=f"Legalization {data.number}",
        location=data.place,
    )


def _certify(
    kind: DocumentType,
    number: str,
    unsigned: bytes,
    seal: bytes | str,
    text: str,
    signer: Signer,
    at: datetime,
    *,
    chain: Sequence[x509.Certificate],
    tsa_url: str | None,
    reason: str,
    location: str,
) -> IssuedDocument:
    """The last step of both documents: certify (and timestamp) the rendered PDF."""
    signed = sign_pdf(
        unsigned, signer, at, chain=chain, tsa_url=tsa_url, reason=reason, location=location
    )
    return IssuedDocument(
        kind,
        number,
        signed.pdf,
        signed.sha256,
        seal,
        text,
        signed.level,
        signed.timestamp_error,
        location,
    )
