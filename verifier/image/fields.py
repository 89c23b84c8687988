"""Printed fields and the MRZ against the signed data (issue 7, step 5).

For every value the seal determines, the signed data says what must be printed and
:mod:`legalize.documents.layout` says where and how (font, size, the fitting rule). Each value
is checked with two independent signals, on one region warped out of the photo so that a
capital is ~30 px high:

* **OCR** — tesseract in-process (:mod:`.ocr`), single-line mode, a whitelist of the field's
  character class (never just the expected characters: that would force the expected read),
  ``sin``/``tam`` models for Sinhala and Tamil values. The read and the signed value are
  normalised (case, spaces, joiners; names in MRZ form — transliterated, ICAO's two-letter
  forms folded — so ``GUNASÉKARA-MÜLLER`` matches the seal's ``GUNASEKARA MUELLER``, and a
  name the MRZ truncated is compared on the MRZ's length) and compared by edit distance.
* **Re-rendering** (:mod:`.textrender`) — the signed value drawn in the same font file at the
  same size and origin, both ink maps blurred alike, aligned by a shift search (± 1 mm,
  ± 0.6 mm vertically) and correlated: per glyph cluster (so one glyph of a long name is not
  averaged away) and as a whole; plus the ink standing where the value must have ended.

:func:`decide` combines them (rule and thresholds there; measured figures in
docs/image-verifier.md): an exact OCR read confirms; a read that differs is a mismatch only
when the pixels agree (a glyph fails, or ink was added beyond the value), or when a confident
read is far off and the pixels do not show the expected value either (a pasted field); a
misread the pixels contradict (T read as 7) is OCR's slip; anything else is
``FIELD_UNREADABLE`` (SKIPPED → INDETERMINATE) with advice on retaking the photo.

The MRZ (:func:`check_mrz`, :mod:`.mrz`) is compared cell by cell against OCR-B templates.

Not bound, so not checked (``NOT_APPLICABLE``): the TTD's place of birth and issuing post and
the legalization's item 7 (certified by) are printed but not in the seal; the legalization's
item 1 is checked only for country codes whose printed name is known (:data:`COUNTRY_NAMES`).
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from legalize.documents import layout
from legalize.documents.layout import Rect
from legalize.documents.mrz import MrzError, birth_date, name_field, transliterate
from legalize.kinds import DocumentType
from legalize.seal import checkcode
from legalize.seal.profiles import field_date
from verifier.codes import Code
from verifier.image import mrz, ocr, textrender
from verifier.image.page import Fix, LocatedPage
from verifier.report import Category, Check, fail, guarded, not_applicable, ok, skipped

CAP_HEIGHT_EM = 0.714
"""Noto Sans capital height (1462/2048 em)."""

NAME_CHARS = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    + "".join(chr(c) for c in range(0xC0, 0x17F) if chr(c).isupper() and chr(c).isalpha())
    + " -'’.,"
)
DATE_CHARS = "0123456789 ABCDEFGJLMNOPRSTUVY"
CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
NATIONALITY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ ()"

COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "LKA": (
        "DEMOCRATIC SOCIALIST REPUBLIC OF SRI LANKA",
        "Democratic Socialist Republic of Sri Lanka",
    ),
}
"""Apostille item 1 as printed for a country code the seal carries (the seal holds only the
code; the staff pages print the upper-case form, older issues the mixed-case one)."""

UNBOUND_TTD = ("place_of_birth", "issuing_post")
UNBOUND_LEGALIZATION = ("certified_by",)
"""Printed but not in the seal: nothing to compare them with."""


@dataclass(frozen=True)
class Spec:
    """One printed value and where and how it was printed."""

    key: str
    expected: tuple[str, ...]
    """The printed text the signed data implies (several when the print's case or form is
    not fixed by the seal: the first is preferred)."""
    x: float
    """Left (or right, see ``align``) end of the baseline, mm."""
    baseline: float
    size_pt: float
    bold: bool
    room: float
    """Width the value may take, mm (a longer print is read up to here)."""
    above: float
    """Region above the baseline, mm."""
    below: float
    whitelist: str | None
    kind: str
    """``name``, ``date``, ``code``, ``check_code``, ``char`` or ``text``."""
    align: str = "left"
    mrz_name: str | None = None
    """For names: the seal's MRZ form (``<`` as spaces); the print may carry diacritics the
    MRZ drops, and the MRZ may be truncated."""
    truncated: bool = False
    """The MRZ (so the seal) holds only the start of this name."""
    name_field: str | None = None
    """For a cut name: the seal's whole MRZ name field (``PRIMARY<<SECONDARY``)."""
    bound: int | None = None
    """Set when ``expected`` was taken from the OCR read of a cut name (which the MRZ's rule
    cuts to the seal's): the pixels are compared with that read."""


# --- what the signed data says is printed --------------------------------------------------


def _names(fields: Mapping[str, object]) -> tuple[str, str, bool, bool, str | None]:
    """Surname and given names in MRZ form (spaces for ``<``) and whether each was cut.

    The printed TD3 MRZ (39-character name field) is preferred to the TD2 one (31). A name
    field that ends in a letter was cut: the given names, or the surname if it fills the
    whole field.
    """
    printed = fields.get("printed_mrz")
    if isinstance(printed, (list, tuple)) and printed and isinstance(printed[0], str):
        field_text = printed[0][5:44]
    else:
        mrz_lines = fields.get("mrz")
        if not (isinstance(mrz_lines, (list, tuple)) and mrz_lines):
            surname = str(fields.get("surname", ""))
            return surname, str(fields.get("given_names", "")), False, False, None
        field_text = str(mrz_lines[0])[5:36]
    cut = not field_text.endswith("<")
    parts = field_text.split("<<", 1)
    surname = parts[0].replace("<", " ").strip()
    given = parts[1].replace("<", " ").strip() if len(parts) > 1 else ""
    return surname, given, cut and len(parts) == 1, cut and len(parts) > 1, field_text


def _cut_name(spec: Spec, read: str) -> tuple[int, list[int], str]:
    """Distance and positions (in the seal's form of the name) between the seal's cut name
    and the read name cut by the MRZ's rule; and the read, upper case."""
    full = " ".join(read.upper().split())
    assert spec.name_field is not None and spec.mrz_name is not None
    primary, _, secondary = spec.name_field.partition("<<")
    try:
        if spec.key == "given_names":
            made = name_field(primary.replace("<", " "), full, len(spec.name_field))
        else:
            made = name_field(full, secondary.replace("<", " "), len(spec.name_field))
    except MrzError:
        made = ""
    part = made.partition("<<")[2] if spec.key == "given_names" else made.partition("<<")[0]
    distance, positions = differences(spec.mrz_name, part.rstrip("<").replace("<", " "))
    return distance, positions, full


def _ttd_value_size(text: str, key: str) -> float:
    runs = textrender.script_runs(text, bold=True)
    natural = textrender.width_pt(runs, layout.TTD_VALUE_SIZE)
    return layout.fitted_size(natural, layout.TTD_VALUE_SIZE, layout.ttd_field_width(key))


def _ttd_spec(
    key: str, expected: Sequence[str], kind: str, whitelist: str | None, **extra: Any
) -> Spec:
    row, column = layout.TTD_FIELDS[key]
    rect = layout.ttd_field(row, column)
    return Spec(
        key=key,
        expected=tuple(expected),
        x=rect.x,
        baseline=rect.y + layout.TTD_VALUE_OFFSET,
        size_pt=_ttd_value_size(expected[0], key) if expected else layout.TTD_VALUE_SIZE,
        bold=True,
        room=layout.ttd_field_width(key),
        above=3.4,
        below=1.2,
        whitelist=whitelist,
        kind=kind,
        **extra,
    )


def _header_number(key: str, number: str) -> Spec:
    return Spec(
        key=key,
        expected=(number,),
        x=layout.NUMBER_RIGHT,
        baseline=layout.NUMBER_BASELINE,
        size_pt=layout.NUMBER_SIZE,
        bold=True,
        room=40.0,
        above=4.3,
        below=1.3,
        whitelist=CODE_CHARS,
        kind="code",
        align="right",
    )


def ttd_specs(fields: Mapping[str, object]) -> list[Spec]:
    """The TTD's bound values (those the seal determines) and where they stand."""
    surname, given, s_cut, g_cut, field_text = _names(fields)
    issued = field_date(fields.get("issue_date"))
    expiry = field_date(fields.get("expiry_date"))
    born = birth_date(fields.get("date_of_birth"), issued)
    number = str(fields.get("document_number", ""))
    specs = [
        _ttd_spec(
            "surname",
            [surname],
            "name",
            NAME_CHARS,
            mrz_name=surname,
            truncated=s_cut,
            name_field=field_text if s_cut else None,
        ),
        _ttd_spec(
            "given_names",
            [given],
            "name",
            NAME_CHARS,
            mrz_name=given,
            truncated=g_cut,
            name_field=field_text if g_cut else None,
        ),
        _ttd_spec(
            "nationality",
            [layout.printed_nationality(str(fields.get("nationality", "")))],
            "text",
            NATIONALITY_CHARS,
        ),
        _ttd_spec("sex", [str(fields.get("sex", "")).replace("<", "X")], "char", "FMX"),
        _ttd_spec("document_number", [number], "code", CODE_CHARS),
        _ttd_spec("issuing_state", [str(fields.get("issuing_country", ""))], "code", CODE_CHARS),
    ]
    if born is not None:
        specs.append(_ttd_spec("birth_date", [layout.format_date(born)], "date", DATE_CHARS))
    if issued is not None:
        specs.append(_ttd_spec("issue_date", [layout.format_date(issued)], "date", DATE_CHARS))
    if expiry is not None:
        specs.append(_ttd_spec("expiry_date", [layout.format_date(expiry)], "date", DATE_CHARS))
    code = fields.get("check_code")
    if isinstance(code, str) and code:
        specs.append(_ttd_spec("check_code", [_grouped(code)], "check_code", CODE_CHARS))
    specs.append(_header_number("document_number.header", number))
    return specs


def _grouped(code: str) -> str:
    try:
        return checkcode.normalize(code)
    except checkcode.CheckCodeError:
        return code


def _legal_spec(key: str, expected: Sequence[str], kind: str, whitelist: str | None) -> Spec:
    x, y = layout.LEGAL_POSITIONS[key]
    runs = textrender.script_runs(expected[0], bold=True)
    size = layout.fitted_size(
        textrender.width_pt(runs, layout.LEGAL_VALUE_SIZE),
        layout.LEGAL_VALUE_SIZE,
        layout.LEGAL_VALUE_WIDTHS[key],
    )
    return Spec(
        key=key,
        expected=tuple(expected),
        x=x,
        baseline=y + layout.LEGAL_VALUE_OFFSET,
        size_pt=size,
        bold=True,
        room=layout.LEGAL_VALUE_WIDTHS[key],
        above=4.6,
        below=1.8,
        whitelist=whitelist,
        kind=kind,
    )


def legalization_specs(fields: Mapping[str, object]) -> list[Spec]:
    number = str(fields.get("number", ""))
    specs = [_legal_spec("number", [number], "code", CODE_CHARS)]
    when = field_date(fields.get("date"))
    if when is not None:
        specs.append(_legal_spec("date", [layout.format_date(when)], "date", DATE_CHARS))
    country = COUNTRY_NAMES.get(str(fields.get("country", "")))
    if country is not None:
        specs.append(_legal_spec("country", country, "text", None))
    for key in ("signed_by", "capacity", "seal_of", "place"):
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            specs.append(_legal_spec(key, [value], "text", None))
    code = fields.get("check_code")
    if isinstance(code, str) and code:
        x, y = layout.LEGAL_POSITIONS["signature"]
        specs.append(
            Spec(
                key="check_code",
                expected=(f"Check code: {_grouped(code)}",),
                x=x,
                baseline=y + layout.LEGAL_CHECK_CODE_OFFSET,
                size_pt=layout.LEGAL_CHECK_CODE_SIZE,
                bold=True,
                room=80.0,
                above=3.8,
                below=1.3,
                whitelist=None,
                kind="check_code",
            )
        )
    specs.append(_header_number("number.header", number))
    return specs


# --- reading and comparing -----------------------------------------------------------------


def _lang(text: str) -> str:
    sinhala = any(0x0D80 <= ord(c) <= 0x0DFF for c in text)
    tamil = any(0x0B80 <= ord(c) <= 0x0BFF for c in text)
    latin = any(c.isascii() and c.isalpha() for c in text)
    langs = (["sin"] if sinhala else []) + (["tam"] if tamil else [])
    if latin or not langs:
        langs.append("eng")
    return "+".join(langs)


def _mm(points: float) -> float:
    return points * textrender.PT_MM


@dataclass(frozen=True)
class Geometry:
    region: Rect
    """What is read and compared, page mm."""
    px_per_mm: float
    origin_px: tuple[float, float]
    margin_px: int
    vertical_margin_px: int


MARGIN_MM = 1.0
"""Shift search, horizontally (± mm); vertically :data:`VERTICAL_MARGIN_MM`."""
VERTICAL_MARGIN_MM = 0.6


COARSE_MARGIN_MM = 3.0
"""The shift search when the page was located without its markers (QR corners or the
sheet's outline: millimetres off), horizontally…"""
COARSE_VERTICAL_MARGIN_MM = 1.5
"""…and vertically."""


def geometry(spec: Spec, text: str, *, coarse: bool = False) -> Geometry:
    """Where ``text`` of ``spec`` is read: the region, its resolution, the baseline origin
    and the shift search (wider when the page fix is ``coarse``)."""
    cap_mm = CAP_HEIGHT_EM * _mm(spec.size_pt)
    ppm = ocr.CAP_HEIGHT_PX / cap_mm
    width = _mm(textrender.width_pt(textrender.script_runs(text, bold=spec.bold), spec.size_pt))
    margin = COARSE_MARGIN_MM if coarse else MARGIN_MM
    vertical = COARSE_VERTICAL_MARGIN_MM if coarse else VERTICAL_MARGIN_MM
    grow_x, grow_y = margin - MARGIN_MM, vertical - VERTICAL_MARGIN_MM
    top = spec.baseline - spec.above - grow_y
    height = spec.above + spec.below + 2 * grow_y
    if spec.align == "right":
        left = spec.x - max(width + 6.0, min(spec.room, width + 12.0)) - grow_x
        right = spec.x + 1.5 + grow_x
    else:
        left = spec.x - 1.5 - grow_x
        right = spec.x + max(width + 3.0, spec.room + 1.0) + grow_x
    region = Rect(left, top, right - left, height)
    origin = ((spec.x - left) * ppm, (spec.baseline - top) * ppm)
    return Geometry(region, ppm, origin, round(margin * ppm), round(vertical * ppm))


# --- normalising and aligning strings --------------------------------------------------------

_FOLD_PAIRS = ("AE", "OE", "UE", "AA", "SS", "TH", "IJ")
"""ICAO 9303 two-letter transliterations (Ä→AE, Ö→OE, Ü→UE, Å→AA, ß→SS, Þ→TH, Ĳ→IJ): the
MRZ form cannot tell them from the plain letters, so names compare with the pair folded to
its first letter on both sides."""
_MARKED_PAIRS = ("AE", "OE", "UE", "AA")
"""The pairs that, in a name's MRZ form, suggest a printed Ä, Ö, Ü or Å (TH, SS and IJ are
common in names and their sources Þ, ß, Ĳ rare: those names keep the pixel comparison)."""
_CROCKFORD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("’", "'")
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def normalise(text: str, kind: str) -> tuple[str, list[int]]:
    """The compared form of ``text`` and, for each of its characters, the index of the
    character of ``text`` it comes from."""
    out: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        if char.isspace() or unicodedata.category(char) == "Cf":
            continue
        if kind == "name":
            try:
                piece = transliterate(char).replace("<", "")
            except MrzError:
                piece = ""
        elif kind == "text":
            piece = unicodedata.normalize("NFC", char).replace("’", "'").casefold()
        elif kind == "check_code":
            piece = "" if char == "-" else char.upper().translate(_CROCKFORD)
        else:
            piece = char.upper()
        out.extend(piece)
        index.extend([i] * len(piece))
    if kind == "name":
        folded: list[str] = []
        folded_index: list[int] = []
        j = 0
        while j < len(out):
            folded.append(out[j])
            folded_index.append(index[j])
            if j + 1 < len(out) and out[j] + out[j + 1] in _FOLD_PAIRS:
                j += 2
            else:
                j += 1
        return "".join(folded), folded_index
    if kind == "check_code":
        joined = "".join(out)
        prefix = "CHECKC0DE:"  # the certificate's line, Crockford-mapped
        if joined.startswith(prefix):
            return joined[len(prefix) :], index[len(prefix) :]
        return joined, index
    return "".join(out), index


def differences(expected: str, read: str) -> tuple[int, list[int]]:
    """Levenshtein distance and the indices of ``expected`` that the read changes or drops
    (an insertion counts at the index it precedes; ``len(expected)`` for a tail)."""
    n, m = len(expected), len(read)
    table = np.zeros((n + 1, m + 1), dtype=np.int32)
    table[:, 0] = np.arange(n + 1)
    table[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = 0 if expected[i - 1] == read[j - 1] else 1
            table[i, j] = min(table[i - 1, j] + 1, table[i, j - 1] + 1, table[i - 1, j - 1] + cost)
    positions: set[int] = set()
    i, j = n, m
    while i > 0 or j > 0:
        if (
            i > 0
            and j > 0
            and table[i, j] == table[i - 1, j - 1] + (expected[i - 1] != read[j - 1])
        ):
            if expected[i - 1] != read[j - 1]:
                positions.add(i - 1)
            i, j = i - 1, j - 1
        elif i > 0 and table[i, j] == table[i - 1, j] + 1:
            positions.add(i - 1)
            i -= 1
        else:
            positions.add(i)
            j -= 1
    return int(table[n, m]), sorted(positions)


# --- measuring one field ----------------------------------------------------------------------

GLYPH_MIN = 0.82
"""A character's band correlating below this with the expected glyph is not that glyph
(genuine captures: ≥ 0.86; one-character edits: ≤ 0.78; docs/image-verifier.md)."""
GLYPH_CONFIRM = 0.90
"""At a position where a confident OCR read differs, the glyph must score at least this
to overrule OCR (genuine glyphs: ≥ 0.94 in bench/fields.py)."""
CONFIRM_DROP = 0.08
GLYPH_DOUBT = 0.86
"""Where an unconfident read differs, a glyph below this (and GLYPH_DROP below the line's
median) counts as failing: on 220 genuine bench captures the glyphs OCR misread scored 0.84
at the lowest and never more than 0.05 under their line's median (0.84 in a line of 0.89);
a 6 re-typed as an 8 on a 2 MP upload scored 0.820 among 0.99s, just above GLYPH_MIN, while
tesseract read the 8 at confidence 29."""
GLYPH_DROP = 0.12
"""…and it must also stand this far below the line's median (blur lowers every glyph
alike; an edit lowers a few)."""
LINE_READABLE = 0.85
"""Median character score below which the line's pixels decide nothing."""
LINE_MIN = 0.80
"""Whole-value score below which the print is not the expected value's rendering."""
OCR_CONFIDENT = 60.0
"""Tesseract's mean word confidence from which a differing read is believed on its own."""
MIN_CONTRAST = 100.0
"""Paper-minus-ink grey levels (of the region flattened to paper at 240,
:func:`.paper.flatten`) below which nothing is read: printed values stand 150–215 below the
paper on genuine captures, dim and shaded ones included; the background guilloche alone (an
erased value) far less."""
EXTRA_INK = 0.3
"""Ink (mm², pixels darker than half-way from paper to ink) beyond the value's end, where
the print must be blank, that means something was added: a full stop at 10 pt is about
0.2 mm², a small letter 0.6–1 mm²; genuine prints show 0."""
BLUR_MM = 0.06
"""Gaussian sigma both ink maps are blurred with before comparing (print and lens blur)…"""
BLUR_PHOTO_PX = 0.8
"""…or this many of the photo's own pixels when that is more (a low-resolution photo)."""


def blur_mm(page: LocatedPage) -> float:
    return max(BLUR_MM, BLUR_PHOTO_PX / max(page.px_per_mm, 1e-3))


SHARP_MM = 0.12
"""Marker-edge blur (σ, mm) of a sharp capture, which the thresholds above were measured on
(sharp phone photos 0.10–0.13 mm)."""


def excess_blur_mm(page: LocatedPage) -> float:
    """The blur the photo has beyond a sharp capture's (σ, mm; 0 when not measured), which the
    rendering is given too: a defocused or shaken photo (0.19–0.28 mm) lowered every genuine
    glyph's score against a sharp rendering to 0.75–0.85, under the legible-line bar."""
    if page.blur_mm is None:
        return 0.0
    return _excess(page.blur_mm)


def excess_blur_axes_mm(page: LocatedPage) -> tuple[float, float]:
    """:func:`excess_blur_mm` along the page's x and y: a shaken photo's rendering is blurred
    along the shake only (a genuine legalization shaken by 1 mm sideways had two fields called
    FIELD_MISMATCH when its rendering got the one median blur)."""
    if page.blur_axes_mm is None:
        extra = excess_blur_mm(page)
        return extra, extra
    return _excess(page.blur_axes_mm[0]), _excess(page.blur_axes_mm[1])


def _excess(blur: float) -> float:
    return float(np.sqrt(max(0.0, blur**2 - SHARP_MM**2)))


@dataclass(frozen=True)
class Evidence:
    spec: Spec
    text: str
    """The expected text that was rendered and compared (the best of ``spec.expected``)."""
    region: Rect
    read: ocr.Reading
    distance: int
    ocr_positions: list[int]
    """Indices into :attr:`text`."""
    score: float
    char_scores: dict[int, float]
    """Index into :attr:`text` → its glyph's score."""
    contrast: float
    extra_ink: float
    """mm² of ink beyond the value's end."""
    milliseconds: float
    pixels_apply: bool = True
    """False when the rendering cannot be the print: a name printed with diacritics or
    hyphens the seal's MRZ form drops (then OCR alone decides)."""
    photo_blur: float | None = None
    """The photo's measured blur (σ, mm), None where not measured."""


def _marked(read: str, sealed: str) -> bool:
    """Whether the print of a name may carry letters the seal's MRZ form writes otherwise, so
    that the rendering of that form cannot be compared glyph by glyph: the read shows a
    diacritic, or the MRZ form holds one of ICAO's two-letter transliterations (``UE`` may
    be a printed ``Ü``; tesseract often drops the marks it sees)."""
    if any(c.isalpha() and not c.isascii() for c in read):
        return True
    return any(pair in word for word in sealed.split() for pair in _MARKED_PAIRS)


def _extra_ink(
    ink: NDArray[np.float32], geo: Geometry, spec: Spec, width_mm: float, dx: int, dy: int
) -> float:
    """mm² of ink in the value's band beyond its end (before its start if right-aligned)."""
    top = max(0, geo.vertical_margin_px + dy)
    bottom = ink.shape[0] - geo.vertical_margin_px + dy
    if spec.align == "right":
        end = round((spec.x - width_mm - 0.8 - geo.region.x) * geo.px_per_mm) + dx
        window = ink[top:bottom, geo.margin_px : max(geo.margin_px, end)]
    else:
        start = round((spec.x + width_mm + 0.8 - geo.region.x) * geo.px_per_mm) + dx
        window = ink[top:bottom, start : ink.shape[1] - geo.margin_px]
    return float((window > 0.5).sum()) / geo.px_per_mm**2


def measure(page: LocatedPage, spec: Spec) -> Evidence:
    """Read the value's region (OCR) and compare it with the rendering of the signed value."""
    started = time.perf_counter()
    geo = geometry(spec, spec.expected[0], coarse=page.fix is not Fix.MARKERS)
    gray = page.region(geo.region, geo.px_per_mm)
    ink = textrender.ink_map(gray)
    best: tuple[textrender.Comparison, str, textrender.Rendered] | None = None
    extra_x, extra_y = excess_blur_axes_mm(page)
    for candidate in spec.expected:
        runs = textrender.script_runs(candidate, bold=spec.bold)
        rendered = textrender.render(
            runs, spec.size_pt, geo.origin_px, gray.shape, geo.px_per_mm, align=spec.align
        )
        comparison = textrender.compare(
            ink.ink,
            rendered,
            geo.margin_px,
            blur_mm(page) * geo.px_per_mm,
            vertical_margin_px=geo.vertical_margin_px,
            photo_blur_px=(extra_x * geo.px_per_mm, extra_y * geo.px_per_mm),
        )
        if best is None or comparison.score > best[0].score:
            best = (comparison, candidate, rendered)
    assert best is not None
    comparison, text, rendered = best
    # OCR reads the value's band where the rendering found it (the label above stays out)
    dx, dy = comparison.shift_px
    pad = round(VERTICAL_MARGIN_MM * geo.px_per_mm)
    rows = slice(
        max(0, geo.vertical_margin_px + dy - pad),
        gray.shape[0] - geo.vertical_margin_px + dy + pad,
    )
    reading = ocr.read_line(
        np.ascontiguousarray(ink.flat[rows]),
        lang=_lang(text),
        whitelist=spec.whitelist,
        single_char=spec.kind == "char",
    )
    kind = spec.kind if spec.kind != "char" else "code"
    expected_form, index = normalise(spec.mrz_name if spec.mrz_name is not None else text, kind)
    read_form, _ = normalise(reading.text, kind)
    if spec.truncated and spec.name_field is not None:
        # the MRZ cut this name (9303-3: components shortened from the last, then dropped):
        # the print is the full name, so the read is cut by the same rule and compared
        distance, shown, full = _cut_name(spec, reading.text)
        if distance == 0 and spec.bound is None and full:
            # …and the pixels are compared with what was read
            size = _ttd_value_size(full, spec.key)
            return measure(page, replace(spec, expected=(full,), size_pt=size, bound=len(full)))
    else:
        distance, positions = differences(expected_form, read_form)
        # indices of the compared form → indices of the displayed text (names: MRZ form)
        shown = [index[p] if p < len(index) else len(text) for p in positions]
    width_mm = textrender.width_pt(textrender.script_runs(text, bold=spec.bold), spec.size_pt)
    extra = _extra_ink(ink.ink, geo, spec, width_mm * textrender.PT_MM, dx, dy)
    pixels_apply = not (
        spec.kind == "name" and spec.bound is None and _marked(reading.text, spec.mrz_name or "")
    )
    return Evidence(
        photo_blur=page.blur_mm,
        pixels_apply=pixels_apply,
        spec=spec,
        text=text,
        region=geo.region,
        read=reading,
        distance=distance,
        ocr_positions=sorted(set(shown)),
        score=comparison.score,
        char_scores={
            i: score
            for i, score in zip(rendered.chars, comparison.char_scores, strict=True)
            if spec.bound is None or i < spec.bound
        },
        contrast=ink.contrast,
        extra_ink=extra,
        milliseconds=(time.perf_counter() - started) * 1000.0,
    )


# --- deciding -------------------------------------------------------------------------------


_MARKS = frozenset(".,;:'’-")


def _is_mark(text: str, position: int) -> bool:
    """Whether ``text`` holds a punctuation mark at ``position``."""
    return 0 <= position < len(text) and text[position] in _MARKS


def decide(evidence: Evidence) -> tuple[str, list[int]]:
    """``OK``, ``FIELD_MISMATCH`` or ``FIELD_UNREADABLE`` and the positions that differ.

    The rule (both signals decide together):

    1. the OCR read, normalised, equals the signed value → OK;
    2. too little contrast to read anything → unreadable; a name printed with marks the
       seal's MRZ form lacks (the rendering cannot be the print): a confident read
       (≥ OCR_CONFIDENT) → mismatch, else unreadable;
    3. OCR read something else and ink stands where the value must have ended (more than
       EXTRA_INK mm²) → mismatch; or the pixels are legible (median glyph score
       ≥ LINE_READABLE) and some glyph fails (score < GLYPH_MIN and GLYPH_DROP below the
       median, or < GLYPH_CONFIRM and CONFIRM_DROP below the median where a confident read
       differs, or < GLYPH_DOUBT and GLYPH_DROP below the median where an unconfident read
       differs, except at a punctuation mark; a lone glyph: OCR must
       read another one) → mismatch — where OCR read something and also differs at a
       failing glyph (two independent signals; else unreadable);
    4. legible pixels that confirm every glyph, whole-value score ≥ LINE_MIN
       → OK (OCR misread a glyph the pixels confirm, e.g. T as 7);
    5. a confident OCR read (≥ OCR_CONFIDENT) at least two edits away, and pixels that do not
       show the expected value (score < LINE_MIN) → mismatch (a pasted or rewritten value);
    6. anything else → unreadable.
    """
    e = evidence
    if e.distance == 0:
        return Code.OK, []
    if e.contrast < MIN_CONTRAST:
        return Code.FIELD_UNREADABLE, []
    if not e.pixels_apply:
        if e.read.confidence >= OCR_CONFIDENT:
            return Code.FIELD_MISMATCH, e.ocr_positions
        return Code.FIELD_UNREADABLE, []
    scores = list(e.char_scores.values())
    median = float(np.median(scores)) if scores else 0.0
    single = len(scores) == 1
    bad = {
        i for i, s in e.char_scores.items() if s < GLYPH_MIN and (single or s < median - GLYPH_DROP)
    }
    confirm = 0.0
    if e.read.confidence >= OCR_CONFIDENT:
        # where a confident read differs, a glyph need only fall short of GLYPH_CONFIRM and
        # CONFIRM_DROP below the median (a 6 redrawn as a 5 in the print's own font scored
        # 0.83 among 0.98s). This holds on blurred photos too, since the rendering carries
        # their blur (excess_blur_mm): a 9 re-typed as 5 on a defocused photo scored 0.85
        # among 0.99s while tesseract read the 5 at confidence 96
        # Not at a punctuation mark: a period and a comma differ by a few pixels, and on a
        # shaken photo tesseract read "K. M." as "K, M." at confidence 60 while the period
        # scored 0.88 among 0.98s (a genuine legalization called FIELD_MISMATCH); a mark
        # still fails under GLYPH_MIN like any glyph, and no edit that matters is one mark
        confirm = min(GLYPH_CONFIRM, median - CONFIRM_DROP)
    elif e.read.text:
        # an unconfident read that differs still points at a position: there a glyph below
        # GLYPH_DOUBT that stands GLYPH_DROP below the line fails (at 2 MP an edited glyph
        # can land a hair above GLYPH_MIN while tesseract, unsure, reads the new character)
        confirm = min(GLYPH_DOUBT, median - GLYPH_DROP)
    bad |= {
        p
        for p in e.ocr_positions
        if e.char_scores.get(p, 1.0) < confirm and not _is_mark(e.text, p)
    }
    # OCR's differences where the pixels confirm the expected glyph are OCR's slips
    where = set(bad) | {p for p in e.ocr_positions if e.char_scores.get(p, 0.0) < GLYPH_MIN}
    if e.extra_ink > EXTRA_INK:
        # ink where the value must have ended: something was added or another value pasted
        if not where or len(e.text) in e.ocr_positions:
            where.add(len(e.text))
        return Code.FIELD_MISMATCH, sorted(where)
    if single:
        # one glyph: no median to stand out from; a failing glyph counts when OCR read
        # another one
        readable = True
        if bad and not e.read.text:
            return Code.FIELD_UNREADABLE, []
    else:
        readable = median >= LINE_READABLE
    if readable and bad:
        # two independent signals: a failing glyph counts only where OCR, reading
        # something, also reads another character (a glyph blur or shake dragged down
        # while OCR saw nothing there, or read nothing, is no evidence of an edit)
        if single or (e.read.text and bad & set(e.ocr_positions)):
            return Code.FIELD_MISMATCH, sorted(where)
        return Code.FIELD_UNREADABLE, []
    if readable and e.score >= LINE_MIN:
        return Code.OK, []
    if e.read.confidence >= OCR_CONFIDENT and e.distance >= 2 and e.score < LINE_MIN:
        return Code.FIELD_MISMATCH, e.ocr_positions
    return Code.FIELD_UNREADABLE, []


THRESHOLDS = {
    "glyph_min": GLYPH_MIN,
    "glyph_drop": GLYPH_DROP,
    "glyph_confirm": GLYPH_CONFIRM,
    "confirm_drop": CONFIRM_DROP,
    "glyph_doubt": GLYPH_DOUBT,
    "line_readable": LINE_READABLE,
    "line_min": LINE_MIN,
    "ocr_confident": OCR_CONFIDENT,
    "min_contrast": MIN_CONTRAST,
    "extra_ink_mm2": EXTRA_INK,
}

_UNREADABLE_ADVICE = (
    "Photograph the whole page flat, in even light without glare or shadow, with the "
    "camera steady and close enough that the text is sharp, then check again."
)


def _rect(rect: Rect) -> list[float]:
    return [round(rect.x, 2), round(rect.y, 2), round(rect.w, 2), round(rect.h, 2)]


def _label(key: str) -> str:
    return key.replace(".header", " (large, top right)").replace("_", " ")


def field_check(evidence: Evidence) -> Check:
    """The report check of one field."""
    e = evidence
    code, positions = decide(e)
    name = f"print.field.{e.spec.key}"
    data: dict[str, Any] = {
        "region": _rect(e.region),
        "ocr_text": e.read.text,
        "ocr_confidence": round(e.read.confidence, 1),
        "ocr_distance": e.distance,
        "render_score": round(e.score, 3),
        "glyph_scores": [round(s, 3) for s in e.char_scores.values()],
        "contrast": round(e.contrast, 1),
        "extra_ink_mm2": round(e.extra_ink, 3),
        "thresholds": dict(THRESHOLDS),
        "milliseconds": round(e.milliseconds, 1),
    }
    label = _label(e.spec.key)
    if code == Code.OK:
        return ok(name, Category.BINDING, f"The printed {label} matches the seal.", data)
    if code == Code.FIELD_MISMATCH:
        data["expected"] = e.text
        data["positions"] = positions
        return fail(
            name,
            Category.BINDING,
            Code.FIELD_MISMATCH,
            f"The printed {label} differs from the signed data in the seal "
            f"(character{'s' if len(positions) != 1 else ''} "
            f"{', '.join(str(p + 1) for p in positions)}).",
            data,
        )
    return skipped(
        name,
        Category.BINDING,
        f"The printed {label} could not be read well enough to compare it with the seal. "
        + _UNREADABLE_ADVICE,
        Code.FIELD_UNREADABLE,
        data,
    )


def _unbound(key: str, region: Rect) -> Check:
    return not_applicable(
        f"print.field.{key}",
        Category.BINDING,
        f"The {_label(key)} is printed but not carried in the seal, so it cannot be checked; "
        "compare it with the holder's other documents.",
        {"region": _rect(region)},
    )


def check_fields(page: LocatedPage, seal_fields: Mapping[str, object]) -> list[Check]:
    """One ``print.field.<key>`` check per printed value the seal determines, and a
    NOT_APPLICABLE one for each printed value it does not carry."""
    if page.kind is DocumentType.TTD:
        specs = ttd_specs(seal_fields)
        unbound = [(key, layout.ttd_field(*layout.TTD_FIELDS[key])) for key in UNBOUND_TTD]
    else:
        specs = legalization_specs(seal_fields)
        unbound = []
        for key in UNBOUND_LEGALIZATION:
            x, y = layout.LEGAL_POSITIONS[key]
            unbound.append((key, Rect(x, y, layout.LEGAL_VALUE_WIDTHS[key], 11.0)))
    checks: list[Check] = []
    for spec in specs:
        checks.append(
            guarded(
                f"print.field.{spec.key}",
                Category.BINDING,
                lambda spec=spec: field_check(measure(page, spec)),  # type: ignore[misc]
            )
        )
    checks.extend(_unbound(key, rect) for key, rect in unbound)
    return checks


# --- the MRZ --------------------------------------------------------------------------------


def check_mrz(page: LocatedPage, seal_fields: Mapping[str, object]) -> Check:
    """``print.mrz``: the printed TD3 MRZ, cell by cell, against the seal's (TTD only)."""
    name = "print.mrz"
    if page.kind is not DocumentType.TTD:
        return not_applicable(name, Category.BINDING, "A legalization has no MRZ.")
    lines = mrz.printed_lines(seal_fields)
    region = Rect(layout.TTD_MRZ.x, layout.TTD_MRZ.y, layout.TTD_MRZ.w, layout.TTD_MRZ.h)
    if lines is None:
        return not_applicable(
            name,
            Category.BINDING,
            "The seal does not carry the printed MRZ (only the ICAO profile's shorter TD2 "
            "form), so the printed MRZ cannot be compared character by character.",
            {"region": _rect(region)},
        )
    started = time.perf_counter()
    blur = blur_mm(page)
    cells = [c for i, text in enumerate(lines) for c in mrz.compare_line(page, i, text, blur)]
    margin = mrz.required_margin(cells)
    mismatched = [] if margin is None else [c for c in cells if c.mismatch(margin)]
    unreadable = cells if margin is None else [c for c in cells if c.unreadable(margin)]
    data: dict[str, Any] = {
        "region": _rect(region),
        "cells": len(cells),
        "min_expected_score": round(min(c.expected_score for c in cells), 3),
        "min_margin": round(min(c.expected_score - c.best_score for c in cells), 3),
        "median_expected_score": round(float(np.median([c.expected_score for c in cells])), 3),
        "unreadable_cells": len(unreadable),
        "required_margin": None if margin is None else round(margin, 3),
        "thresholds": {
            "mismatch_margin": mrz.MISMATCH_MARGIN,
            "line_readable": mrz.LINE_READABLE,
            "blur_penalty": mrz.BLUR_PENALTY,
            "match_min": mrz.MATCH_MIN,
            "expected_min": mrz.EXPECTED_MIN,
            "unreadable_cells": mrz.UNREADABLE_CELLS,
        },
    }
    if mismatched:
        data["positions"] = [[c.line, c.index] for c in mismatched]
        data["read"] = [c.best for c in mismatched]
        data["expected"] = [c.expected for c in mismatched]
        data["scores"] = [[round(c.expected_score, 3), round(c.best_score, 3)] for c in mismatched]
        data["milliseconds"] = round((time.perf_counter() - started) * 1000.0, 1)
        where = ", ".join(f"line {c.line + 1} position {c.index + 1}" for c in mismatched[:6])
        return fail(
            name,
            Category.BINDING,
            Code.MRZ_MISMATCH,
            f"The printed MRZ differs from the one in the seal ({where}).",
            data,
        )
    data["milliseconds"] = round((time.perf_counter() - started) * 1000.0, 1)
    if margin is None or len(unreadable) > mrz.UNREADABLE_CELLS:
        data["unreadable_positions"] = [[c.line, c.index] for c in unreadable]
        return skipped(
            name,
            Category.BINDING,
            "The printed MRZ could not be read well enough to compare it with the seal. "
            + _UNREADABLE_ADVICE,
            Code.FIELD_UNREADABLE,
            data,
        )
    return ok(name, Category.BINDING, "The printed MRZ matches the seal.", data)
