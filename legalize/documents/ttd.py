"""The temporary travel document (TTD): one A4 portrait page, rendered unsigned.

What is fixed (security background, trilingual headings and labels, notes, the MRZ clear zone,
the four ArUco markers) is drawn once per process into cached form XObjects. Per document
only the holder's data, the photo and its ghost image, the per-document rosette, the QR and
the MRZ are drawn — a few milliseconds. Positions come from :mod:`layout`.

:func:`render_ttd` returns the PDF bytes, PDF/A-2b claimed, with the seal's QR text under
the catalog key ``/LegalizeSeal``. Signing (PAdES) happens afterwards, elsewhere.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from reportlab.pdfgen.canvas import Canvas

from legalize import countries
from legalize.imaging.decode import ImageInputError
from legalize.imaging.photo import (
    GHOST_PIXELS,
    PHOTO_PIXELS,
    RgbImage,
    ghost_jpeg,
    photo_for_print,
    photo_jpeg,
)

from . import guilloche, layout, mrz, pdfa, qr
from .background import FRAME_COLOUR, security_background
from .cidtext import CidTextBuilder, Run
from .drawing import CachedForm, draw_jpeg, polyline_ops, rect_ops, rgb
from .errors import DocumentError, PhotoError
from .fonts import SUBSET_LOCK, register
from .layout import MM, PAGE_HEIGHT, PAGE_WIDTH, Rect
from .markers import markers_ops
from .style import INK, LABEL_INK, NUMBER_INK, Fonts, fill, fonts, state_header, y_pt

DOCUMENT_CODE = "PE"
"""MRZ document code: ``P`` (passport-type TD3) and ``E`` (emergency / temporary)."""
MONTHS = layout.MONTHS
NATIONALITIES = layout.NATIONALITIES

REPERTOIRE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:'’()/-&#" + "".join(
    chr(c) for c in range(0xC0, 0x17F) if chr(c).isupper() and chr(c).isalpha()
)
"""Characters the per-document values may use (upper-case Latin with diacritics)."""
MRZ_REPERTOIRE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"


@dataclass(frozen=True)
class TtdData:
    """The holder and document data printed on a TTD (and signed in its seal)."""

    document_number: str
    """Up to 9 characters A-Z 0-9, unique, never reused."""
    surname: str
    """Latin script, as in the MRZ source (diacritics allowed)."""
    given_names: str
    birth_date: date
    place_of_birth: str
    sex: str
    """``F``, ``M`` or ``X``."""
    nationality: str
    """ICAO three-letter code, normally ``LKA``."""
    issue_date: date
    expiry_date: date
    issuing_post: str
    """E.g. ``EMBASSY OF SRI LANKA, ROME``."""
    check_code: str
    """The typable code for the web check, printed as given."""
    issuing_state: str = "LKA"
    personal_number: str = ""
    """National identity card number, if known: the MRZ's optional data (≤ 14 characters)."""

    def mrz_fields(self) -> mrz.MrzFields:
        return mrz.MrzFields(
            document_code=DOCUMENT_CODE,
            issuing_state=self.issuing_state,
            surname=self.surname,
            given_names=self.given_names,
            document_number=self.document_number,
            nationality=countries.mrz_code(self.nationality),  # Germany: D<<
            birth_date=self.birth_date,
            sex=self.sex,
            expiry_date=self.expiry_date,
            optional_data=self.personal_number,
        )

    def mrz_lines(self) -> tuple[str, str]:
        """The TD3 MRZ printed on the page."""
        return mrz.td3(self.mrz_fields())


format_date = layout.format_date


LABELS: dict[str, tuple[str, str, str]] = {
    "surname": ("වාසගම", "குடும்பப் பெயர்", "Surname"),
    "given_names": ("නම්", "பெயர்கள்", "Given names"),
    "nationality": ("ජාතිකත්වය", "தேசிய இனம்", "Nationality"),
    "sex": ("ස්ත්‍රී/පුරුෂ භාවය", "பால்", "Sex"),
    "birth_date": ("උපන් දිනය", "பிறந்த திகதி", "Date of birth"),
    "place_of_birth": ("උපන් ස්ථානය", "பிறந்த இடம்", "Place of birth"),
    "document_number": ("ලේඛන අංකය", "ஆவண இலக்கம்", "Document No."),
    "issuing_state": ("නිකුත් කළ රාජ්‍යය", "வழங்கிய நாடு", "Issuing state"),
    "issue_date": ("නිකුත් කළ දිනය", "வழங்கிய திகதி", "Date of issue"),
    "expiry_date": ("කල් ඉකුත් වන දිනය", "காலாவதித் திகதி", "Date of expiry"),
    "issuing_post": ("නිකුත් කළ කාර්යාලය", "வழங்கிய அலுவலகம்", "Issuing post"),
    "check_code": ("සත්‍යාපන කේතය", "சரிபார்ப்புக் குறியீடு", "Check code (web check)"),
}

NOTES = (
    "This document is issued under a readmission agreement to a national of Sri Lanka for one "
    "journey to Sri Lanka only.",
    "It ceases to be valid when the holder arrives in Sri Lanka or on the date of expiry, "
    "whichever comes first.",
    "To verify it, scan the QR code with a phone camera, or enter the document number and the "
    "check code on the web check.",
    "The QR code carries an ICAO visible digital seal signed by the issuing post; it shows the "
    "holder's data and photograph.",
    "Any alteration, erasure or addition renders this document void.",
)


_y = y_pt
_fill = fill
_Fonts = Fonts
_fonts = fonts


def _trilingual_label(text: CidTextBuilder, f: _Fonts, key: str, rect: Rect) -> str:
    si, ta, en = LABELS[key]
    english = text.line([(en, f.en_b, 6.0)], rect.x * MM, _y(rect.y + 2.2))
    others: list[Run] = [(si, f.si, 5.4), ("/", f.en, 5.4), (ta, f.ta, 5.0)]
    local = text.line(others, rect.x * MM, _y(rect.y + 4.6), gap=1.2)
    return _fill(english + "\n" + local, LABEL_INK)


@dataclass(frozen=True)
class Template:
    """The cached fixed content of the TTD page and the fonts of its per-document text."""

    form: CachedForm
    text: CidTextBuilder
    fonts: _Fonts
    mrz_size: float
    """OCR-B size giving the ICAO pitch of 2.54 mm per character."""


@functools.cache
def template() -> Template:
    """Everything fixed on the TTD page except the security background (built once)."""
    f = _fonts()
    centre = PAGE_WIDTH / 2 * MM
    text = CidTextBuilder("LzTtd")
    parts = ["q"]
    parts += state_header(text, "TEMPORARY TRAVEL DOCUMENT", "තාවකාලික ගමන් ලේඛනය", "தற்காலிகப் பயண ஆவணம்")

    for key, (row, column) in layout.TTD_FIELDS.items():
        parts.append(_trilingual_label(text, f, key, layout.ttd_field(row, column)))

    # white grounds: photo, MRZ clear zone; a frame round the photo
    parts.append(f"1 1 1 rg {rect_ops(layout.TTD_PHOTO)} f")
    parts.append(f"1 1 1 rg {rect_ops(layout.TTD_MRZ)} f")
    frame = rect_ops(layout.TTD_PHOTO.grown(0.6))
    parts.append(f"{rgb(FRAME_COLOUR, stroke=True)} 0.6 w {frame} S")
    qr_caption = text.line(
        [("Digital seal — scan to verify", f.en, 6.0)],
        layout.TTD_QR.centre[0] * MM,
        _y(layout.TTD_QR.y + layout.TTD_QR.h + 3.0),
        "centre",
    )
    parts.append(_fill(qr_caption, LABEL_INK))

    v = layout.TTD_VALIDITY
    parts.append(f"{rgb(FRAME_COLOUR, stroke=True)} 0.9 w {rect_ops(v)} S")
    ops = text.line(
        [("VALID FOR A SINGLE JOURNEY TO SRI LANKA", f.en_b, 12.0)],
        centre,
        _y(v.y + 7.5),
        "centre",
    )
    parts.append(_fill(ops, FRAME_COLOUR))
    ops = text.line(
        [
            ("ශ්‍රී ලංකාවට එක් ගමනක් සඳහා පමණක් වලංගු වේ", f.si, 8.0),
            ("•", f.en, 8.0),
            ("இலங்கைக்கான ஒரு பயணத்திற்கு மட்டுமே செல்லுபடியாகும்", f.ta, 7.3),
        ],
        centre,
        _y(v.y + 14.5),
        "centre",
        gap=4.0,
    )
    parts.append(_fill(ops, FRAME_COLOUR))

    n = layout.TTD_NOTES
    for i, note in enumerate(NOTES):
        ops = text.line([(note, f.en, 7.2)], n.x * MM, _y(n.y + 4.0 + i * 4.2))
        parts.append(_fill(ops, INK))

    sig_y = n.y + n.h - 1.0
    parts.append(
        f"{rgb(LABEL_INK, stroke=True)} 0.5 w {n.x * MM:.2f} {_y(sig_y):.2f} m "
        f"{(n.x + 70) * MM:.2f} {_y(sig_y):.2f} l S"
    )
    ops = text.line(
        [
            ("Signature of holder", f.en_b, 6.0),
            ("දරන්නාගේ අත්සන", f.si, 5.4),
            ("வைத்திருப்பவரின் கையொப்பம்", f.ta, 5.0),
        ],
        n.x * MM,
        _y(sig_y + 3.0),
        gap=3.0,
    )
    parts.append(_fill(ops, LABEL_INK))
    ops = text.line(
        [("Sealed and signed electronically by the issuing post", f.en, 6.5)],
        (n.x + n.w) * MM,
        _y(sig_y + 3.0),
        "right",
    )
    parts.append(_fill(ops, LABEL_INK))
    parts.append(markers_ops(layout.TTD_MARKERS))
    parts.append("Q")

    text.include(REPERTOIRE, f.en_b)
    text.include(MRZ_REPERTOIRE, f.ocrb)
    mrz_size = layout.MRZ_CHAR_PITCH * MM / text.width("<", f.ocrb, 1.0)
    form = CachedForm(
        "LzTemplateTtd",
        "\n".join(parts),
        (0.0, 0.0, PAGE_WIDTH * MM, PAGE_HEIGHT * MM),
        fonts=text.fonts(),
    )
    return Template(form, text, f, mrz_size)


MIN_VALUE_SIZE = layout.VALUE_MIN_SIZE
"""Smallest font size a long value is shrunk to; longer values are refused."""


def _fitting_size(text: CidTextBuilder, f: Fonts, value: str, width_mm: float) -> float:
    """:data:`layout.TTD_VALUE_SIZE`, or smaller so that ``value`` fits ``width_mm``."""
    natural = text.width(value, f.en_b, layout.TTD_VALUE_SIZE)
    size = layout.fitted_size(natural, layout.TTD_VALUE_SIZE, width_mm)
    if size < MIN_VALUE_SIZE:
        raise DocumentError(f"{value!r} is too long for its field ({width_mm:.0f} mm)")
    return size


def _photo(photo: bytes | RgbImage) -> RgbImage:
    if isinstance(photo, np.ndarray):
        if photo.dtype != np.uint8 or photo.ndim != 3 or photo.shape[2] != 3:
            raise DocumentError("a photo array must be the (h, w, 3) uint8 of photo_for_print")
        return photo
    return print_pixels(photo)


def print_pixels(photo: bytes) -> RgbImage:
    """The holder photo as printed and hashed (:func:`legalize.imaging.photo.photo_for_print`);
    a picture that cannot be used raises :class:`PhotoError`."""
    try:
        return photo_for_print(photo)
    except ImageInputError as exc:
        raise PhotoError(f"the photo cannot be used ({exc.code}): {exc.message}") from exc


def _values(data: TtdData) -> dict[str, str]:
    return {
        "surname": data.surname.upper(),
        "given_names": data.given_names.upper(),
        "nationality": layout.printed_nationality(data.nationality),
        "sex": data.sex.upper(),
        "birth_date": format_date(data.birth_date),
        "place_of_birth": data.place_of_birth.upper(),
        "document_number": data.document_number,
        "issuing_state": data.issuing_state,
        "issue_date": format_date(data.issue_date),
        "expiry_date": format_date(data.expiry_date),
        "issuing_post": data.issuing_post.upper(),
        "check_code": data.check_code,
    }


def document_info(data: TtdData, at: datetime) -> pdfa.DocumentInfo:
    return pdfa.DocumentInfo(
        title=f"Temporary travel document {data.document_number}",
        author=data.issuing_post,
        subject="Temporary travel document, single journey to Sri Lanka",
        keywords=f"TTD {data.document_number}",
        created=at,
    )


def render_ttd(data: TtdData, qr_text: str, photo: bytes | RgbImage, at: datetime) -> bytes:
    """Render the unsigned TTD PDF.

    ``photo`` is the uploaded JPEG/PNG, or the array :func:`photo_for_print` returned (pass
    the array when the caller has already hashed it, to normalise once). ``qr_text`` is the
    seal's QR text (alphanumeric). ``at`` is the rendering time (UTC), written to the
    metadata. Raises :class:`DocumentError` (or a subclass) for data that cannot be printed.
    """
    if at.tzinfo is None:
        raise DocumentError("at must be timezone-aware")
    fonts = register()
    lines = data.mrz_lines()
    symbol = qr.encode(qr_text)
    pixels = _photo(photo)
    tpl = template()
    text, f = tpl.text, tpl.fonts

    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(PAGE_WIDTH * MM, PAGE_HEIGHT * MM),
        initialFontName=fonts.sans,
        pageCompression=1,
        pdfVersion=(1, 7),  # ActualText (1.5), PDF/A-2 is based on PDF 1.7
    )
    text.attach(canvas)
    canvas.doForm(security_background("ttd").attach(canvas))
    canvas.doForm(tpl.form.attach(canvas))
    draw_jpeg(canvas, "LzPhoto", photo_jpeg(pixels), PHOTO_PIXELS, layout.TTD_PHOTO)
    draw_jpeg(canvas, "LzGhost", ghost_jpeg(pixels), GHOST_PIXELS, layout.TTD_GHOST)

    code = canvas._code
    code.append(rgb(INK))
    for key, value in _values(data).items():
        row, column = layout.TTD_FIELDS[key]
        rect = layout.ttd_field(row, column)
        size = _fitting_size(text, f, value, layout.ttd_field_width(key))
        code.append(
            text.line([(value, f.en_b, size)], rect.x * MM, _y(rect.y + layout.TTD_VALUE_OFFSET))
        )
    # the document number, large and red, right of the title line
    code.append(rgb(NUMBER_INK))
    code.append(
        text.line(
            [(data.document_number, f.en_b, layout.NUMBER_SIZE)],
            layout.NUMBER_RIGHT * MM,
            _y(layout.NUMBER_BASELINE),
            "right",
        )
    )

    r = layout.TTD_ROSETTE
    strands = guilloche.document_rosette(data.document_number, r.centre, r.w / 2)
    rosette_ops = "\n".join(polyline_ops(s, decimals=2) for s in strands)
    code.append(f"q {rgb(FRAME_COLOUR, stroke=True)} 0.3 w 1 j\n{rosette_ops}\nS Q")

    code.append(qr.qr_ops(symbol, layout.TTD_QR))

    code.append("0 0 0 rg")
    for i, line in enumerate(lines):
        baseline = layout.TTD_MRZ_FIRST_BASELINE + i * layout.TTD_MRZ_LINE_PITCH
        code.append(
            text.line([(line, f.ocrb, tpl.mrz_size)], layout.TTD_MRZ_LEFT * MM, _y(baseline))
        )

    pdfa.apply(canvas, document_info(data, at), qr_text)
    canvas.showPage()
    with SUBSET_LOCK:  # reportlab's font subsetting is not thread-safe
        canvas.save()
    return buffer.getvalue()
