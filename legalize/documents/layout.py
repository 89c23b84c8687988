"""Where everything stands on our pages — the one source of truth for renderer and image verifier.

All positions are in millimetres with the origin at the TOP-LEFT corner of the page, x to the
right and y downwards (the convention of a rectified photo or scan); :func:`to_pdf` converts to
PDF points (origin bottom-left). Both documents are A4 portrait.

The image verifier rectifies a photo with the four ArUco markers (their centres are in
:data:`TTD_MARKERS` / :data:`LEGALIZATION_MARKERS`), then reads the QR, compares the photo
region, re-draws the per-document rosette at :data:`TTD_ROSETTE` and checks the fixed features
(microtext line, fine-line band) at the rectangles given here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MM = 72.0 / 25.4
"""PDF points per millimetre."""

PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0

ARUCO_DICTIONARY = "DICT_4X4_50"
"""OpenCV's predefined dictionary (cv2.aruco.DICT_4X4_50)."""
MARKER_SIZE = 10.0
"""Side of a marker's black square (6 × 6 cells: 4 × 4 bits plus a one-cell black border)."""
MARKER_QUIET = 2.5
"""White margin kept clear around each marker (one and a half cells)."""


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle, millimetres, top-left origin."""

    x: float
    """Left edge."""
    y: float
    """Top edge."""
    w: float
    h: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def grown(self, margin: float) -> Rect:
        return Rect(self.x - margin, self.y - margin, self.w + 2 * margin, self.h + 2 * margin)

    def pdf(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) in PDF points with y measured from the bottom edge."""
        return (self.x * MM, (PAGE_HEIGHT - self.y - self.h) * MM, self.w * MM, self.h * MM)


@dataclass(frozen=True)
class Marker:
    """One ArUco marker: dictionary id and its square on the page."""

    id: int
    rect: Rect


def to_pdf(x: float, y: float) -> tuple[float, float]:
    """A point in layout millimetres as PDF points (origin bottom-left)."""
    return (x * MM, (PAGE_HEIGHT - y) * MM)


def _corner_markers(ids: tuple[int, int, int, int]) -> tuple[Marker, ...]:
    # Order: top-left, top-right, bottom-right, bottom-left (clockwise, like cv2's corners).
    inset = 8.0
    far_x = PAGE_WIDTH - inset - MARKER_SIZE
    far_y = PAGE_HEIGHT - inset - MARKER_SIZE
    origins = ((inset, inset), (far_x, inset), (far_x, far_y), (inset, far_y))
    return tuple(
        Marker(i, Rect(x, y, MARKER_SIZE, MARKER_SIZE))
        for i, (x, y) in zip(ids, origins, strict=True)
    )


TTD_MARKERS = _corner_markers((0, 1, 2, 3))
"""Markers of the TTD; their ids also tell the verifier which document it is looking at."""
LEGALIZATION_MARKERS = _corner_markers((4, 5, 6, 7))
"""Markers of the legalization certificate page."""

# --- the temporary travel document --------------------------------------------------------
TTD_HEADER = Rect(22.0, 9.0, 166.0, 38.0)
"""State name (Sinhala, Tamil, English) and the document title."""
TTD_MICROTEXT = Rect(20.0, 49.0, 170.0, 0.7)
"""The fixed microtext line under the header (text about 0.5 mm high)."""
TTD_PANEL = Rect(14.0, 53.0, 182.0, 114.0)
"""The framed data panel; the guilloche background rosette sits at its centre."""
TTD_PHOTO = Rect(20.0, 60.0, 35.0, 45.0)
"""Holder photo, 35 × 45 mm (ICAO portrait proportions)."""
TTD_GHOST = Rect(155.5, 112.0, 23.0, 29.6)
"""Ghost image of the photo (lightened, smaller)."""
TTD_ROSETTE = Rect(24.5, 116.0, 26.0, 26.0)
"""The per-document rosette (parameters derived from the document number)."""
TTD_QR = Rect(143.0, 58.0, 48.0, 48.0)
"""The QR seal including its four-module quiet zone; the symbol itself is narrower."""
TTD_FINE_LINES = Rect(14.0, 170.0, 182.0, 12.0)
"""The fixed fine-line (wave) band under the data panel."""
TTD_VALIDITY = Rect(20.0, 186.0, 170.0, 19.0)
"""The single-journey validity statement (three languages)."""
TTD_NOTES = Rect(20.0, 210.0, 170.0, 36.0)
"""Notes to the holder and to officers."""
TTD_MRZ = Rect(17.0, 256.0, 176.0, 17.0)
"""Clear zone of the machine-readable zone (kept free of background)."""
TTD_MRZ_FIRST_BASELINE = 263.0
"""Baseline of the first MRZ line; the second is :data:`TTD_MRZ_LINE_PITCH` lower."""
TTD_MRZ_LEFT = 49.0
TTD_MRZ_LINE_PITCH = 6.0
MRZ_CHAR_PITCH = 2.54
"""ICAO 9303-3: 10 characters per 25.4 mm."""

TTD_FIELD_LEFT = 62.0
"""Left edge of the first column of holder fields."""
TTD_FIELD_COLUMN2 = 108.0
TTD_FIELD_ROW_PITCH = 12.5
TTD_FIELD_TOP = 61.0
"""Top of the first field label."""


def ttd_field(row: int, column: int = 0) -> Rect:
    """Label-and-value box of the holder field at ``row`` (0-based) in ``column`` (0 or 1)."""
    x = TTD_FIELD_LEFT if column == 0 else TTD_FIELD_COLUMN2
    width = (TTD_FIELD_COLUMN2 - TTD_FIELD_LEFT - 2) if column == 0 else 34.0
    return Rect(x, TTD_FIELD_TOP + row * TTD_FIELD_ROW_PITCH, width, TTD_FIELD_ROW_PITCH - 1)


def ttd_field_width(key: str) -> float:
    """Room for the value of field ``key``: a column-0 field whose row has no column-1
    field may run up to the QR / ghost column (x = 141 mm)."""
    row, column = TTD_FIELDS[key]
    if column == 1:
        return 141.0 - TTD_FIELD_COLUMN2
    if any(r == row and c == 1 for r, c in TTD_FIELDS.values()):
        return TTD_FIELD_COLUMN2 - TTD_FIELD_LEFT - 2.0
    return 141.0 - TTD_FIELD_LEFT


# Field → (row, column) in the data panel; the value's baseline is TTD_VALUE_OFFSET below
# the row's top.
TTD_FIELDS: dict[str, tuple[int, int]] = {
    "surname": (0, 0),
    "given_names": (1, 0),
    "nationality": (2, 0),
    "sex": (2, 1),
    "birth_date": (3, 0),
    "place_of_birth": (3, 1),
    "document_number": (4, 0),
    "issuing_state": (4, 1),
    "issue_date": (5, 0),
    "expiry_date": (5, 1),
    "issuing_post": (6, 0),
    "check_code": (7, 0),
}
TTD_VALUE_OFFSET = 9.0
"""Baseline of a field's value below the top of its box."""
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
NATIONALITIES = {"LKA": "SRI LANKAN"}
"""Nationalities printed in words, followed by the code: ``SRI LANKAN (LKA)``."""


def format_date(value: date) -> str:
    """Visual-zone date on both documents, ICAO style: ``12 AUG 1974``."""
    return f"{value.day:02d} {MONTHS[value.month - 1]} {value.year}"


def printed_nationality(code: str) -> str:
    """The nationality as the TTD prints it: ``SRI LANKAN (LKA)``, else the code itself."""
    code = code.upper()
    return f"{NATIONALITIES[code]} ({code})" if code in NATIONALITIES else code


TTD_VALUE_SIZE = 10.0
"""Size (pt) of a holder field's value, Noto Sans Bold; a value too wide for
:func:`ttd_field_width` is set smaller (:func:`fitted_size`)."""
VALUE_MIN_SIZE = 6.5
"""Smallest size (pt) a long value is shrunk to on either document; longer values are refused."""

NUMBER_RIGHT = PAGE_WIDTH - 22.0
"""Right edge of the document number printed large and red right of the title (both pages)."""
NUMBER_BASELINE = 38.0
NUMBER_SIZE = 13.0
"""Its size (pt), Noto Sans Bold."""


def fitted_size(natural_width_pt: float, size: float, width_mm: float) -> float:
    """The size a value is set at: ``size``, or smaller so that it fits ``width_mm``.

    ``natural_width_pt`` is the value's shaped width at ``size``. The renderers refuse a
    result below :data:`VALUE_MIN_SIZE`; the image verifier re-renders at the same size.
    """
    if natural_width_pt <= width_mm * MM:
        return size
    return size * width_mm * MM / natural_width_pt


# --- the legalization certificate -------------------------------------------------------
LEGAL_HEADER = Rect(22.0, 9.0, 166.0, 36.0)
LEGAL_MICROTEXT = Rect(20.0, 48.0, 170.0, 0.7)
LEGAL_PANEL = Rect(14.0, 52.0, 182.0, 206.0)
LEGAL_QR = Rect(143.0, 196.0, 48.0, 48.0)
LEGAL_ROSETTE = Rect(112.0, 212.0, 24.0, 24.0)
LEGAL_FINE_LINES = Rect(14.0, 262.0, 182.0, 12.0)

LEGAL_POSITIONS: dict[str, tuple[float, float]] = {
    "country": (22.0, 76.0),
    "signed_by": (22.0, 92.0),
    "capacity": (22.0, 108.0),
    "seal_of": (22.0, 124.0),
    "place": (22.0, 158.0),
    "date": (110.0, 158.0),
    "certified_by": (22.0, 174.0),
    "number": (110.0, 190.0),
    "seal": (143.0, 191.0),
    "signature": (22.0, 206.0),
}
"""Where each Apostille item's label row starts (x, y of its top-left)."""
LEGAL_VALUE_OFFSET = 9.0
"""Baseline of a value below its label row."""
LEGAL_VALUE_SIZE = 11.0
"""Size (pt) of an item's value, Noto Sans Bold (Noto Sans Sinhala/Tamil Bold in those
scripts); values too wide for :data:`LEGAL_VALUE_WIDTHS` are scaled down, never below
:data:`VALUE_MIN_SIZE`."""
LEGAL_VALUE_WIDTHS: dict[str, float] = {
    "country": 166.0,
    "signed_by": 166.0,
    "capacity": 166.0,
    "seal_of": 166.0,
    "place": 84.0,
    "date": 78.0,
    "certified_by": 166.0,
    "number": 31.0,
}
"""Room (mm) for each value."""
LEGAL_CERTIFIED_Y = 146.0
LEGAL_DOCUMENT_Y = 190.0
LEGAL_NOTE_Y = 247.0
LEGAL_SIGNATURE_SIZE = 8.5
"""Size (pt, Noto Sans Regular) of the two lines under item 10 that say how it was signed."""
LEGAL_SIGNATURE_PITCH = 5.0
"""Distance between those lines; the first's baseline is :data:`LEGAL_VALUE_OFFSET` below
item 10's row."""
LEGAL_CHECK_CODE_SIZE = 11.0
"""Size (pt, Noto Sans Bold) of the ``Check code: …`` line under them: as large as the
items' values, because the holder types it into the web check and the image verifier reads
it from phone photos (at 8.5 pt regular a slightly blurred photo left it unreadable)."""
LEGAL_CHECK_CODE_OFFSET = 20.5
"""Baseline of the ``Check code: …`` line below item 10's row (the larger size needs half a
millimetre more than the line pitch gives)."""
