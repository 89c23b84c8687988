"""The legalized document: a certificate page in the Apostille layout, then the underlying
document's sanitized pages.

The certificate follows the ten numbered items of the Apostille model certificate (Hague
Convention of 5 October 1961, annex): 1 country, 2 has been signed by, 3 acting in the
capacity of, 4 bears the seal/stamp of, then "Certified" 5 at, 6 the, 7 by, 8 No., 9 seal
(here the QR seal), 10 signature (here the PAdES certification signature), with English,
Sinhala and Tamil headings. Fixed wording is cached once per process (:mod:`cidtext`); the
values are set per document with fonts subset per document, so they may be in any of the
three scripts.

The final PDF stores the sanitized underlying PDF's exact bytes in the stream under the
catalog key ``/LegalizeUnderlying`` and the seal's QR text under ``/LegalizeSeal``
(docs/documents.md). Assembly: reportlab draws the certificate page, pikepdf appends the
underlying pages (before signing; nothing may rewrite the file after it is signed).
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date, datetime

import pikepdf
from reportlab.pdfgen.canvas import Canvas

from . import guilloche, layout, pdfa, qr
from .background import FRAME_COLOUR, security_background
from .cidtext import CidTextBuilder, Run
from .drawing import CachedForm, polyline_ops, rect_ops, rgb
from .errors import DocumentError
from .fonts import SUBSET_LOCK, register
from .layout import MM, PAGE_WIDTH
from .markers import markers_ops
from .sanitize import SanitizedDocument
from .style import INK, LABEL_INK, NUMBER_INK, fill, fonts, script_runs, state_header, y_pt


@dataclass(frozen=True)
class LegalizationData:
    """What the legalization certifies (the Apostille items) and how to check it."""

    number: str
    """Item 8: the legalization number, unique, never reused."""
    country: str
    """Item 1: the country whose public document it is, e.g. ``Democratic Socialist
    Republic of Sri Lanka``."""
    signed_by: str
    """Item 2: the signer of the underlying document (any of the three scripts)."""
    capacity: str
    """Item 3: the signer's capacity, e.g. ``Registrar of Births, Colombo``."""
    seal_of: str
    """Item 4: the authority whose seal or stamp the document bears."""
    place: str
    """Item 5: where the legalization was certified, e.g. ``Colombo``."""
    date: date
    """Item 6."""
    certified_by: str
    """Item 7: the certifying authority or officer."""
    check_code: str
    """Typable code for the web check."""
    document_title: str = ""
    """A short description of the underlying document, e.g. ``Birth certificate No. 1234``."""


ITEMS: dict[str, tuple[str, str, str, str]] = {
    # key: (number, English, Sinhala, Tamil)
    "country": ("1", "Country", "රට", "நாடு"),
    "signed_by": ("2", "has been signed by", "අත්සන් කළේ", "கையொப்பமிட்டவர்"),
    "capacity": ("3", "acting in the capacity of", "ධුරය", "பதவி நிலை"),
    "seal_of": ("4", "bears the seal/stamp of", "මුද්‍රාව", "முத்திரை"),
    "place": ("5", "at", "ස්ථානය", "இடம்"),
    "date": ("6", "the", "දිනය", "திகதி"),
    "certified_by": ("7", "by", "විසින්", "மூலம்"),
    "number": ("8", "No.", "අංකය", "இலக்கம்"),
    "seal": ("9", "Seal / stamp", "මුද්‍රාව", "முத்திரை"),
    "signature": ("10", "Signature", "අත්සන", "கையொப்பம்"),
}

# Positions and sizes live in layout (the image verifier reads them too).
POSITIONS = layout.LEGAL_POSITIONS
VALUE_OFFSET = layout.LEGAL_VALUE_OFFSET
VALUE_WIDTHS = layout.LEGAL_VALUE_WIDTHS
CERTIFIED_Y = layout.LEGAL_CERTIFIED_Y
DOCUMENT_Y = layout.LEGAL_DOCUMENT_Y
NOTE_Y = layout.LEGAL_NOTE_Y


def _item_label(text: CidTextBuilder, key: str) -> str:
    f = fonts()
    number, en, si, ta = ITEMS[key]
    x, y = POSITIONS[key]
    runs: list[Run] = [
        (f"{number}.", f.en_b, 8.0),
        (en, f.en_b, 7.0),
        (si, f.si, 6.4),
        (ta, f.ta, 6.0),
    ]
    return fill(text.line(runs, x * MM, y_pt(y + 2.5), gap=2.2), LABEL_INK)


@functools.cache
def template() -> CachedForm:
    """Everything fixed on the certificate page except the security background."""
    f = fonts()
    text = CidTextBuilder("LzLeg")
    parts = ["q"]
    parts += state_header(
        text, "CERTIFICATE OF LEGALIZATION", "නීතිගත කිරීමේ සහතිකය", "சட்டபூர்வமாக்கல் சான்றிதழ்"
    )

    intro: list[Run] = [
        ("This public document", f.en_b, 10.0),
        ("මෙම රාජ්‍ය ලේඛනය", f.si_b, 9.0),
        ("இந்தப் பொது ஆவணம்", f.ta_b, 8.4),
    ]
    parts.append(fill(text.line(intro, 22.0 * MM, y_pt(66.0), gap=6.0), INK))
    for key in ITEMS:
        parts.append(_item_label(text, key))
    certified: list[Run] = [
        ("Certified", f.en_b, 10.0),
        ("සහතික කරන ලදී", f.si_b, 9.0),
        ("சான்றளிக்கப்பட்டது", f.ta_b, 8.4),
    ]
    parts.append(fill(text.line(certified, 22.0 * MM, y_pt(CERTIFIED_Y), gap=6.0), INK))
    # rules between the item rows, as on the model certificate
    rules = []
    for y in (88.0, 104.0, 120.0, 136.0, 170.0, 186.0, 202.0):
        rules.append(f"{20 * MM:.2f} {y_pt(y):.2f} m {190 * MM:.2f} {y_pt(y):.2f} l")
    parts.append(f"{rgb(LABEL_INK, stroke=True)} 0.3 w\n" + "\n".join(rules) + "\nS")
    parts.append(f"1 1 1 rg {rect_ops(layout.LEGAL_QR)} f")

    notes = (
        "This certificate confirms only the authenticity of the signature, the capacity in which "
        "the signer acted and the identity of the seal or stamp",
        "which the public document bears. It does not certify the content of the document. "
        "The document follows this page, as submitted and sanitized.",
        "Verify: scan the QR code, or enter the number and the check code on the web check; "
        "the seal carries the SHA-256 of the attached document.",
    )
    for i, note in enumerate(notes):
        parts.append(fill(text.line([(note, f.en, 6.6)], 22.0 * MM, y_pt(NOTE_Y + i * 3.6)), INK))
    parts.append(markers_ops(layout.LEGALIZATION_MARKERS))
    parts.append("Q")
    return CachedForm(
        "LzTemplateLegalization",
        "\n".join(parts),
        (0.0, 0.0, PAGE_WIDTH * MM, layout.PAGE_HEIGHT * MM),
        fonts=text.fonts(),
    )


LATIN = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "".join(chr(c) for c in range(0xC0, 0x17F) if chr(c).isalpha())
    + "’‘“”–—•"
)


@functools.cache
def shared_latin_fonts() -> CidTextBuilder:
    """Fonts for Latin values, subset once per process (most legalizations need no other)."""
    f = fonts()
    builder = CidTextBuilder("LzLat")
    for font in (f.en, f.en_b):
        builder.include(LATIN, font)
    builder.fonts()
    return builder


class _Values:
    """Sets value lines with the shared Latin fonts, or with fonts subset for this document
    when a value needs glyphs the shared subsets lack (Sinhala, Tamil, rare letters)."""

    def __init__(self) -> None:
        self.shared = shared_latin_fonts()
        self.own: CidTextBuilder | None = None

    def line(
        self, runs: list[Run], x: float, y: float, align: str = "left", gap: float = 0.0
    ) -> str:
        try:
            return self.shared.line(runs, x, y, align, gap)
        except DocumentError:
            if self.own is None:
                self.own = CidTextBuilder("LzVal")
            return self.own.line(runs, x, y, align, gap)

    def width(self, runs: list[Run]) -> float:
        try:
            return sum(self.shared.width(t, font, size) for t, font, size in runs)
        except DocumentError:
            if self.own is None:
                self.own = CidTextBuilder("LzVal")
            return sum(self.own.width(t, font, size) for t, font, size in runs)

    def fitted(
        self, runs: list[Run], width_mm: float, minimum: float = layout.VALUE_MIN_SIZE
    ) -> list[Run]:
        """``runs`` scaled down to fit ``width_mm`` (never below ``minimum`` points)."""
        natural = self.width(runs)
        if natural <= width_mm * MM:
            return runs
        factor = width_mm * MM / natural
        if min(size for _, _, size in runs) * factor < minimum:
            text = "".join(t for t, _, _ in runs)
            raise DocumentError(f"{text!r} is too long for its place ({width_mm:.0f} mm)")
        return [(t, font, size * factor) for t, font, size in runs]

    def attach(self, canvas: Canvas) -> None:
        self.shared.attach(canvas)
        if self.own is not None:
            self.own.attach(canvas)


_format_date = layout.format_date


def document_info(data: LegalizationData, at: datetime) -> pdfa.DocumentInfo:
    return pdfa.DocumentInfo(
        title=f"Legalization {data.number}",
        author=data.certified_by,
        subject="Certificate of legalization (Apostille layout) and the legalized document",
        keywords=f"legalization {data.number}",
        created=at,
    )


def render_certificate(
    data: LegalizationData, qr_text: str, underlying: SanitizedDocument, at: datetime
) -> bytes:
    """The one-page certificate, with the catalog entries (see :func:`render_legalization`)."""
    if at.tzinfo is None:
        raise DocumentError("at must be timezone-aware")
    register()
    symbol = qr.encode(qr_text)
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(PAGE_WIDTH * MM, layout.PAGE_HEIGHT * MM),
        initialFontName=register().sans,
        pageCompression=1,
        pdfVersion=(1, 7),  # ActualText (1.5), PDF/A-2 is based on PDF 1.7
    )
    canvas.doForm(security_background("legalization").attach(canvas))
    canvas.doForm(template().attach(canvas))

    values = _Values()
    code = [rgb(INK)]
    entries = {
        "country": data.country,
        "signed_by": data.signed_by,
        "capacity": data.capacity,
        "seal_of": data.seal_of,
        "place": data.place,
        "date": _format_date(data.date),
        "certified_by": data.certified_by,
        "number": data.number,
    }
    for key, value in entries.items():
        x, y = POSITIONS[key]
        if not value.strip():
            raise DocumentError(f"item {ITEMS[key][0]} ({ITEMS[key][1]}) is empty")
        runs = values.fitted(
            script_runs(value, layout.LEGAL_VALUE_SIZE, bold=True), VALUE_WIDTHS[key]
        )
        code.append(values.line(runs, x * MM, y_pt(y + VALUE_OFFSET)))
    f = fonts()
    described = data.document_title or "Attached document"
    pages = f"{underlying.pages} page" + ("s" if underlying.pages != 1 else "")
    form = ", rendered as images" if underlying.rasterized else ""
    title = values.fitted(script_runs(f"{described} ({pages}{form})", 8.0), 72.0, minimum=5.0)
    code.append(
        values.line(
            [*title, ("SHA-256", f.en_b, 7.0)],
            22.0 * MM,
            y_pt(DOCUMENT_Y + 2.5),
            gap=3.0,
        )
    )
    digest = underlying.sha256
    code.append(
        values.line([(digest[:32], f.en, 6.8)], 22.0 * MM, y_pt(DOCUMENT_Y + 6.5))
        + "\n"
        + values.line([(digest[32:], f.en, 6.8)], 22.0 * MM, y_pt(DOCUMENT_Y + 10.0))
    )
    signature = ("Signed electronically: PAdES certification", "signature of the document signer")
    sx, sy = POSITIONS["signature"]
    for i, line in enumerate(signature):
        baseline = sy + VALUE_OFFSET + i * layout.LEGAL_SIGNATURE_PITCH
        code.append(
            values.line([(line, f.en, layout.LEGAL_SIGNATURE_SIZE)], sx * MM, y_pt(baseline))
        )
    check_line = (f"Check code: {data.check_code}", f.en_b, layout.LEGAL_CHECK_CODE_SIZE)
    code.append(values.line([check_line], sx * MM, y_pt(sy + layout.LEGAL_CHECK_CODE_OFFSET)))
    code.append(rgb(NUMBER_INK))
    code.append(
        values.line(
            [(data.number, f.en_b, layout.NUMBER_SIZE)],
            layout.NUMBER_RIGHT * MM,
            y_pt(layout.NUMBER_BASELINE),
            "right",
        )
    )
    canvas._code.extend(code)
    values.attach(canvas)

    r = layout.LEGAL_ROSETTE
    strands = guilloche.document_rosette(data.number, r.centre, r.w / 2)
    rosette = "\n".join(polyline_ops(s, decimals=2) for s in strands)
    canvas._code.append(f"q {rgb(FRAME_COLOUR, stroke=True)} 0.3 w 1 j\n{rosette}\nS Q")
    canvas._code.append(qr.qr_ops(symbol, layout.LEGAL_QR))

    pdfa.apply(canvas, document_info(data, at), qr_text, underlying.pdf)
    canvas.showPage()
    with SUBSET_LOCK:  # reportlab's font subsetting is not thread-safe
        canvas.save()
    return buffer.getvalue()


def render_legalization(
    data: LegalizationData, qr_text: str, underlying: SanitizedDocument, at: datetime
) -> bytes:
    """Render the unsigned legalization PDF: certificate page + the underlying pages.

    The catalog holds ``/LegalizeSeal`` (the QR text) and ``/LegalizeUnderlying`` (a stream
    whose decoded bytes are ``underlying.pdf``, whose SHA-256 the seal carries).
    """
    certificate = render_certificate(data, qr_text, underlying, at)
    with (
        pikepdf.open(io.BytesIO(certificate)) as out,
        pikepdf.open(io.BytesIO(underlying.pdf)) as attached,
    ):
        out.pages.extend(attached.pages)
        if not _fonts_embedded(attached):
            # the PDF/A claim would be false: a font of the underlying document is not embedded
            _drop_pdfa_claim(out)
        buffer = io.BytesIO()
        out.save(
            buffer,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
            deterministic_id=True,
            min_version="1.7",
        )
    return buffer.getvalue()


def _fonts_embedded(pdf: pikepdf.Pdf) -> bool:
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != pikepdf.Name.Font:
            continue
        if obj.get("/Subtype") in (pikepdf.Name.Type0, pikepdf.Name.Type3):
            continue  # Type0: its descendant is checked; Type3: glyphs are in the file
        descriptor = obj.get("/FontDescriptor")
        if descriptor is None or not any(
            k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
        ):
            return False
    return True


def _drop_pdfa_claim(pdf: pikepdf.Pdf) -> None:
    meta = pdf.Root.Metadata
    xml = meta.read_bytes()
    for tag in (b"<pdfaid:part>2</pdfaid:part>", b"<pdfaid:conformance>B</pdfaid:conformance>"):
        xml = xml.replace(tag, b"")
    meta.write(xml)
