"""What the seal carried by an issued PDF binds: its signature, the document number, and for
legalizations the underlying document (DESIGN §5, §3).

The rendering writes two catalog entries (legalize.documents.pdfa): ``/LegalizeSeal``, the QR
text, and ``/LegalizeUnderlying``, the exact bytes of the sanitized underlying PDF whose
SHA-256 the legalization seal carries. Both are read from the revision the certification
signature signed, never from a later one. The seal is verified by
:func:`verifier.seal.verify_seal`; its checks join the PDF report prefixed ``seal.``.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from legalize.kinds import DocumentType
from verifier.codes import SUPERSEDED_SIGNER, Code
from verifier.pdf.state import PdfState, signed_resolver
from verifier.report import Category, Check, Status, fail, not_applicable, ok, skipped

SEAL_KEY = "/LegalizeSeal"
UNDERLYING_KEY = "/LegalizeUnderlying"


def _catalog_seal(state: PdfState) -> str | None:
    from pyhanko.pdf_utils import generic

    root = signed_resolver(state).root
    value = root.get(SEAL_KEY) if hasattr(root, "get") else None
    if isinstance(value, generic.TextStringObject):
        return str(value)
    if isinstance(value, generic.ByteStringObject):
        return bytes(value).decode("latin-1")
    return None


def seal_checks(state: PdfState) -> list[Check]:
    """verify_seal over the QR text the PDF carries; its checks, prefixed ``seal.``."""
    from verifier.seal import verify_seal

    name = "seal"
    try:
        text = _catalog_seal(state) if state.reader is not None else None
    except Exception as exc:
        return [
            fail(
                name,
                Category.FORMAT,
                Code.PDF_SEAL_MISSING,
                f"The seal entry of the PDF could not be read ({type(exc).__name__}).",
            )
        ]
    if text is None:
        return [
            fail(
                name,
                Category.FORMAT,
                Code.PDF_SEAL_MISSING,
                "The PDF carries no seal (no /LegalizeSeal entry in its catalog).",
            )
        ]
    state.seal_text = text
    report = verify_seal(text, state.trust, state.at)
    state.seal_report = report
    kind = DocumentType.of_profile(str(report.data.get("profile")))
    state.doc_type = kind.cert_code if kind is not None else None
    state.data.update(report.data)
    return [
        c if c.name.startswith("seal.") else replace(c, name=f"seal.{c.name}")
        for c in report.checks
    ]


def seal_long_term(state: PdfState, checks: list[Check]) -> list[Check]:
    """The seal lives in the signed revision, so a trusted document timestamp proves it
    existed then too: a seal signer that has only expired or been revoked (not compromised)
    since is judged at that time, as the PDF's signer is. The document's own validity (a
    TTD's expiry) stays judged at the validation time."""
    from verifier.seal import verify_seal

    trust_check = next((c for c in checks if c.name == "seal.trust"), None)
    if (
        trust_check is None
        or trust_check.code not in SUPERSEDED_SIGNER
        or state.existed_at is None
        or state.seal_text is None
    ):
        return checks
    earlier = verify_seal(state.seal_text, state.trust, state.existed_at).check("seal.trust")
    if earlier is None or earlier.status is not Status.VALID:
        return checks
    data = dict(earlier.data)
    data.update(validated_at=state.existed_at.isoformat(), later_status=trust_check.code)
    replacement = ok(
        trust_check.name,
        trust_check.category,
        f"The seal's signer was trusted when the document was timestamped "
        f"({state.existed_at.isoformat()}); since then: {trust_check.message}.",
        data,
    )
    return [replacement if c is trust_check else c for c in checks]


def _seal_number(state: PdfState) -> str | None:
    if state.seal_report is None:
        return None
    data = state.seal_report.data
    number = (
        data.get("document_number")
        if data.get("profile") == DocumentType.TTD.profile
        else data.get("number")
    )
    return str(number) if number else None


def _pdf_number(state: PdfState) -> str | None:
    """The document number the PDF's metadata states: the last word of its /Title
    ("Temporary travel document T00012345"), as the rendering writes it."""
    trailer = signed_resolver(state).trailer_view
    info = trailer.get("/Info")
    if info is None:
        return None
    title = info.get_object().get("/Title")
    words = str(title).split() if title is not None else []
    return words[-1] if words else None


def check_number(state: PdfState) -> Check:
    name, category = "pdf.number", Category.BINDING
    seal_number = _seal_number(state)
    if seal_number is None:
        return skipped(name, category, "The seal's document number is not known.")
    state.data.setdefault("number", seal_number)
    pdf_number = _pdf_number(state)
    if pdf_number == seal_number:
        return ok(
            name,
            category,
            "The PDF states the document number the seal carries.",
            {"number": seal_number},
        )
    return fail(
        name,
        category,
        Code.PDF_NUMBER_MISMATCH,
        "The PDF's document number differs from the seal's.",
        {"seal": seal_number, "pdf": pdf_number},
    )


MAX_UNDERLYING_BYTES = 256 * 1024 * 1024
"""Largest decoded underlying document hashed: far above what the sanitizer lets through
(50 pages), far below what a compression bomb in a hostile file would inflate to."""
_CHUNK = 1024 * 1024


def _decoded_sha256(stream: Any) -> str | None:
    """SHA-256 of the stream's decoded data, inflated chunk by chunk, never more than
    MAX_UNDERLYING_BYTES; None when the data cannot be decoded within that. We write the
    underlying document as one FlateDecode stream (legalize.documents.pdfa); pyHanko's own
    decoding would inflate a bomb whole, and raises for filters it does not implement."""
    import zlib

    from pyhanko.pdf_utils import generic

    filters = stream.get("/Filter")
    if filters is None:
        return hashlib.sha256(stream.encoded_data).hexdigest()
    if isinstance(filters, generic.ArrayObject) and len(filters) == 1:
        filters = filters[0]
    if filters != "/FlateDecode" or stream.get("/DecodeParms") is not None:
        return None
    digest = hashlib.sha256()
    inflater = zlib.decompressobj()
    pending = stream.encoded_data
    total = 0
    try:
        while pending and not inflater.eof:
            out = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            total += len(out)
            if total > MAX_UNDERLYING_BYTES:
                return None
            digest.update(out)
        out = inflater.flush()
    except zlib.error:
        return None
    if not inflater.eof or total + len(out) > MAX_UNDERLYING_BYTES:
        return None
    digest.update(out)
    return digest.hexdigest()


def check_underlying(state: PdfState) -> Check:
    """Legalizations: the embedded underlying document hashes to the seal's SHA-256."""
    from pyhanko.pdf_utils import generic

    name, category = "pdf.underlying", Category.BINDING
    if state.seal_report is None or "profile" not in state.seal_report.data:
        return skipped(name, category, "The seal could not be read.")
    if state.seal_report.data["profile"] != DocumentType.LEGALIZATION.profile:
        return not_applicable(name, category, "Only a legalization carries an underlying document.")
    expected = str(state.seal_report.data.get("document_sha256") or "").lower()
    root = signed_resolver(state).root
    stream = root.get(UNDERLYING_KEY)
    stream = stream.get_object() if stream is not None else None
    if not isinstance(stream, generic.StreamObject):
        return fail(
            name,
            category,
            Code.UNDERLYING_MISSING,
            "The legalized document is not embedded in the PDF.",
        )
    actual = _decoded_sha256(stream)
    if actual is None:
        return fail(
            name,
            category,
            Code.UNDERLYING_HASH_MISMATCH,
            "The embedded underlying document cannot be decoded (not the single FlateDecode "
            "stream we write, corrupt, or larger than the limit), so it is not shown to be "
            "the one the seal certifies.",
            {"seal_sha256": expected},
        )
    if actual != expected:
        return fail(
            name,
            category,
            Code.UNDERLYING_HASH_MISMATCH,
            "The embedded underlying document is not the one the seal certifies.",
            {"seal_sha256": expected, "pdf_sha256": actual},
        )
    return ok(
        name,
        category,
        "The embedded underlying document is the one the seal certifies.",
        {"sha256": actual},
    )
