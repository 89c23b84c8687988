"""Where the VISIBLE elements stand on a genuine page, as a forger measures them with a ruler.

Millimetres from the top-left corner of the A4 page. These were measured on rendered genuine
pages (a difference image of two documents shows where the values, photo and QR are; zxing
gives the QR corners) and are deliberately kept here rather than imported from
``legalize.documents.layout``: the forger knows what is printed and where, not the template's
hidden parameters (the rosette's, the microtext's, the keys). tests/test_forgesim.py checks
them against a rendered page.
"""

from __future__ import annotations

from dataclasses import dataclass

DPI = 300
PX_PER_MM = DPI / 25.4
PAGE_MM = (210.0, 297.0)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in millimetres (top-left origin)."""

    x: float
    y: float
    w: float
    h: float

    def px(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) in 300 dpi page pixels."""
        return (
            round(self.x * PX_PER_MM),
            round(self.y * PX_PER_MM),
            round((self.x + self.w) * PX_PER_MM),
            round((self.y + self.h) * PX_PER_MM),
        )

    def grown(self, mm: float) -> Box:
        return Box(self.x - mm, self.y - mm, self.w + 2 * mm, self.h + 2 * mm)


def px(mm: float) -> int:
    return round(mm * PX_PER_MM)


# Four square markers near the corners: 10 mm black squares 8 mm from the edges, white around.
MARKERS = (
    Box(8.0, 8.0, 10.0, 10.0),
    Box(192.0, 8.0, 10.0, 10.0),
    Box(192.0, 279.0, 10.0, 10.0),
    Box(8.0, 279.0, 10.0, 10.0),
)
"""Top-left, top-right, bottom-right, bottom-left."""

NUMBER = Box(150.0, 33.0, 39.0, 6.5)
"""The document number printed in red right of the title (right-aligned at ~188 mm)."""
NUMBER_RIGHT = 188.0
NUMBER_BASELINE = 38.0

# --- TTD ------------------------------------------------------------------------------------
TTD_PHOTO = Box(20.0, 60.0, 35.0, 45.0)
TTD_GHOST = Box(155.5, 112.0, 23.0, 29.6)
TTD_QR = Box(143.0, 58.0, 48.0, 48.0)
"""The QR with its white quiet zone."""
TTD_VALUE_BASELINE_FIRST = 70.0
"""Baseline of the first row's value; rows are 12.5 mm apart."""
TTD_ROW_PITCH = 12.5
TTD_COLUMNS = (62.0, 108.0)
TTD_VALUE_PT = 10.0
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
TTD_LABELS = {
    "surname": "Surname",
    "given_names": "Given names",
    "nationality": "Nationality",
    "sex": "Sex",
    "birth_date": "Date of birth",
    "place_of_birth": "Place of birth",
    "document_number": "Document No.",
    "issuing_state": "Issuing state",
    "issue_date": "Date of issue",
    "expiry_date": "Date of expiry",
    "issuing_post": "Issuing post",
    "check_code": "Check code (web check)",
}
TTD_MRZ_LEFT = 49.0
TTD_MRZ_BASELINES = (263.0, 269.0)
TTD_HEADER = Box(22.0, 9.0, 166.0, 38.0)
TTD_VALIDITY = Box(20.0, 186.0, 170.0, 19.0)


def ttd_value_box(key: str) -> Box:
    """The box a field's value occupies (ascender to descender), as wide as its column."""
    row, column = TTD_FIELDS[key]
    x = TTD_COLUMNS[column]
    base = TTD_VALUE_BASELINE_FIRST + row * TTD_ROW_PITCH
    if column == 1:
        width = 33.0
    elif any(r == row and c == 1 for r, c in TTD_FIELDS.values()):
        width = 44.0
    else:
        width = 78.0
    return Box(x - 0.6, base - 3.2, width, 4.2)


def ttd_baseline(key: str) -> tuple[float, float]:
    row, column = TTD_FIELDS[key]
    return TTD_COLUMNS[column], TTD_VALUE_BASELINE_FIRST + row * TTD_ROW_PITCH


# --- legalization ---------------------------------------------------------------------------
LEG_QR = Box(143.0, 196.0, 48.0, 48.0)
LEG_VALUE_PT = 11.0
LEG_BASELINES: dict[str, tuple[float, float]] = {
    "country": (22.0, 85.0),
    "signed_by": (22.0, 101.0),
    "capacity": (22.0, 117.0),
    "seal_of": (22.0, 133.0),
    "place": (22.0, 167.0),
    "date": (110.0, 167.0),
    "certified_by": (22.0, 183.0),
    "number": (110.0, 199.0),
}
LEG_WIDTHS = {
    "country": 166.0,
    "signed_by": 166.0,
    "capacity": 166.0,
    "seal_of": 166.0,
    "place": 84.0,
    "date": 78.0,
    "certified_by": 166.0,
    "number": 31.0,
}
LEG_LABELS = {
    "country": "1. Country",
    "signed_by": "2. has been signed by",
    "capacity": "3. acting in the capacity of",
    "seal_of": "4. bears the seal/stamp of",
    "place": "5. at",
    "date": "6. the",
    "certified_by": "7. by",
    "number": "8. No.",
}
LEG_CHECK_CODE_BASELINE = (22.0, 225.0)
LEG_HEADER = Box(22.0, 9.0, 166.0, 36.0)


def leg_value_box(key: str) -> Box:
    x, base = LEG_BASELINES[key]
    return Box(x - 0.6, base - 3.5, LEG_WIDTHS[key], 4.6)
