"""Document timestamps: each one intact, an RFC 3161 token over a SHA-2/SHA-3 digest; its
time counts (for the signer's long-term validation) only when its authority is trusted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from verifier.codes import Code
from verifier.pdf.signatures import byte_range_problem
from verifier.pdf.state import DIGESTS, PdfState
from verifier.report import Category, Check, fail, not_applicable, ok


def _validation_context(state: PdfState) -> Any:
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


def check_timestamps(state: PdfState) -> Check:
    """Each document timestamp is intact; its time counts only if its TSA is trusted."""
    import asyncio

    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data

    name, category = "pdf.timestamps", Category.INTEGRITY
    stamps = [s for s in state.signatures if s.kind == "/DocTimeStamp"]
    if not stamps:
        return not_applicable(name, category, "The document carries no timestamp.")
    context = _validation_context(state)
    results = []
    for stamp in stamps:
        embedded = stamp.embedded
        assert embedded is not None
        subfilter = str(embedded.sig_object.get("/SubFilter", ""))
        if subfilter != "/ETSI.RFC3161" or embedded.external_md_algorithm not in DIGESTS:
            return fail(
                name,
                category,
                Code.PDF_TIMESTAMP_INVALID,
                "A document timestamp is not an RFC 3161 token over a SHA-2/SHA-3 digest.",
                {"subfilter": subfilter.lstrip("/"), "digest": embedded.external_md_algorithm},
            )
        problem = byte_range_problem(state.pdf, embedded)
        if problem is not None:
            return fail(
                name,
                category,
                problem,
                "A timestamp's byte range does not cover the document as it should.",
            )
        try:
            status = asyncio.run(
                validate_tst_signed_data(embedded.signed_data, context, embedded.compute_digest)
            )
        except Exception as exc:
            return fail(
                name,
                category,
                Code.PDF_TIMESTAMP_INVALID,
                f"A document timestamp could not be verified ({type(exc).__name__}).",
            )
        if not (status["intact"] and status["valid"]):
            return fail(
                name,
                category,
                Code.PDF_TIMESTAMP_INVALID,
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
    return ok(name, category, message, {"timestamps": results})
