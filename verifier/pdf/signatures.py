"""The one certification signature: found (exactly one /Sig, then only document timestamps),
certifying with DocMDP P=1 in PAdES form, its byte range sane, its CMS value verifying, and
its signer trusted (at the time a trusted timestamp proves, when only expiry or a later
revocation stands against it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from verifier.codes import SUPERSEDED_SIGNER, Code
from verifier.pdf.state import DIGESTS, PdfState, Signature
from verifier.report import Category, Check, fail, ok

if TYPE_CHECKING:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature


def _signatures(reader: PdfFileReader) -> list[Signature]:
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    found: list[Signature] = []
    for fq_name, value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        sig_object = value.get_object()
        kind = str(sig_object.get("/Type", "/Sig"))
        try:
            embedded = EmbeddedPdfSignature(reader, field_ref, fq_name)
            embedded.signer_info  # noqa: B018 - parsed in __init__; a bad CMS raises there
            found.append(Signature(fq_name, kind, embedded))
        except Exception as exc:
            found.append(Signature(fq_name, kind, None, type(exc).__name__))
    return sorted(found, key=lambda s: s.embedded.signed_revision if s.embedded else -1)


def check_inventory(state: PdfState) -> Check:
    """Exactly one /Sig signature, any number of /DocTimeStamp, all of them parseable."""
    name, category = "pdf.signatures", Category.FORMAT
    assert state.reader is not None
    signatures = _signatures(state.reader)
    state.signatures = signatures
    summary = [{"field": s.name, "type": s.kind.lstrip("/")} for s in signatures]
    if not signatures:
        if b"/ByteRange" in state.pdf or b"/Contents <" in state.pdf:
            # a signature dictionary that is no longer attached to a field: a forged file
            return fail(
                name,
                category,
                Code.PDF_SIGNATURE_INVALID,
                "A signature is present but not usable (no signature field holds it).",
            )
        return fail(name, category, Code.PDF_NOT_SIGNED, "The PDF is not signed.")
    broken = [s for s in signatures if s.embedded is None]
    if broken:
        return fail(
            name,
            category,
            Code.PDF_SIGNATURE_INVALID,
            "A signature is malformed (its value or byte range is missing or unreadable).",
            {"signatures": summary, "malformed": [s.name for s in broken]},
        )
    regular = [s for s in signatures if s.kind == "/Sig"]
    others = [s for s in signatures if s.kind not in ("/Sig", "/DocTimeStamp")]
    if not regular or others:
        return fail(
            name,
            category,
            Code.PDF_NOT_SIGNED,
            "The PDF carries no document signature.",
            {"signatures": summary},
        )
    if len(regular) > 1:
        return fail(
            name,
            category,
            Code.PDF_EXTRA_SIGNATURE,
            f"The PDF carries {len(regular)} signatures; an issued document carries one.",
            {"signatures": summary},
        )
    first = signatures[0]
    if first.kind != "/Sig":
        return fail(
            name,
            category,
            Code.PDF_EXTRA_SIGNATURE,
            "A timestamp precedes the document signature.",
            {"signatures": summary},
        )
    state.certification = first
    return ok(
        name,
        category,
        "One document signature, then only document timestamps.",
        {"signatures": summary},
    )


def check_certification(state: PdfState) -> Check:
    """The signature certifies the document with DocMDP P=1 (no changes allowed)."""
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation.pdf_embedded import read_certification_data

    name, category = "pdf.certification", Category.INTEGRITY
    assert state.reader is not None and state.certification is not None
    embedded = state.certification.embedded
    assert embedded is not None
    info = read_certification_data(state.reader)
    if info is None or info.author_sig.get_object() is not embedded.sig_object:
        return fail(
            name,
            category,
            Code.PDF_NOT_CERTIFIED,
            "The signature is not a certification signature (no DocMDP entry names it).",
        )
    level = embedded.docmdp_level
    if level is not MDPPerm.NO_CHANGES or info.permission is not MDPPerm.NO_CHANGES:
        value = None if level is None else int(level.value)
        return fail(
            name,
            category,
            Code.PDF_NOT_CERTIFIED,
            f"The document is certified with permission P={value}; ours allow no change (P=1).",
            {"permission": value},
        )
    subfilter = str(embedded.sig_object.get("/SubFilter", ""))
    if subfilter != "/ETSI.CAdES.detached":
        return fail(
            name,
            category,
            Code.PDF_SIGNATURE_UNSUPPORTED,
            f"The signature format {subfilter.lstrip('/') or '(none)'} is not PAdES "
            "(ETSI.CAdES.detached), which our documents use.",
            {"subfilter": subfilter.lstrip("/")},
        )
    if embedded.md_algorithm not in DIGESTS:
        return fail(
            name,
            category,
            Code.PDF_SIGNATURE_UNSUPPORTED,
            f"The signature uses the digest {embedded.md_algorithm}, which is not accepted.",
            {"digest_algorithm": embedded.md_algorithm},
        )
    return ok(name, category, "Certified: no change allowed (P=1).")


def byte_range_problem(pdf: bytes, embedded: EmbeddedPdfSignature) -> Code | None:
    """None when the byte range is [0 a b c], covering everything from the start of the file
    but exactly the /Contents hex string; otherwise the code of what is wrong.

    A range that covers nothing (zeroed, empty, not from the start) is a forged signature; a
    well-formed range whose gap holds more than the signature value, or whose second part
    lies elsewhere, is signature wrapping.
    """
    byte_range = [int(x) for x in embedded.byte_range]
    if len(byte_range) != 4 or byte_range[0] != 0 or byte_range[1] <= 0 or byte_range[3] <= 0:
        return Code.PDF_SIGNATURE_INVALID
    _, length1, start2, length2 = byte_range
    if start2 <= length1 or start2 + length2 > len(pdf):
        return Code.PDF_BYTERANGE_INVALID
    if pdf[length1 : length1 + 1] != b"<" or pdf[start2 - 1 : start2] != b">":
        return Code.PDF_BYTERANGE_INVALID
    gap = pdf[length1 + 1 : start2 - 1]
    hex_length = len(embedded.pkcs7_content) * 2
    # The gap is exactly the signature value (hex, zero padding allowed), nothing else.
    if len(gap) < hex_length or re.fullmatch(rb"[0-9A-Fa-f]*", gap) is None:
        return Code.PDF_BYTERANGE_INVALID
    if not _padding_is_zero(embedded.pkcs7_content):
        return Code.PDF_MODIFIED_AFTER_SIGNING
    return None


def _padding_is_zero(content: bytes) -> bool:
    """The space reserved for the signature holds the DER CMS object, then zeros only.

    Those bytes are outside the signed range; a parser that stops at the end of the DER
    object never sees what an attacker writes after it, so we look.
    """
    from asn1crypto import parser

    try:
        _, _, _, header, body, trailer = parser.parse(content, strict=False)
    except ValueError:
        return False
    used = len(header) + len(body) + len(trailer)
    return not content[used:].strip(b"\x00")


def check_signature(state: PdfState) -> Check:
    """The CMS signature verifies over exactly the byte range, and the byte range is sane."""
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    name, category = "pdf.signature", Category.INTEGRITY
    assert state.certification is not None and state.certification.embedded is not None
    embedded = state.certification.embedded
    problem = byte_range_problem(state.pdf, embedded)
    if problem is not None:
        message = {
            Code.PDF_SIGNATURE_INVALID: "The signature's byte range covers nothing usable "
            "(a forged signature).",
            Code.PDF_BYTERANGE_INVALID: "The signed byte range does not cover the document as it "
            "should (signature wrapping).",
            Code.PDF_MODIFIED_AFTER_SIGNING: "Data was written into the unsigned space reserved "
            "for the signature.",
        }[problem]
        return fail(
            name, category, problem, message, {"byte_range": [int(x) for x in embedded.byte_range]}
        )
    try:
        intact, valid = validate_sig_integrity(
            embedded.signer_info, embedded.signer_cert, "data", embedded.compute_digest()
        )
    except Exception as exc:
        return fail(
            name,
            category,
            Code.PDF_SIGNATURE_INVALID,
            f"The signature could not be verified ({type(exc).__name__}).",
        )
    if not (intact and valid):
        return fail(
            name,
            category,
            Code.PDF_SIGNATURE_INVALID,
            "The signature does not match the signed bytes.",
            {"digest_matches": intact, "signature_valid": valid},
        )
    state.signature_ok = True
    signed_at = embedded.self_reported_timestamp
    cert = embedded.signer_cert
    data = {
        "signer": cert.subject.human_friendly,
        "serial": format(cert.serial_number, "X"),
        "signing_time": signed_at.isoformat() if signed_at else None,
        "digest_algorithm": embedded.md_algorithm,
    }
    state.data.update({"pdf_signer": data["signer"], "signing_time": data["signing_time"]})
    return ok(name, category, "The signature matches the signed bytes.", data)


def _crypto_cert(embedded: EmbeddedPdfSignature) -> Any:
    from cryptography import x509

    return x509.load_der_x509_certificate(embedded.signer_cert.dump())


def check_signer(state: PdfState) -> Check:
    """The signer is trusted at the validation time; or, when only its expiry or a later
    revocation stands against it, at the time a trusted document timestamp proves the
    document existed (PAdES long-term validation: a legalization outlives its signer's
    certificate). A key-compromise revocation counts at every time (the trust store's rule).
    """
    name, category = "pdf.signer", Category.TRUST
    assert state.certification is not None and state.certification.embedded is not None
    cert = _crypto_cert(state.certification.embedded)
    status = state.trust.validate_signer(cert, state.at, state.doc_type)
    when = state.at
    if status.code in SUPERSEDED_SIGNER and state.existed_at is not None:
        earlier = state.trust.validate_signer(cert, state.existed_at, state.doc_type)
        if earlier.ok:
            data = dict(earlier.data)
            data.update(validated_at=state.existed_at.isoformat(), later_status=status.code)
            return ok(
                name,
                category,
                f"The signer was trusted when the document was timestamped "
                f"({state.existed_at.isoformat()}); since then: {status.message}.",
                data,
            )
    data = dict(status.data)
    data["validated_at"] = when.isoformat()
    if status.ok:
        return ok(name, category, status.message, data)
    return fail(name, category, Code(status.code).pdf_signer, status.message, data)
