"""TEST DOUBLE of :class:`legalize.cases.issuer.Issuer`, and the hand-made PDF it hands out.

For tests of the workflow rules, where the PDF does not matter: an unsigned one-page
placeholder naming the document, and a seal text no verifier accepts. Never part of the
service: production code binds the real issuer or refuses to issue.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from legalize.cases.issuer import IssuedPdf
from legalize.documents.legalization import LegalizationData
from legalize.documents.sanitize import SanitizedDocument
from legalize.documents.ttd import TtdData
from legalize.kinds import DocumentType


class UnsignedTestIssuer:
    """Makes :func:`placeholder_pdf` documents; fails on demand for the numbers given."""

    def __init__(self, fail_for: frozenset[str] = frozenset()) -> None:
        self.fail_for = fail_for
        """Numbers for which issuance raises (to test that a failure changes nothing)."""
        self.calls = 0

    def issue_ttd(self, data: TtdData, photo: bytes, at: datetime) -> IssuedPdf:
        return self._make(DocumentType.TTD.profile, data.document_number, data.check_code)

    def issue_legalization(
        self,
        data: LegalizationData,
        underlying: SanitizedDocument,
        at: datetime,
        *,
        issuing_country: str,
    ) -> IssuedPdf:
        return self._make(DocumentType.LEGALIZATION.profile, data.number, data.check_code)

    def _make(self, kind: str, number: str, check_code: str) -> IssuedPdf:
        self.calls += 1
        if number in self.fail_for:
            raise RuntimeError(f"test double told to fail for {number}")
        pdf = placeholder_pdf(f"TEST DOUBLE - NOT A DOCUMENT - {kind} {number}")
        return IssuedPdf(pdf, hashlib.sha256(pdf).hexdigest(), f"TEST:{kind}:{number}:{check_code}")


def placeholder_pdf(line: str) -> bytes:
    """A minimal valid one-page PDF showing ``line`` in Helvetica (no fonts embedded)."""
    text = line.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 12 Tf 50 780 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
