"""Document-level entries of our PDFs: the PDF/A-2b claim and the verifier's catalog keys.

PDF/A-2b (ISO 19005-2, level B) needs: XMP metadata declaring ``pdfaid:part=2`` and
``pdfaid:conformance=B`` and matching the document information dictionary; an output intent
with an ICC profile (sRGB, made by Little CMS through Pillow, 588 bytes); all fonts embedded
(``fonts.py`` only registers embeddable TrueType fonts; the canvas's initial font is ours, so
no base-14 font is referenced). We *claim* conformance; nothing here runs a validator.

Catalog keys our verifier reads (contract, docs/documents.md):

- ``/LegalizeSeal`` — a direct string: the QR text of the document's seal;
- ``/LegalizeUnderlying`` — legalizations only: a stream (FlateDecode) whose decoded data
  are the exact bytes of the sanitized underlying PDF whose SHA-256 the seal carries.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from PIL import ImageCms
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFCatalog,
    PDFDictionary,
    PDFName,
    PDFStream,
    PDFString,
)
from reportlab.pdfgen.canvas import Canvas

PRODUCER = "legalize (reportlab)"
SEAL_KEY = "LegalizeSeal"
UNDERLYING_KEY = "LegalizeUnderlying"


@dataclass(frozen=True)
class DocumentInfo:
    """What the document information dictionary and the XMP metadata say."""

    title: str
    """Includes the document number, e.g. ``Temporary travel document T00012345``."""
    author: str
    """The issuing authority or post."""
    subject: str
    keywords: str
    created: datetime
    """Time of rendering (timezone-aware, UTC)."""


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (Little CMS's built-in, via Pillow)."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    data: bytes = profile.tobytes()
    return data


def _pdf_date(at: datetime) -> str:
    return at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def xmp_packet(info: DocumentInfo) -> bytes:
    when = info.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    title, author = escape(info.title), escape(info.author)
    subject, keywords = escape(info.subject), escape(info.keywords)
    xml = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt>
    <rdf:li xml:lang="x-default">{subject}</rdf:li>
   </rdf:Alt></dc:description>
   <pdf:Keywords>{keywords}</pdf:Keywords>
   <pdf:Producer>{PRODUCER}</pdf:Producer>
   <xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:ModifyDate>{when}</xmp:ModifyDate>
   <xmp:MetadataDate>{when}</xmp:MetadataDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return xml.encode("utf-8")


def apply(
    canvas: Canvas,
    info: DocumentInfo,
    seal_text: str,
    underlying_pdf: bytes | None = None,
) -> None:
    """Set the information dictionary, XMP metadata, sRGB output intent and our catalog keys
    on a reportlab canvas before ``save()``."""
    canvas.setTitle(info.title)
    canvas.setAuthor(info.author)
    canvas.setSubject(info.subject)
    canvas.setKeywords(info.keywords)
    canvas.setCreator(PRODUCER)
    canvas.setProducer(PRODUCER)
    doc = canvas._doc
    date = _pdf_date(info.created)
    doc.info._dateFormatter = lambda *_: date

    metadata = PDFStream(
        PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
        xmp_packet(info),
        [],  # uncompressed, so any tool can find the packet
    )
    icc = srgb_profile()
    profile = PDFStream(PDFDictionary({"N": 3}), icc, None)
    intent = PDFDictionary(
        {
            "Type": PDFName("OutputIntent"),
            "S": PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": PDFString("sRGB IEC61966-2.1"),
            "Info": PDFString("sRGB IEC61966-2.1"),
            "DestOutputProfile": doc.Reference(profile),
        }
    )
    catalog = doc.Catalog
    extra_direct = ["OutputIntents", SEAL_KEY]
    extra_refs = ["Metadata"]
    catalog.Metadata = metadata
    catalog.OutputIntents = PDFArray([intent])
    setattr(catalog, SEAL_KEY, PDFString(seal_text))
    if underlying_pdf is not None:
        # Flate-compressed: no raw "%%EOF" of the inner file shows in ours; the decoded
        # stream is byte-for-byte the sanitized underlying PDF the seal's hash covers.
        stream = PDFStream(
            PDFDictionary({"Filter": PDFName("FlateDecode")}),
            zlib.compress(underlying_pdf, 6),
            [],
        )
        setattr(catalog, UNDERLYING_KEY, stream)
        extra_refs.append(UNDERLYING_KEY)
    # reportlab's catalog writes only the keys it knows; extend its lists on this instance
    catalog.__NoDefault__ = [*PDFCatalog.__NoDefault__, *extra_direct, *extra_refs]
    catalog.__Refs__ = [*PDFCatalog.__Refs__, *extra_refs]
