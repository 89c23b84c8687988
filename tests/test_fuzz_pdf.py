"""Malformed PDFs never crash verify_pdf: it returns a report whose checks are VALID, INVALID
or SKIPPED (an ERROR check means an exception escaped a check), in bounded time and memory.

The regression inputs are minimal forms of what a mutation fuzzer found on a real issued
legalization (filter rewrites and corrupt data in the embedded underlying document); the
property test keeps mutating that file (bit flips, truncations, ``/Length`` and reference
lies, deep nesting, ``/Prev`` loops, incremental updates with garbage), a bounded number of
times so the file stays fast.
"""

from __future__ import annotations

import io
import random
import re
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pikepdf
import pytest
from cryptography.x509 import load_pem_x509_certificate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.pdfgen.canvas import Canvas

from legalize.documents.issue import issue_legalization
from legalize.documents.legalization import LegalizationData
from legalize.documents.sanitize import sanitize_underlying
from legalize.pki.trust import TrustStore
from verifier import cli
from verifier import pdf as verifier_pdf
from verifier.pdf import binding as pdf_binding
from verifier.pdf import changes as pdf_changes
from verifier.pdf import verify_pdf
from verifier.report import Report, Status, Verdict


@dataclass(frozen=True)
class Issued:
    pdf: bytes
    seal_text: str
    trust: TrustStore
    at: datetime


@pytest.fixture(scope="module")
def issued(dev_pki) -> Issued:  # type: ignore[no-untyped-def]
    at = dev_pki.at + timedelta(hours=2)
    root = load_pem_x509_certificate(dev_pki.root_cert.read_bytes())
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "Certificate of Birth No. 1234")
    canvas.showPage()
    canvas.save()
    data = LegalizationData(
        number="L2026000042",
        country="Democratic Socialist Republic of Sri Lanka",
        signed_by="A. B. Wijesinghe",
        capacity="Registrar of Births, Colombo",
        seal_of="Registrar General's Department",
        place="Colombo",
        date=at.date(),
        certified_by="Consular Affairs Division, Ministry of Foreign Affairs",
        check_code=None,
        document_title="Birth certificate No. 1234",
    )
    doc = issue_legalization(
        data,
        sanitize_underlying(buffer.getvalue(), "birth.pdf"),
        dev_pki.signer("LEG"),
        at,
        check_url="HTTPS://CHECK.LEGALIZE.EXAMPLE/V/",
        issuing_country="LKA",
        document_country="LKA",
        chain=[root],
    )
    return Issued(doc.pdf, doc.seal_text, TrustStore.load(dev_pki.trust_dir), at)


def no_error(report: Report) -> None:
    crashed = [(c.name, c.message) for c in report.checks if c.status is Status.ERROR]
    assert not crashed


def underlying_stream(pdf: bytes) -> tuple[int, int]:
    """Start of the underlying document's stream dictionary and of its data."""
    number = re.search(rb"/LegalizeUnderlying (\d+) 0 R", pdf)
    assert number is not None
    start = pdf.index(b"\n" + number.group(1) + b" 0 obj") + 1
    data = re.compile(rb"stream\r?\n").search(pdf, start)
    assert data is not None
    return start, data.end()


def test_genuine_legalization_verifies(issued: Issued) -> None:
    report = verify_pdf(issued.pdf, issued.trust, issued.at)
    assert report.verdict is Verdict.VALID
    assert report.check("pdf.underlying").code == "OK"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "replacement",
    [
        b"/JBIG2Decode",  # found: NotImplementedError from pyHanko's decoder, an ERROR check
        b"/LZWDecode  ",
        b"[]          ",
        b"/Crypt      ",
    ],
)
def test_underlying_with_another_filter_is_a_mismatch(issued: Issued, replacement: bytes) -> None:
    head, _ = underlying_stream(issued.pdf)
    at = issued.pdf.index(b"/FlateDecode", head)
    pdf = issued.pdf[:at] + replacement + issued.pdf[at + len(b"/FlateDecode") :]
    report = verify_pdf(pdf, issued.trust, issued.at)
    no_error(report)
    assert report.verdict is Verdict.INVALID
    assert report.check("pdf.underlying").code == "UNDERLYING_HASH_MISMATCH"  # type: ignore[union-attr]


def test_corrupt_underlying_data_is_a_mismatch(issued: Issued) -> None:
    # found: zlib.error from pyHanko's decoder, an ERROR check
    _, data = underlying_stream(issued.pdf)
    pdf = issued.pdf[:data] + b"\x00\x01\x02\x03" + issued.pdf[data + 4 :]
    report = verify_pdf(pdf, issued.trust, issued.at)
    no_error(report)
    assert report.check("pdf.underlying").code == "UNDERLYING_HASH_MISMATCH"  # type: ignore[union-attr]


def test_certification_reference_without_transform_method(issued: Issued) -> None:
    # found: pyHanko raised KeyError('/TransformMethod'), an ERROR check
    pdf = issued.pdf.replace(b"/TransformMethod /DocMDP", b"/TransformMethoX /DocMDP", 1)
    report = verify_pdf(pdf, issued.trust, issued.at)
    no_error(report)
    assert report.check("pdf.certification").code == "PDF_UNREADABLE"  # type: ignore[union-attr]
    assert report.verdict is Verdict.INVALID


def test_real_number_as_stream_length(issued: Issued) -> None:
    # found: pyHanko raised TypeError reading a stream whose /Length is 54.0, an ERROR check
    head, _ = underlying_stream(issued.pdf)
    length = re.compile(rb"/Length (\d+)").search(issued.pdf, head)
    assert length is not None
    real = length.group(1)[:-1] + b"."  # same width: the xref offsets stay right
    pdf = issued.pdf[: length.start(1)] + real + issued.pdf[length.end(1) :]
    report = verify_pdf(pdf, issued.trust, issued.at)
    no_error(report)
    assert report.check("pdf.underlying").code == "PDF_UNREADABLE"  # type: ignore[union-attr]
    assert report.verdict is Verdict.INVALID


def test_unknown_digest_in_the_signature(issued: Issued) -> None:
    # found: pyhanko_certvalidator raised AttributeError for a digest OID it does not know
    # (SHA-256's OID with one byte changed, 2.16.840.1.101.3.6.2.1), an ERROR check
    sha256 = b"608648016503040201"
    assert sha256 in issued.pdf
    pdf = issued.pdf.replace(sha256, b"608648016503060201")
    report = verify_pdf(pdf, issued.trust, issued.at)
    no_error(report)
    assert report.verdict is Verdict.INVALID


def test_our_own_exceptions_stay_error_checks(
    issued: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only exceptions raised inside pyHanko's reading mean a malformed file; the same
    exception type raised by the verifier's own code is a failure of the verifier."""

    def broken(state: object) -> None:
        raise KeyError("verifier bug")

    monkeypatch.setattr(pdf_changes, "check_coverage", broken)
    report = verify_pdf(issued.pdf, issued.trust, issued.at)
    coverage = report.check("pdf.coverage")
    assert coverage is not None and coverage.status is Status.ERROR
    assert report.verdict is not Verdict.VALID


def with_revisions(pdf: bytes, revisions: int, objects: int) -> bytes:
    """``pdf`` with ``revisions`` incremental updates of ``objects`` new objects each."""
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    size = int(re.findall(rb"/Size (\d+)", pdf)[-1])
    root = re.findall(rb"/Root (\d+ \d+ R)", pdf)[-1]
    out = bytearray(pdf)
    for k in range(revisions):
        offsets = []
        for j in range(objects):
            offsets.append(len(out))
            out += b"%d 0 obj\n<< /K %d >>\nendobj\n" % (size + j, k)
        xref = len(out)
        out += b"xref\n%d %d\n" % (size, objects)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        out += b"trailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
            size + objects,
            root,
            prev,
            xref,
        )
        prev = xref
    return bytes(out)


@pytest.mark.parametrize(
    ("revisions", "objects"),
    [
        (1000, 1),  # was 18 s (difference analysis and naming the change: revisions × objects)
        (2, 12_000),  # was 19 s
        (1, 100_000),  # was 17 s, most of it parsing the xref table
    ],
)
def test_revision_and_object_floods_are_refused_quickly(
    issued: Issued, revisions: int, objects: int
) -> None:
    pdf = with_revisions(issued.pdf, revisions, objects)
    start = time.monotonic()
    report = verify_pdf(pdf, issued.trust, issued.at)
    assert time.monotonic() - start < 5
    no_error(report)
    assert report.check("pdf.readable").code == "PDF_UNREADABLE"  # type: ignore[union-attr]


def _object_stream_flood(count: int) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    items = [pdf.make_indirect(pikepdf.Dictionary(K=i)) for i in range(count)]
    pdf.Root.X = pdf.make_indirect(pikepdf.Array(items))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _xref_flood(count: int) -> bytes:
    base = raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", _PAGES, _PAGE)
    xref = base.index(b"xref\n")
    table = b"xref\n0 %d\n" % count + b"0000000000 65535 f \n" * count
    # the table starts where the old one did, so startxref stays right
    return base[:xref] + table + base[base.index(b"trailer") :]


@pytest.mark.parametrize("flood", ["object streams", "xref entries"])
def test_declared_object_floods_are_refused_before_parsing(issued: Issued, flood: str) -> None:
    # found: 300,000 objects in object streams (3 MB) took 16 s in pyHanko's xref parsing
    count = verifier_pdf.MAX_OBJECTS + 5000
    pdf = _object_stream_flood(count) if flood == "object streams" else _xref_flood(count)
    assert pdf.count(b" obj") < verifier_pdf.MAX_OBJECTS
    report = verify_pdf(pdf, issued.trust, issued.at)
    readable = report.check("pdf.readable")
    assert readable is not None and readable.code == "PDF_UNREADABLE"
    assert "revisions" not in readable.data  # refused before pyHanko read the file


def test_a_few_added_revisions_are_still_analysed(issued: Issued) -> None:
    report = verify_pdf(with_revisions(issued.pdf, 3, 2), issued.trust, issued.at)
    assert report.check("pdf.readable").code == "OK"  # type: ignore[union-attr]
    assert report.check("pdf.modifications").code == "PDF_MODIFIED_AFTER_SIGNING"  # type: ignore[union-attr]


def raw_pdf(*objects: bytes) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def bomb_pdf(seal_text: str, inflated: int) -> bytes:
    """An unsigned PDF carrying a legalization's seal text and, as its underlying document,
    ``inflated`` zero bytes deflated (about 1:200 in the file)."""
    deflate = zlib.compressobj(1)  # fast; still about 1:200 on zeros
    chunk = bytes(1 << 20)
    parts = [deflate.compress(chunk) for _ in range(inflated >> 20)]
    compressed = b"".join(parts) + deflate.flush()
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /LegalizeSeal (%s) /LegalizeUnderlying 4 0 R >>"
        % seal_text.encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(compressed)
        + compressed
        + b"\nendstream",
    )


def test_underlying_compression_bomb_is_not_inflated(issued: Issued) -> None:
    pdf = bomb_pdf(issued.seal_text, pdf_binding.MAX_UNDERLYING_BYTES + (16 << 20))
    assert len(pdf) < 2 << 20
    start = time.monotonic()
    report = verify_pdf(pdf, issued.trust, issued.at)
    no_error(report)
    assert report.check("pdf.underlying").code == "UNDERLYING_HASH_MISMATCH"  # type: ignore[union-attr]
    assert time.monotonic() - start < 10


def test_underlying_limit_is_exact(issued: Issued, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_binding, "MAX_UNDERLYING_BYTES", 4 << 20)
    under = verify_pdf(bomb_pdf(issued.seal_text, 4 << 20), issued.trust, issued.at)
    over = verify_pdf(bomb_pdf(issued.seal_text, 5 << 20), issued.trust, issued.at)
    # under the limit the data are hashed (and differ from the seal's); over it, not at all
    assert "pdf_sha256" in under.check("pdf.underlying").data  # type: ignore[union-attr]
    assert "pdf_sha256" not in over.check("pdf.underlying").data  # type: ignore[union-attr]


_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def _prev_loop(two: bool) -> bytes:
    base = raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", _PAGES, _PAGE)
    start = int(re.findall(rb"startxref\s+(\d+)", base)[-1])
    if not two:  # the trailer's /Prev names its own xref section
        return base.replace(b"/Root 1 0 R >>", b"/Root 1 0 R /Prev %d >>" % start)
    end = len(base)
    return base + (
        b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 4 /Root 1 0 R /Prev %d >>\n"
        b"startxref\n%d\n%%%%EOF\n" % (end, end)
    )


STRUCTURES = {
    "root is its own page tree": lambda seal: raw_pdf(
        b"<< /Type /Catalog /Pages 1 0 R /LegalizeSeal 1 0 R >>", _PAGES, _PAGE
    ),
    "deeply nested seal": lambda seal: raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /LegalizeSeal %s >>" % (b"[" * 50000 + b"]" * 50000),
        _PAGES,
        _PAGE,
    ),
    "reference loop": lambda seal: raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /LegalizeSeal 4 0 R /LegalizeUnderlying 5 0 R >>",
        _PAGES,
        _PAGE,
        b"5 0 R",
        b"4 0 R",
    ),
    "length refers to its own stream": lambda seal: raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /LegalizeSeal (%s) /LegalizeUnderlying 4 0 R >>" % seal,
        _PAGES,
        _PAGE,
        b"<< /Length 4 0 R /Filter /FlateDecode >>\nstream\nxx\nendstream",
    ),
    "object stream extending itself": lambda seal: raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /LegalizeSeal (%s) >>" % seal,
        _PAGES,
        _PAGE,
        b"<< /Type /ObjStm /N 1 /First 4 /Extends 4 0 R /Length 10 >>\nstream\n4 0 4 0 R"
        b"\nendstream",
    ),
    "xref /Prev loop": lambda seal: _prev_loop(False),
    "xref /Prev loop over two sections": lambda seal: _prev_loop(True),
}


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_hostile_structures(issued: Issued, name: str) -> None:
    start = time.monotonic()
    report = verify_pdf(STRUCTURES[name](issued.seal_text.encode()), issued.trust, issued.at)
    assert time.monotonic() - start < 5
    no_error(report)
    assert report.verdict is Verdict.INVALID


_NUMBER = re.compile(rb"\d+")


def mutate(pdf: bytes, seed: int, edits: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray(pdf)
    for _ in range(edits):
        text = bytes(out)
        i = rng.randrange(len(out))
        op = rng.randrange(9)
        if op == 0:
            out[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            del out[rng.randrange(len(out)) :]
        elif op == 2:
            out[i:i] = rng.randbytes(rng.randrange(1, 32))
        elif op == 3:  # /Length lies
            lengths = list(re.finditer(rb"/Length (\d+)", text))
            if lengths:
                m = rng.choice(lengths)
                out[m.start(1) : m.end(1)] = rng.choice((b"0", b"99999999999", b"-5", b"1 0 R"))
        elif op == 4:  # references rewired (self references, missing objects)
            refs = list(re.finditer(rb"(\d+) 0 R", text))
            if refs:
                m = rng.choice(refs)
                target = rng.choice((0, 1, 99999, rng.randrange(60)))
                out[m.start(1) : m.end(1)] = str(target).encode()
        elif op == 5:  # deep nesting
            depth = rng.choice((100, 2000, 20000))
            out[i:i] = b"[" * depth + b"]" * depth
        elif op == 6:  # /Prev pointing at the last xref: a loop
            prev = list(re.finditer(rb"/Prev (\d+)", text))
            start = list(re.finditer(rb"startxref\s+(\d+)", text))
            if prev and start:
                m = rng.choice(prev)
                out[m.start(1) : m.end(1)] = start[-1].group(1)
        elif op == 7:  # an incremental update with garbage
            end = len(out) + 40
            out += rng.randbytes(40) + (
                b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev %d /Root 1 0 R >>"
                b"\nstartxref\n%d\n%%%%EOF\n" % (rng.choice((0, end, len(out))), end)
            )
        else:
            numbers = list(_NUMBER.finditer(text[:4000]))
            if numbers:
                m = rng.choice(numbers)
                out[m.start() : m.end()] = rng.choice((b"0", b"4294967296", b"1e308", b"-1"))
    return bytes(out)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(st.integers(0, 2**32), st.integers(1, 4))
def test_mutated_legalization_never_crashes(issued: Issued, seed: int, edits: int) -> None:
    start = time.monotonic()
    report = verify_pdf(mutate(issued.pdf, seed, edits), issued.trust, issued.at)
    no_error(report)
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("command", ["pdf", "seal"])
def test_cli_reads_an_endless_file_only_up_to_the_limit(
    command: str,
    dev_pki,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    # found: `verifier pdf /dev/zero` read until memory ran out
    zero = Path("/dev/zero")
    if not zero.exists():
        pytest.skip("no /dev/zero")
    source = [zero] if command == "pdf" else ["--file", zero]
    start = time.monotonic()
    status = cli.main([command, *map(str, source), "--trust-store", str(dev_pki.trust_dir)])
    assert time.monotonic() - start < 10
    assert status == 1
    assert "INVALID" in capsys.readouterr().out
