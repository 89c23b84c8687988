"""Verify an issued PDF under the strict policy of DESIGN §5, and the seal it carries.

What we accept is exactly what we issue: one certification signature (DocMDP P=1) by a trusted
document signer, optionally followed by document timestamps (and their validation data), the
last of which covers the whole file, with nothing after the final ``%%EOF``. Everything else is
refused, so the known PDF-signature attacks (universal signature forgery, incremental saving,
signature wrapping, shadow, evil-annotation and sneaky-signature attacks; RESEARCH §4) fall out
of the policy instead of needing one detector each. Each failure still gets its own code so a
reader learns *what* is wrong. The file is only read (pyHanko's reader), never re-saved.

Then the seal (:mod:`verifier.pdf_binding`): the catalog carries the QR text and, for
legalizations, the exact bytes of the underlying document; the seal is verified with
:func:`verifier.seal.verify_seal` and its hash and number are compared with the PDF.
"""

from __future__ import annotations

import io
import os
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.pdf_binding import (
    PDF_NUMBER_MISMATCH,
    PDF_SEAL_MISSING,
    UNDERLYING_HASH_MISMATCH,
    UNDERLYING_MISSING,
    check_number,
    check_underlying,
    seal_checks,
    seal_long_term,
)
from verifier.pyhanko_offline import defer_signing_api
from verifier.report import NOT_APPLICABLE, Category, Check, Report, Status, guarded, skipped

# Before the functions below import pyhanko.sign.*: its signing API (and aiohttp) loads only
# if some caller signs.
defer_signing_api()

if TYPE_CHECKING:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    from legalize.pki.trust import TrustStore

__all__ = [
    "PDF_NUMBER_MISMATCH",
    "PDF_SEAL_MISSING",
    "UNDERLYING_HASH_MISMATCH",
    "UNDERLYING_MISSING",
    "verify_pdf",
]

# Stable reason codes (never renumber or reuse; docs/pdf-policy.md explains each).
OK = "OK"
PDF_UNREADABLE = "PDF_UNREADABLE"
PDF_NOT_SIGNED = "PDF_NOT_SIGNED"
PDF_SIGNATURE_INVALID = "PDF_SIGNATURE_INVALID"
PDF_BYTERANGE_INVALID = "PDF_BYTERANGE_INVALID"
PDF_EXTRA_SIGNATURE = "PDF_EXTRA_SIGNATURE"
PDF_NOT_CERTIFIED = "PDF_NOT_CERTIFIED"
PDF_SIGNATURE_UNSUPPORTED = "PDF_SIGNATURE_UNSUPPORTED"
PDF_SIGNER_UNKNOWN = "PDF_SIGNER_UNKNOWN"
PDF_SIGNER_REVOKED = "PDF_SIGNER_REVOKED"
PDF_SIGNER_EXPIRED = "PDF_SIGNER_EXPIRED"
PDF_SIGNER_NOT_YET_VALID = "PDF_SIGNER_NOT_YET_VALID"
PDF_SIGNER_NOT_ALLOWED = "PDF_SIGNER_NOT_ALLOWED"
PDF_TIMESTAMP_INVALID = "PDF_TIMESTAMP_INVALID"
PDF_COVERAGE_INCOMPLETE = "PDF_COVERAGE_INCOMPLETE"
PDF_MODIFIED_AFTER_SIGNING = "PDF_MODIFIED_AFTER_SIGNING"
PDF_ANNOTATION_ADDED = "PDF_ANNOTATION_ADDED"
PDF_SIGNATURE_FIELD_ADDED = "PDF_SIGNATURE_FIELD_ADDED"

MAX_PDF_BYTES = 50 * 1024 * 1024
"""Refuse larger uploads outright: our documents are a few hundred kilobytes."""
MAX_REVISIONS = 64
"""Refuse files with more revisions unread: we write the page and the signature, then one
revision per document timestamp (and its validation data). pyHanko's analysis of later
revisions costs time in revisions × objects: 3,000 one-object revisions (560 kB) took 28 s."""
MAX_OBJECTS = 20_000
"""Refuse files with more objects (all revisions) unread: ours hold about a hundred (the
underlying document is one stream); pyHanko's difference analysis costs time in objects
(20,000 in two revisions took 3 s)."""
MAX_CLASSIFIED = 500
"""Objects of later revisions examined to name a change (field, annotation, other): the
verdict is already INVALID; this only bounds the time spent explaining it."""

_SIGNER_CODES = {
    "SIGNER_UNKNOWN": PDF_SIGNER_UNKNOWN,
    "SIGNER_REVOKED": PDF_SIGNER_REVOKED,
    "SIGNER_EXPIRED": PDF_SIGNER_EXPIRED,
    "SIGNER_NOT_YET_VALID": PDF_SIGNER_NOT_YET_VALID,
    "SIGNER_NOT_ALLOWED": PDF_SIGNER_NOT_ALLOWED,
}

_DIGESTS = frozenset({"sha224", "sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"})
"""Digests accepted in signatures and timestamps: SHA-2 and SHA-3 (no SHA-1, no MD5)."""

_EOF_TAIL = re.compile(rb"%%EOF[\r\n\x00\t\f ]*\Z")


@dataclass
class _Signature:
    """One filled signature field as found in the file."""

    name: str
    kind: str
    """``/Sig`` or ``/DocTimeStamp``."""
    embedded: EmbeddedPdfSignature | None
    error: str | None = None
    """Why the signature could not even be parsed (missing /Contents or /ByteRange, bad CMS)."""


@dataclass
class _State:
    """What the checks learn from each other, in order."""

    pdf: bytes
    trust: TrustStore
    at: datetime
    reader: PdfFileReader | None = None
    signatures: list[_Signature] = field(default_factory=list)
    certification: _Signature | None = None
    signature_ok: bool = False
    existed_at: datetime | None = None
    """Earliest time a trusted document timestamp proves the signed document existed."""
    seal_text: str | None = None
    """The QR text the catalog carries, as read from the signed revision."""
    seal_report: Report | None = None
    doc_type: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def verify_pdf(pdf: bytes, trust: TrustStore, at: datetime) -> Report:
    """Verify ``pdf`` against ``trust`` at time ``at``; every check reports (DESIGN §6).

    Never raises for bad input (it becomes a check with its reason code); ``ValueError`` only
    for a naive ``at``.
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    state = _State(pdf=bytes(pdf), trust=trust, at=at)
    checks: list[Check] = []

    def run(name: str, category: Category, step: Callable[[_State], Check]) -> Check:
        check = guarded(name, category, lambda: _structural(name, category, step, state))
        checks.append(check)
        return check

    readable = run("pdf.readable", Category.FORMAT, _check_readable)
    run("pdf.trailing_data", Category.INTEGRITY, _check_trailing_data)
    if readable.status is not Status.VALID:
        reason = "The file could not be read as a PDF."
        for name, category in _LATER_CHECKS:
            checks.append(skipped(name, category, reason))
        return Report.of(checks, state.data)

    inventory = run("pdf.signatures", Category.FORMAT, _check_inventory)
    # The seal before the signer (it tells the document type the signer must be allowed
    # for); its checks are reported after the PDF's own.
    carried = seal_checks(state)
    if inventory.status is Status.VALID:
        run("pdf.certification", Category.INTEGRITY, _check_certification)
        signature = run("pdf.signature", Category.INTEGRITY, _check_signature)
        # timestamps first: a trusted one fixes when the document existed, for the signer
        run("pdf.timestamps", Category.INTEGRITY, _check_timestamps)
        if signature.status is Status.VALID:
            run("pdf.signer", Category.TRUST, _check_signer)
        else:
            checks.append(skipped("pdf.signer", Category.TRUST, "The signature is not valid."))
        run("pdf.coverage", Category.INTEGRITY, _check_coverage)
        run("pdf.modifications", Category.INTEGRITY, _check_modifications)
    else:
        reason = "No usable certification signature."
        for name, category in _SIGNATURE_CHECKS:
            checks.append(skipped(name, category, reason))
    checks.extend(seal_long_term(state, carried))
    run("pdf.number", Category.BINDING, check_number)
    run("pdf.underlying", Category.BINDING, check_underlying)
    return Report.of(checks, state.data)


_SIGNATURE_CHECKS = (
    ("pdf.certification", Category.INTEGRITY),
    ("pdf.signature", Category.INTEGRITY),
    ("pdf.timestamps", Category.INTEGRITY),
    ("pdf.signer", Category.TRUST),
    ("pdf.coverage", Category.INTEGRITY),
    ("pdf.modifications", Category.INTEGRITY),
)
_LATER_CHECKS = (
    ("pdf.signatures", Category.FORMAT),
    *_SIGNATURE_CHECKS,
    ("seal", Category.FORMAT),
    ("pdf.number", Category.BINDING),
    ("pdf.underlying", Category.BINDING),
)


def _structural(
    name: str, category: Category, step: Callable[[_State], Check], state: _State
) -> Check:
    """A structure pyHanko's strict reader cannot follow is a malformed (so refused) file, not
    a failure of the verifier: only other exceptions become ERROR checks."""
    from pyhanko.pdf_utils.misc import PdfError

    try:
        return step(state)
    except Exception as exc:
        if not isinstance(exc, PdfError) and not _raised_reading(exc):
            raise
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_UNREADABLE,
            f"Part of the PDF structure could not be read ({type(exc).__name__}).",
        )


_READERS = ("pyhanko", "pyhanko_certvalidator", "asn1crypto")
"""Libraries whose exceptions, raised while they read the file, mean a malformed file."""
_OURS = tuple(
    str(root) + os.sep
    for here in (Path(__file__).parent, Path(__file__).resolve().parent)
    for root in (here, here.parent / "legalize")
)
"""Our packages' directories (as imported and resolved): frames there are our code."""


def _raised_reading(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside pyHanko (or the ASN.1 parser under it) after our
    code handed it the file. pyHanko reports some malformed structures with a plain
    KeyError, TypeError or ValueError instead of a PdfError (a signature reference without
    /TransformMethod, a real number as a stream /Length; found by fuzzing). Raised in our
    own code, the same exception stays a failure of the verifier: an ERROR check."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [i for i, f in enumerate(frames) if f.filename.startswith(_OURS)]
    if not ours or ours[-1] == len(frames) - 1:
        return False
    innermost = Path(frames[-1].filename).parts
    return any(lib in innermost for lib in _READERS)


# --- reading -----------------------------------------------------------------------------------


def _check_readable(state: _State) -> Check:
    from pyhanko.pdf_utils.reader import PdfFileReader

    name, category = "pdf.readable", Category.FORMAT
    if len(state.pdf) > MAX_PDF_BYTES:
        return Check(name, category, Status.INVALID, PDF_UNREADABLE, "The file is too large.")
    if not state.pdf.startswith(b"%PDF-"):
        return Check(name, category, Status.INVALID, PDF_UNREADABLE, "The file is not a PDF.")
    if _declared_objects(state.pdf) > MAX_OBJECTS:  # before pyHanko parses a huge xref
        return Check(
            name, category, Status.INVALID, PDF_UNREADABLE, "The PDF has too many objects."
        )
    try:
        reader = PdfFileReader(io.BytesIO(state.pdf), strict=True)
        reader.root  # noqa: B018 - resolve the catalog now: a broken one is unreadable
    except Exception as exc:
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_UNREADABLE,
            f"The PDF structure could not be read ({type(exc).__name__}).",
        )
    if reader.encrypted:
        return Check(name, category, Status.INVALID, PDF_UNREADABLE, "The PDF is encrypted.")
    revisions = reader.xrefs.total_revisions
    if revisions > MAX_REVISIONS:
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_UNREADABLE,
            f"The PDF has {revisions} revisions; an issued document has far fewer.",
            {"revisions": revisions},
        )
    objects = sum(len(reader.xrefs.explicit_refs_in_revision(r)) for r in range(revisions))
    if objects > MAX_OBJECTS:
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_UNREADABLE,
            f"The PDF has {objects} objects; an issued document has far fewer.",
            {"objects": objects},
        )
    state.reader = reader
    state.data["revisions"] = revisions
    return Check(
        name, category, Status.VALID, OK, "The PDF could be read.", {"revisions": revisions}
    )


_XREF_ENDINGS = tuple(
    b" " + kind + end for kind in (b"n", b"f") for end in (b" \r", b" \n", b"\r\n")
)
"""How each 20-byte classic xref entry ends (``0000012345 00000 n`` + a two-byte EOL);
counted with bytes.count, as a regular expression over 50 MB takes seconds."""
_SIZE = re.compile(rb"/Size\s+(\d{1,12})")
_INDEX = re.compile(rb"/Index\s*\[([\d\s]{0,4000})\]")


def _declared_objects(pdf: bytes) -> int:
    """The most objects the file's cross-reference data can make pyHanko parse, read with
    a few byte scans: object headers, classic xref entries, and the /Size and /Index of
    trailers and xref streams (300,000 entries in a 3 MB xref stream took 16 s to parse)."""
    counts = [pdf.count(b" obj"), sum(pdf.count(ending) for ending in _XREF_ENDINGS)]
    counts += (int(m.group(1)) for m in _SIZE.finditer(pdf))
    for index in _INDEX.finditer(pdf):
        numbers = [int(n) for n in index.group(1).split()]
        counts.append(sum(numbers[1::2]))
    return max(counts)


def _check_trailing_data(state: _State) -> Check:
    """Nothing but end-of-line whitespace may follow the last ``%%EOF``.

    Bytes appended without a new xref section are invisible to the revision structure (pyHanko's
    diff analysis calls such a file unmodified), yet lenient viewers render them.
    """
    name, category = "pdf.trailing_data", Category.INTEGRITY
    last = state.pdf.rfind(b"%%EOF")
    if last < 0:
        return Check(name, category, Status.INVALID, PDF_UNREADABLE, "The file has no %%EOF.")
    if _EOF_TAIL.match(state.pdf, last):
        return Check(name, category, Status.VALID, OK, "Nothing follows the end of the file.")
    extra = len(state.pdf) - last - len(b"%%EOF")
    return Check(
        name,
        category,
        Status.INVALID,
        PDF_MODIFIED_AFTER_SIGNING,
        "Data was appended after the end of the signed file.",
        {"trailing_bytes": extra},
    )


# --- the signatures ------------------------------------------------------------------------------


def _signatures(reader: PdfFileReader) -> list[_Signature]:
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    found: list[_Signature] = []
    for fq_name, value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        sig_object = value.get_object()
        kind = str(sig_object.get("/Type", "/Sig"))
        try:
            embedded = EmbeddedPdfSignature(reader, field_ref, fq_name)
            embedded.signer_info  # noqa: B018 - parsed in __init__; a bad CMS raises there
            found.append(_Signature(fq_name, kind, embedded))
        except Exception as exc:
            found.append(_Signature(fq_name, kind, None, type(exc).__name__))
    return sorted(found, key=lambda s: s.embedded.signed_revision if s.embedded else -1)


def _check_inventory(state: _State) -> Check:
    """Exactly one /Sig signature, any number of /DocTimeStamp, all of them parseable."""
    name, category = "pdf.signatures", Category.FORMAT
    assert state.reader is not None
    signatures = _signatures(state.reader)
    state.signatures = signatures
    summary = [{"field": s.name, "type": s.kind.lstrip("/")} for s in signatures]
    if not signatures:
        if b"/ByteRange" in state.pdf or b"/Contents <" in state.pdf:
            # a signature dictionary that is no longer attached to a field: a forged file
            return Check(
                name,
                category,
                Status.INVALID,
                PDF_SIGNATURE_INVALID,
                "A signature is present but not usable (no signature field holds it).",
            )
        return Check(name, category, Status.INVALID, PDF_NOT_SIGNED, "The PDF is not signed.")
    broken = [s for s in signatures if s.embedded is None]
    if broken:
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_SIGNATURE_INVALID,
            "A signature is malformed (its value or byte range is missing or unreadable).",
            {"signatures": summary, "malformed": [s.name for s in broken]},
        )
    regular = [s for s in signatures if s.kind == "/Sig"]
    others = [s for s in signatures if s.kind not in ("/Sig", "/DocTimeStamp")]
    if not regular or others:
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_NOT_SIGNED,
            "The PDF carries no document signature.",
            {"signatures": summary},
        )
    if len(regular) > 1:
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_EXTRA_SIGNATURE,
            f"The PDF carries {len(regular)} signatures; an issued document carries one.",
            {"signatures": summary},
        )
    first = signatures[0]
    if first.kind != "/Sig":
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_EXTRA_SIGNATURE,
            "A timestamp precedes the document signature.",
            {"signatures": summary},
        )
    state.certification = first
    return Check(
        name,
        category,
        Status.VALID,
        OK,
        "One document signature, then only document timestamps.",
        {"signatures": summary},
    )


def _check_certification(state: _State) -> Check:
    """The signature certifies the document with DocMDP P=1 (no changes allowed)."""
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation.pdf_embedded import read_certification_data

    name, category = "pdf.certification", Category.INTEGRITY
    assert state.reader is not None and state.certification is not None
    embedded = state.certification.embedded
    assert embedded is not None
    info = read_certification_data(state.reader)
    if info is None or info.author_sig.get_object() is not embedded.sig_object:
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_NOT_CERTIFIED,
            "The signature is not a certification signature (no DocMDP entry names it).",
        )
    level = embedded.docmdp_level
    if level is not MDPPerm.NO_CHANGES or info.permission is not MDPPerm.NO_CHANGES:
        value = None if level is None else int(level.value)
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_NOT_CERTIFIED,
            f"The document is certified with permission P={value}; ours allow no change (P=1).",
            {"permission": value},
        )
    subfilter = str(embedded.sig_object.get("/SubFilter", ""))
    if subfilter != "/ETSI.CAdES.detached":
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_SIGNATURE_UNSUPPORTED,
            f"The signature format {subfilter.lstrip('/') or '(none)'} is not PAdES "
            "(ETSI.CAdES.detached), which our documents use.",
            {"subfilter": subfilter.lstrip("/")},
        )
    if embedded.md_algorithm not in _DIGESTS:
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_SIGNATURE_UNSUPPORTED,
            f"The signature uses the digest {embedded.md_algorithm}, which is not accepted.",
            {"digest_algorithm": embedded.md_algorithm},
        )
    return Check(name, category, Status.VALID, OK, "Certified: no change allowed (P=1).")


def _byte_range_problem(pdf: bytes, embedded: EmbeddedPdfSignature) -> str | None:
    """None when the byte range is [0 a b c], covering everything from the start of the file
    but exactly the /Contents hex string; otherwise the code of what is wrong.

    A range that covers nothing (zeroed, empty, not from the start) is a forged signature; a
    well-formed range whose gap holds more than the signature value, or whose second part
    lies elsewhere, is signature wrapping.
    """
    byte_range = [int(x) for x in embedded.byte_range]
    if len(byte_range) != 4 or byte_range[0] != 0 or byte_range[1] <= 0 or byte_range[3] <= 0:
        return PDF_SIGNATURE_INVALID
    _, length1, start2, length2 = byte_range
    if start2 <= length1 or start2 + length2 > len(pdf):
        return PDF_BYTERANGE_INVALID
    if pdf[length1 : length1 + 1] != b"<" or pdf[start2 - 1 : start2] != b">":
        return PDF_BYTERANGE_INVALID
    gap = pdf[length1 + 1 : start2 - 1]
    hex_length = len(embedded.pkcs7_content) * 2
    # The gap is exactly the signature value (hex, zero padding allowed), nothing else.
    if len(gap) < hex_length or re.fullmatch(rb"[0-9A-Fa-f]*", gap) is None:
        return PDF_BYTERANGE_INVALID
    if not _padding_is_zero(embedded.pkcs7_content):
        return PDF_MODIFIED_AFTER_SIGNING
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


def _check_signature(state: _State) -> Check:
    """The CMS signature verifies over exactly the byte range, and the byte range is sane."""
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    name, category = "pdf.signature", Category.INTEGRITY
    assert state.certification is not None and state.certification.embedded is not None
    embedded = state.certification.embedded
    problem = _byte_range_problem(state.pdf, embedded)
    if problem is not None:
        message = {
            PDF_SIGNATURE_INVALID: "The signature's byte range covers nothing usable "
            "(a forged signature).",
            PDF_BYTERANGE_INVALID: "The signed byte range does not cover the document as it "
            "should (signature wrapping).",
            PDF_MODIFIED_AFTER_SIGNING: "Data was written into the unsigned space reserved "
            "for the signature.",
        }[problem]
        return Check(
            name,
            category,
            Status.INVALID,
            problem,
            message,
            {"byte_range": [int(x) for x in embedded.byte_range]},
        )
    try:
        intact, valid = validate_sig_integrity(
            embedded.signer_info, embedded.signer_cert, "data", embedded.compute_digest()
        )
    except Exception as exc:
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_SIGNATURE_INVALID,
            f"The signature could not be verified ({type(exc).__name__}).",
        )
    if not (intact and valid):
        return Check(
            name,
            category,
            Status.INVALID,
            PDF_SIGNATURE_INVALID,
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
    return Check(name, category, Status.VALID, OK, "The signature matches the signed bytes.", data)


def _crypto_cert(embedded: EmbeddedPdfSignature) -> Any:
    from cryptography import x509

    return x509.load_der_x509_certificate(embedded.signer_cert.dump())


def _check_signer(state: _State) -> Check:
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
    if status.code in ("SIGNER_EXPIRED", "SIGNER_REVOKED") and state.existed_at is not None:
        earlier = state.trust.validate_signer(cert, state.existed_at, state.doc_type)
        if earlier.ok:
            data = dict(earlier.data)
            data.update(validated_at=state.existed_at.isoformat(), later_status=status.code)
            return Check(
                name,
                category,
                Status.VALID,
                OK,
                f"The signer was trusted when the document was timestamped "
                f"({state.existed_at.isoformat()}); since then: {status.message}.",
                data,
            )
    data = dict(status.data)
    data["validated_at"] = when.isoformat()
    if status.ok:
        return Check(name, category, Status.VALID, OK, status.message, data)
    code = _SIGNER_CODES.get(status.code, PDF_SIGNER_UNKNOWN)
    return Check(name, category, Status.INVALID, code, status.message, data)


def _validation_context(state: _State) -> Any:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko_certvalidator import ValidationContext

    def der(cert: Any) -> Any:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    return ValidationContext(
        trust_roots=[der(c) for c in state.trust.roots],
        other_certs=[der(c) for c in state.trust.certificates],
        crls=[crl.public_bytes(serialization.Encoding.DER) for crl in state.trust.crls],
        moment=state.at,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def _check_timestamps(state: _State) -> Check:
    """Each document timestamp is intact; its time counts only if its TSA is trusted."""
    import asyncio

    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data

    name, category = "pdf.timestamps", Category.INTEGRITY
    stamps = [s for s in state.signatures if s.kind == "/DocTimeStamp"]
    if not stamps:
        return skipped(name, category, "The document carries no timestamp.", NOT_APPLICABLE)
    context = _validation_context(state)
    results = []
    for stamp in stamps:
        embedded = stamp.embedded
        assert embedded is not None
        subfilter = str(embedded.sig_object.get("/SubFilter", ""))
        if subfilter != "/ETSI.RFC3161" or embedded.external_md_algorithm not in _DIGESTS:
            return Check(
                name,
                category,
                Status.INVALID,
                PDF_TIMESTAMP_INVALID,
                "A document timestamp is not an RFC 3161 token over a SHA-2/SHA-3 digest.",
                {"subfilter": subfilter.lstrip("/"), "digest": embedded.external_md_algorithm},
            )
        problem = _byte_range_problem(state.pdf, embedded)
        if problem is not None:
            return Check(
                name,
                category,
                Status.INVALID,
                problem,
                "A timestamp's byte range does not cover the document as it should.",
            )
        try:
            status = asyncio.run(
                validate_tst_signed_data(embedded.signed_data, context, embedded.compute_digest)
            )
        except Exception as exc:
            return Check(
                name,
                category,
                Status.INVALID,
                PDF_TIMESTAMP_INVALID,
                f"A document timestamp could not be verified ({type(exc).__name__}).",
            )
        if not (status["intact"] and status["valid"]):
            return Check(
                name,
                category,
                Status.INVALID,
                PDF_TIMESTAMP_INVALID,
                "A document timestamp does not match the document.",
            )
        tsa_trusted = status.get("trust_problem_indic") is None
        stamped_at: datetime = status["timestamp"]
        results.append({"time": stamped_at.isoformat(), "tsa_trusted": tsa_trusted})
        if tsa_trusted and stamped_at <= state.at:
            earliest = state.existed_at
            state.existed_at = stamped_at if earliest is None else min(earliest, stamped_at)
    state.data["timestamps"] = results
    trusted = all(r["tsa_trusted"] for r in results)
    message = (
        "The document timestamps are valid."
        if trusted
        else "The document timestamps are intact; their authority is not in the trust store, "
        "so their time is shown but not relied on."
    )
    return Check(name, category, Status.VALID, OK, message, {"timestamps": results})


def _check_coverage(state: _State) -> Check:
    """The last signature or document timestamp covers every byte of the file."""
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    name, category = "pdf.coverage", Category.INTEGRITY
    last = state.signatures[-1].embedded
    assert last is not None
    coverage = last.evaluate_signature_coverage()
    if coverage is SignatureCoverageLevel.ENTIRE_FILE:
        return Check(name, category, Status.VALID, OK, "The last signature covers the whole file.")
    return Check(
        name,
        category,
        Status.INVALID,
        PDF_COVERAGE_INCOMPLETE,
        "Part of the file is not covered by any signature or timestamp.",
        {"coverage": coverage.name, "field": state.signatures[-1].name},
    )


def _check_modifications(state: _State) -> Check:
    """pyHanko's difference analysis: later revisions hold nothing but timestamps and
    validation data (modification level NONE or LTA_UPDATES)."""
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
    from pyhanko.sign.diff_analysis.policy_api import DiffResult

    name, category = "pdf.modifications", Category.INTEGRITY
    assert state.reader is not None
    for signature in state.signatures:
        embedded = signature.embedded
        assert embedded is not None
        embedded.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)  # type: ignore[no-untyped-call]
        result: Any = embedded.diff_result
        if isinstance(result, DiffResult) and result.modification_level in (
            ModificationLevel.NONE,
            ModificationLevel.LTA_UPDATES,
        ):
            continue
        code, what = _classify_changes(state.reader, embedded.signed_revision)
        level = result.modification_level.name if isinstance(result, DiffResult) else "OTHER"
        return Check(
            name,
            category,
            Status.INVALID,
            code,
            f"The document was changed after it was signed: {what}.",
            {"field": signature.name, "modification_level": level},
        )
    return Check(
        name,
        category,
        Status.VALID,
        OK,
        "No change after signing beyond timestamps and validation data.",
    )


def _classify_changes(reader: PdfFileReader, signed_revision: int) -> tuple[str, str]:
    """Name what later revisions did, for the reader: a new signature field drawn over the
    page (sneaky signature), a new annotation (evil annotation), or any other change
    (incremental saving, shadow attacks)."""
    added_field = added_annotation = False
    budget = MAX_CLASSIFIED
    for revision in range(signed_revision + 1, reader.xrefs.total_revisions):
        resolver = reader.get_historical_resolver(revision)
        refs = list(reader.xrefs.explicit_refs_in_revision(revision))
        for ref in refs[:budget]:
            try:
                obj = resolver(ref)
            except Exception:  # noqa: S112 - an unreadable object is just not classified
                continue
            if not hasattr(obj, "get"):
                continue
            if obj.get("/FT") == "/Sig" and "/V" not in obj:
                added_field = True
            elif obj.get("/FT") == "/Sig":
                value = obj["/V"]
                if getattr(value, "get", lambda *_: None)("/Type") != "/DocTimeStamp":
                    added_field = True
            elif obj.get("/Type") == "/Annot" or obj.get("/Subtype") in (
                "/FreeText",
                "/Text",
                "/Square",
                "/Stamp",
                "/Ink",
                "/Link",
                "/Popup",
            ):
                added_annotation = True
        budget -= min(budget, len(refs))
        if not budget:
            break
    if added_field:
        return PDF_SIGNATURE_FIELD_ADDED, "a signature field was added over the content"
    if added_annotation:
        return PDF_ANNOTATION_ADDED, "an annotation was added over the content"
    return PDF_MODIFIED_AFTER_SIGNING, "content or structure was changed"
