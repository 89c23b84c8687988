"""The file as a file: readable by pyHanko's strict reader within our limits, and nothing after
the final ``%%EOF``. A structure the reader cannot follow is a malformed (refused) file."""

from __future__ import annotations

import io
import os
import re
import traceback
from collections.abc import Callable
from pathlib import Path

from verifier.codes import Code
from verifier.pdf.state import PdfState
from verifier.report import Category, Check, fail, ok

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

_EOF_TAIL = re.compile(rb"%%EOF[\r\n\x00\t\f ]*\Z")


def structural(
    name: str, category: Category, step: Callable[[PdfState], Check], state: PdfState
) -> Check:
    """A structure pyHanko's strict reader cannot follow is a malformed (so refused) file, not
    a failure of the verifier: only other exceptions become ERROR checks."""
    from pyhanko.pdf_utils.misc import PdfError

    try:
        return step(state)
    except Exception as exc:
        if not isinstance(exc, PdfError) and not _raised_reading(exc):
            raise
        return fail(
            name,
            category,
            Code.PDF_UNREADABLE,
            f"Part of the PDF structure could not be read ({type(exc).__name__}).",
        )


_READERS = ("pyhanko", "pyhanko_certvalidator", "asn1crypto")
"""Libraries whose exceptions, raised while they read the file, mean a malformed file."""
_OURS = tuple(
    str(root) + os.sep
    for here in (Path(__file__).parent.parent, Path(__file__).resolve().parent.parent)
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


def check_readable(state: PdfState) -> Check:
    from pyhanko.pdf_utils.reader import PdfFileReader

    name, category = "pdf.readable", Category.FORMAT
    if len(state.pdf) > MAX_PDF_BYTES:
        return fail(name, category, Code.PDF_UNREADABLE, "The file is too large.")
    if not state.pdf.startswith(b"%PDF-"):
        return fail(name, category, Code.PDF_UNREADABLE, "The file is not a PDF.")
    if _declared_objects(state.pdf) > MAX_OBJECTS:  # before pyHanko parses a huge xref
        return fail(name, category, Code.PDF_UNREADABLE, "The PDF has too many objects.")
    try:
        reader = PdfFileReader(io.BytesIO(state.pdf), strict=True)
        reader.root  # noqa: B018 - resolve the catalog now: a broken one is unreadable
    except Exception as exc:
        return fail(
            name,
            category,
            Code.PDF_UNREADABLE,
            f"The PDF structure could not be read ({type(exc).__name__}).",
        )
    if reader.encrypted:
        return fail(name, category, Code.PDF_UNREADABLE, "The PDF is encrypted.")
    revisions = reader.xrefs.total_revisions
    if revisions > MAX_REVISIONS:
        return fail(
            name,
            category,
            Code.PDF_UNREADABLE,
            f"The PDF has {revisions} revisions; an issued document has far fewer.",
            {"revisions": revisions},
        )
    objects = sum(len(reader.xrefs.explicit_refs_in_revision(r)) for r in range(revisions))
    if objects > MAX_OBJECTS:
        return fail(
            name,
            category,
            Code.PDF_UNREADABLE,
            f"The PDF has {objects} objects; an issued document has far fewer.",
            {"objects": objects},
        )
    state.reader = reader
    state.data["revisions"] = revisions
    return ok(name, category, "The PDF could be read.", {"revisions": revisions})


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


def check_trailing_data(state: PdfState) -> Check:
    """Nothing but end-of-line whitespace may follow the last ``%%EOF``.

    Bytes appended without a new xref section are invisible to the revision structure (pyHanko's
    diff analysis calls such a file unmodified), yet lenient viewers render them.
    """
    name, category = "pdf.trailing_data", Category.INTEGRITY
    last = state.pdf.rfind(b"%%EOF")
    if last < 0:
        return fail(name, category, Code.PDF_UNREADABLE, "The file has no %%EOF.")
    if _EOF_TAIL.match(state.pdf, last):
        return ok(name, category, "Nothing follows the end of the file.")
    extra = len(state.pdf) - last - len(b"%%EOF")
    return fail(
        name,
        category,
        Code.PDF_MODIFIED_AFTER_SIGNING,
        "Data was appended after the end of the signed file.",
        {"trailing_bytes": extra},
    )
