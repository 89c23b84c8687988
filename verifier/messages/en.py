"""English messages: the canonical text every other catalog translates (same keys, same
placeholders, same number of templates per key). See :mod:`verifier.messages`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

MESSAGES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        # --- every check -------------------------------------------------------------------
        "OK": ("The check passed.",),
        "NOT_APPLICABLE": ("This check does not apply to this document.",),
        "PRECONDITION_FAILED": ("Not checked: an earlier check did not succeed.",),
        "CHECK_ERROR": ("The check could not be completed because of an internal error.",),
        # --- the seal ----------------------------------------------------------------------
        "SEAL_UNREADABLE": ("The scanned data could not be read as a seal.",),
        "SEAL_MALFORMED": ("The seal is damaged or incorrectly formed.",),
        "SEAL_MALFORMED/seal.signature": ("The seal carries no signature.",),
        "SEAL_MALFORMED/document.validity": ("The seal carries no readable expiry date.",),
        "SEAL_UNSUPPORTED": ("This verifier does not support this kind of seal.",),
        "SEAL_UNSUPPORTED/seal.profile": (
            "The seal's content is of a type this verifier does not read; it is shown "
            "undecoded. The signature is still checked.",
        ),
        "SEAL_UNSUPPORTED/seal.signer": (
            "The barcode is not signed, so there is no signature to verify.",
        ),
        "SEAL_UNSUPPORTED/seal.signature": (
            "The signer's key is of a kind this verifier cannot use.",
        ),
        "SEAL_SIGNATURE_INVALID": (
            "The seal's signature is not valid: the content was altered or was not signed by "
            "the named signer.",
        ),
        "SIGNER_UNKNOWN": ("The signer's certificate is not trusted.",),
        "SIGNER_UNKNOWN/seal.signer": (
            "No certificate in the list of trusted certificates matches the signer named in "
            "the seal.",
        ),
        "SIGNER_EXPIRED": ("The signer's certificate had expired on the date of verification.",),
        "SIGNER_NOT_YET_VALID": (
            "The signer's certificate was not yet valid on the date of verification.",
        ),
        "SIGNER_REVOKED": (
            "The signer's certificate, or that of the authority that issued it, was revoked on "
            "{revocation_date}.",
            "The signer's certificate has been revoked.",
        ),
        "SIGNER_NOT_ALLOWED": ("The signer is not authorised to sign this type of document.",),
        "DOCUMENT_EXPIRED": (
            "The document expired on {expiry_date}.",
            "The document has expired.",
        ),
        "DOCUMENT_NOT_YET_VALID": (
            "The document is not yet valid: its date of issue is later than the date of "
            "verification.",
        ),
        # --- named by DESIGN §6 for the register and the staff pages (REGISTER_CODES) ------
        "DOCUMENT_REVOKED": ("The issuing authority has revoked this document.",),
        "DOCUMENT_USED": ("This document has already been used.",),
        "DOCUMENT_NOT_IN_REGISTER": (
            "The register of the issuing authority holds no document {number}.",
            "The register of the issuing authority holds no such document.",
        ),
        "SEAL_NOT_IN_REGISTER": (
            "The register holds a different seal for document {number}: report this document "
            "to the issuing authority.",
            "The register holds a different seal for this document: report it to the issuing "
            "authority.",
        ),
        "DOCUMENT_OF_ANOTHER_STATE": (
            "The seal was issued by {issuing_country}: only that state's register can tell the "
            "document's status.",
            "The seal was issued by another state: only that state's register can tell the "
            "document's status.",
        ),
        "OK/register.record": (
            "The register of the issuing authority holds this very seal for document {number}.",
            "The register of the issuing authority holds this very seal.",
        ),
        "OK/register.status": (
            "The register holds the document as issued: not used, revoked or expired.",
        ),
        "DOCUMENT_MISMATCH": (
            "The paper photographed ({in_photo}) is not the document looked up ({looked_up}): "
            "it is another document.",
            "The paper photographed is not the document looked up: it is another document.",
        ),
        "PHOTO_MISMATCH": ("The photograph does not match the one the seal certifies.",),
        "FIELD_MISMATCH": ("The printed details do not match the details in the seal.",),
        # --- a photo or scan of the paper (verifier image) ---------------------------------
        "IMAGE_UNREADABLE": (
            "The image could not be read. Send a JPEG, PNG, HEIC or PDF photo or scan of the page.",
        ),
        "PAGE_NOT_FOUND": (
            "The page could not be located in the image. Photograph the whole page, flat, in good "
            "light, with all four corner squares in view.",
        ),
        "QR_NOT_FOUND": (
            "No readable QR code was found. Photograph the whole page, flat, in good light; hold "
            "the camera steady and avoid glare on the code.",
        ),
        "PAGE_ALIGNED_WITHOUT_MARKERS": (
            "The page was located without its corner squares, less precisely: the checks of the "
            "print are less certain. For a full check, photograph the page with all four corner "
            "squares in view.",
        ),
        "DOCUMENT_KIND_MISMATCH": (
            "The QR code belongs to another kind of document than the page it is printed on: it "
            "was taken from another document.",
        ),
        "GHOST_MISMATCH": (
            "The small ghost image does not match the photograph the seal certifies.",
        ),
        "ROSETTE_MISMATCH": (
            "The rosette printed is not the one this document's number defines: the background "
            "was taken from another document or the page was made without the official template.",
        ),
        "PRINT_FEATURE_MISSING": (
            "A security feature of the official template (fine lines or microtext) is missing "
            "where it should be printed.",
        ),
        "PRINT_FEATURES_UNREADABLE": (
            "The photo is too coarse to see the print features. Photograph the page closer, "
            "filling the frame.",
        ),
        "FIELD_UNREADABLE": (
            "A printed detail could not be read well enough to compare it. Photograph the page "
            "flat, in good light, without glare.",
        ),
        "MRZ_MISMATCH": ("The machine-readable zone printed does not match the one in the seal.",),
        # --- the signed PDF ----------------------------------------------------------------
        "PDF_UNREADABLE": (
            "The file could not be read as a PDF document (damaged, encrypted or not a PDF).",
        ),
        "PDF_UNREADABLE/pdf.trailing_data": (
            "The file has no proper end; it is damaged or incomplete.",
        ),
        "PDF_NOT_SIGNED": ("The PDF document is not signed.",),
        "PDF_SIGNATURE_INVALID": (
            "The document's signature is not valid: the content was altered or the signature "
            "is forged.",
        ),
        "PDF_BYTERANGE_INVALID": (
            "The signature does not cover the document as it should; the file has been "
            "tampered with.",
        ),
        "PDF_EXTRA_SIGNATURE": (
            "The PDF document carries signatures that an issued document does not.",
        ),
        "PDF_NOT_CERTIFIED": (
            "The document is certified with permission level {permission}; issued documents "
            "allow no change (level 1).",
            "Unlike an issued document, the signature does not certify the document against "
            "every change.",
        ),
        "PDF_SIGNATURE_UNSUPPORTED": (
            "The signature's format or algorithm is not one that issued documents use.",
        ),
        "PDF_SIGNER_UNKNOWN": ("The certificate of the document's signer is not trusted.",),
        "PDF_SIGNER_REVOKED": (
            "The certificate of the document's signer, or that of the authority that issued "
            "it, was revoked on {revocation_date}.",
            "The certificate of the document's signer has been revoked.",
        ),
        "PDF_SIGNER_EXPIRED": (
            "The certificate of the document's signer had expired on the date of verification, "
            "and no trusted timestamp proves that the document existed before then.",
        ),
        "PDF_SIGNER_NOT_YET_VALID": (
            "The certificate of the document's signer was not yet valid on the date of "
            "verification.",
        ),
        "PDF_SIGNER_NOT_ALLOWED": (
            "The document's signer is not authorised to sign this type of document.",
        ),
        "PDF_TIMESTAMP_INVALID": ("A timestamp on the document is not valid.",),
        "PDF_COVERAGE_INCOMPLETE": (
            "Part of the file is not covered by any signature or timestamp.",
        ),
        "PDF_MODIFIED_AFTER_SIGNING": ("The document was changed after it was signed.",),
        "PDF_MODIFIED_AFTER_SIGNING/pdf.trailing_data": (
            "Data was added after the end of the signed file.",
        ),
        "PDF_MODIFIED_AFTER_SIGNING/pdf.signature": (
            "Data was written into the unsigned space reserved for the signature.",
        ),
        "PDF_ANNOTATION_ADDED": (
            "An annotation was added over the content after the document was signed.",
        ),
        "PDF_SIGNATURE_FIELD_ADDED": (
            "A signature field was added over the content after the document was signed.",
        ),
        "PDF_SEAL_MISSING": ("The PDF document carries no seal.",),
        "PDF_NUMBER_MISMATCH": (
            "The document number in the PDF ({pdf}) differs from the number in the seal ({seal}).",
            "The document number in the PDF differs from the number in the seal.",
        ),
        "UNDERLYING_MISSING": ("The legalized document is not embedded in the PDF.",),
        "UNDERLYING_HASH_MISMATCH": ("The embedded document is not the one the seal certifies.",),
        # --- what a passing, inapplicable or skipped check says, per check ---------------------
        "OK/seal.format": ("The seal is correctly formed.",),
        "OK/seal.profile": ("The seal's content is of a recognised type.",),
        "OK/seal.signer": ("A certificate matching the signer named in the seal was found.",),
        "OK/seal.signature": ("The seal's signature is valid.",),
        "OK/seal.trust": (
            "The signer was trusted when the document was timestamped ({validated_at}).",
            "The signer is trusted.",
        ),
        "OK/document.validity": (
            "The document is valid until {expiry_date}.",
            "The document is within its period of validity.",
        ),
        "OK/pdf.readable": ("The file is a readable PDF document.",),
        "OK/pdf.trailing_data": ("Nothing was added after the end of the file.",),
        "OK/pdf.signatures": (
            "The PDF document carries one document signature, followed only by timestamps.",
        ),
        "OK/pdf.certification": ("The document is certified against any change.",),
        "OK/pdf.signature": ("The document's signature matches its content.",),
        "OK/pdf.timestamps": ("The document's timestamps are intact.",),
        "OK/pdf.signer": (
            "The document's signer was trusted at {validated_at}.",
            "The document's signer is trusted.",
        ),
        "OK/pdf.coverage": ("The signatures cover the whole file.",),
        "OK/pdf.modifications": (
            "The document has not been changed since it was signed, apart from timestamps and "
            "validation data.",
        ),
        "OK/pdf.number": (
            "The PDF and the seal state the same document number, {number}.",
            "The PDF and the seal state the same document number.",
        ),
        "OK/pdf.underlying": ("The embedded document is the one the seal certifies.",),
        "NOT_APPLICABLE/document.validity": (
            "Not applicable: the seal carries no expiry date for this kind of document.",
        ),
        "NOT_APPLICABLE/pdf.timestamps": ("The document carries no timestamp.",),
        "NOT_APPLICABLE/pdf.underlying": (
            "Not applicable: only a legalization embeds an underlying document.",
        ),
        "PRECONDITION_FAILED/document.validity": (
            "Not checked: the document's validity could not be determined.",
        ),
    }
)
