"""Verify an issued PDF under the strict policy of DESIGN §5, and the seal it carries.

What we accept is exactly what we issue: one certification signature (DocMDP P=1) by a trusted
document signer, optionally followed by document timestamps (and their validation data), the
last of which covers the whole file, with nothing after the final ``%%EOF``. Everything else is
refused, so the known PDF-signature attacks (universal signature forgery, incremental saving,
signature wrapping, shadow, evil-annotation and sneaky-signature attacks) fall out of the
policy instead of needing one detector each. Each failure still gets its own code so a reader
learns *what* is wrong. The file is only read (pyHanko's reader), never re-saved.

The steps, one module each, in report order:

- :mod:`~verifier.pdf.structure` — readable within limits, nothing after ``%%EOF``;
- :mod:`~verifier.pdf.signatures` — the one certification signature and its signer;
- :mod:`~verifier.pdf.timestamps` — document timestamps, and when they prove the file existed;
- :mod:`~verifier.pdf.changes` — coverage, and what later revisions changed;
- :mod:`~verifier.pdf.binding` — the seal the catalog carries, the document number and, for
  legalizations, the underlying document's hash;
- :mod:`~verifier.pdf.policy` — their order, and what a failed step skips.

:mod:`~verifier.pdf.state` holds what the steps share.
"""

from verifier.pdf.policy import verify_pdf
from verifier.pdf.structure import MAX_OBJECTS, MAX_PDF_BYTES, MAX_REVISIONS

__all__ = ["MAX_OBJECTS", "MAX_PDF_BYTES", "MAX_REVISIONS", "verify_pdf"]
