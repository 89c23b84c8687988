"""Printed fields and the MRZ against the seal (verifier/image/fields.py), on real renders.

Documents are issued with the dev PKI, page 1 is rasterized with PDFium at 300 and 150 dpi and
located with the raster's own scale (or through a phone-like capture: perspective, blur,
noise, JPEG), so every pixel the checks see was drawn by the real renderers. Forgeries are
made on those rasters (tests/fields_forgery.py): the last characters painted over and redrawn
in a similar bold font, another document's field pasted in, one MRZ character changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from legalize.documents import fonts
from legalize.documents.issue import issue_legalization, issue_ttd
from legalize.documents.legalization import LegalizationData
from legalize.documents.sanitize import sanitize_underlying
from legalize.documents.ttd import TtdData
from legalize.kinds import DocumentType
from legalize.pki.trust import TrustStore
from legalize.seal.checkcode import new_check_code
from tests.helpers.fields_forgery import (
    blurred,
    captured,
    edit_mrz_char,
    edit_tail,
    located,
    paste_field,
    rasterize,
)
from verifier.codes import Code
from verifier.image import fields, textrender
from verifier.image.page import Fix, LocatedPage
from verifier.report import Check, Status, Verdict, verdict_of
from verifier.seal import verify_seal

EXAMPLES = Path(__file__).parent.parent / "examples"
CHECK_URL = "HTTPS://CHECK.LEGALIZE.EXAMPLE/V/"
NOTO_BOLD = str(textrender.NOTO_DIR / "NotoSans-Bold.ttf")
SINHALA_BOLD = str(textrender.NOTO_DIR / "NotoSansSinhala-Bold.ttf")


@dataclass(frozen=True)
class Issued:
    kind: DocumentType
    pdf: bytes
    seal: dict[str, Any]
    """The decoded seal fields as verify_seal reports them."""

    rasters: dict[int, Image.Image] = field(default_factory=dict, compare=False, repr=False)

    def raster(self, dpi: int) -> Image.Image:
        """Page 1 at ``dpi`` (made once per document)."""
        if dpi not in self.rasters:
            self.rasters[dpi] = rasterize(self.pdf, dpi)
        return self.rasters[dpi]

    def specs(self) -> dict[str, fields.Spec]:
        made = (
            fields.ttd_specs(self.seal)
            if self.kind is DocumentType.TTD
            else fields.legalization_specs(self.seal)
        )
        return {s.key: s for s in made}


@pytest.fixture(scope="module")
def at(dev_pki) -> datetime:  # type: ignore[no-untyped-def]
    return dev_pki.at + timedelta(hours=2)


def _seal_fields(dev_pki, text: str, at: datetime) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    report = verify_seal(text, TrustStore.load(dev_pki.trust_dir), at)
    assert report.verdict is Verdict.VALID, report.to_text()
    return dict(report.data)


def _ttd(dev_pki, at: datetime, number: str, surname: str, given: str, born: date, sex: str):  # type: ignore[no-untyped-def]
    data = TtdData(
        document_number=number,
        surname=surname,
        given_names=given,
        birth_date=born,
        place_of_birth="Kandy",
        sex=sex,
        nationality="LKA",
        issue_date=at.date(),
        expiry_date=at.date() + timedelta(days=30),
        issuing_post="Embassy of Sri Lanka, Rome",
        check_code=new_check_code(),
        personal_number="198507401234",
    )
    photo = (EXAMPLES / "holder.jpg").read_bytes()
    doc = issue_ttd(data, photo, dev_pki.signer("TTD"), at, check_url=CHECK_URL)
    return Issued(DocumentType.TTD, doc.pdf, _seal_fields(dev_pki, doc.seal_text, at))


@pytest.fixture(scope="module")
def ttd(dev_pki, at: datetime) -> Issued:  # type: ignore[no-untyped-def]
    return _ttd(dev_pki, at, "T00001234", "Perera", "Kamala Shiromi", date(1985, 3, 14), "F")


@pytest.fixture(scope="module")
def donor(dev_pki, at: datetime) -> Issued:  # type: ignore[no-untyped-def]
    born = date(1979, 11, 2)
    return _ttd(dev_pki, at, "N04512877", "Wickramasinghe", "Don Sunil", born, "M")


@pytest.fixture(scope="module")
def accented(dev_pki, at: datetime) -> Issued:  # type: ignore[no-untyped-def]
    return _ttd(dev_pki, at, "T00009876", "Gunasékara-Müller", "Ánura", date(2001, 7, 30), "M")


@pytest.fixture(scope="module")
def long_name(dev_pki, at: datetime) -> Issued:  # type: ignore[no-untyped-def]
    """Names longer than the MRZ's 39 characters: the MRZ (and the seal) holds them cut."""
    born = date(1992, 12, 25)
    names = ("Jayasuriya Arachchige", "Mohamed Fathima Rizna")
    return _ttd(dev_pki, at, "P20261188", *names, born, "F")


@pytest.fixture(scope="module")
def legalization(dev_pki, at: datetime) -> Issued:  # type: ignore[no-untyped-def]
    underlying = sanitize_underlying((EXAMPLES / "underlying.pdf").read_bytes(), "birth.pdf")
    data = LegalizationData(
        number="L2026000077",
        country="Democratic Socialist Republic of Sri Lanka",
        signed_by="ආර්. ඒ. පෙරේරා",
        capacity="District Registrar",
        seal_of="பதிவாளர்",
        place="Colombo",
        date=at.date(),
        certified_by="Consular Affairs Division, Ministry of Foreign Affairs",
        check_code=new_check_code(),
        document_title="Birth certificate No. 4711",
    )
    doc = issue_legalization(
        data,
        underlying,
        dev_pki.signer("LEG"),
        at,
        check_url=CHECK_URL,
        issuing_country="LKA",
        document_country="LKA",
    )
    return Issued(DocumentType.LEGALIZATION, doc.pdf, _seal_fields(dev_pki, doc.seal_text, at))


def _page(doc: Issued, capture: str, image: Image.Image | None = None) -> LocatedPage:
    """``capture``: ``300``/``150`` (a scan at that dpi) or ``phone300``/``phone150``."""
    dpi = int(capture.removeprefix("phone"))
    picture = image if image is not None else doc.raster(dpi)
    if capture.startswith("phone"):
        return captured(picture, doc.kind)
    return located(picture, doc.kind)


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def _assert_region(check: Check) -> None:
    region = check.data["region"]
    assert len(region) == 4 and all(isinstance(v, float) for v in region)
    assert region[2] > 0 and region[3] > 0


# --- the module's own pieces ----------------------------------------------------------------


def test_font_files_are_the_renderers() -> None:
    assert textrender.NOTO_DIR == fonts.NOTO_DIR
    assert textrender.OCRB_PATH == fonts.OCRB_PATH


def test_names_compare_in_mrz_form() -> None:
    printed, _ = fields.normalise("GUNASÉKARA-MÜLLER", "name")
    sealed, _ = fields.normalise("GUNASEKARA MUELLER", "name")
    assert printed == sealed
    other, _ = fields.normalise("GUNASEKARA MILLER", "name")
    assert other != sealed


def test_cut_names_are_compared_by_the_mrz_rule(long_name: Issued) -> None:
    assert long_name.seal["printed_mrz"][0][5:44] == "JAYASURIYA<ARACHCHIGE<<MOHAMED<FATHIM<R"
    spec = long_name.specs()["given_names"]
    assert spec.truncated and spec.mrz_name == "MOHAMED FATHIM R"
    assert fields._cut_name(spec, "MOHAMED FATHIMA RIZNA")[0] == 0
    assert fields._cut_name(spec, "MOHAMED FATHIMA XIZNA")[:2] == (1, [15])


def test_differences_name_the_changed_positions() -> None:
    assert fields.differences("PERERA", "PEREAS") == (2, [4, 5])
    assert fields.differences("PERERA", "PERERAS") == (1, [6])
    assert fields.differences("T00001234", "T00001234") == (0, [])


# --- genuine pages --------------------------------------------------------------------------

GENUINE = [
    ("ttd", "300"),
    ("ttd", "150"),
    ("ttd", "phone300"),
    ("ttd", "phone150"),
    ("accented", "300"),
    ("long_name", "300"),
    ("long_name", "phone150"),
    ("legalization", "300"),
    ("legalization", "150"),
    ("legalization", "phone150"),
]


@pytest.mark.parametrize(("which", "capture"), GENUINE)
def test_genuine_print_matches_the_seal(
    which: str, capture: str, request: pytest.FixtureRequest
) -> None:
    doc: Issued = request.getfixturevalue(which)
    page = _page(doc, capture)
    checks = [*fields.check_fields(page, doc.seal), fields.check_mrz(page, doc.seal)]
    by_name = _by_name(checks)
    for check in checks:
        if doc.kind is DocumentType.TTD or check.name != "print.mrz":  # a certificate: no MRZ
            _assert_region(check)
        if check.code == Code.NOT_APPLICABLE:
            continue
        assert check.status is Status.VALID, (check.name, check.code, dict(check.data))
        assert check.data["thresholds"]
    if doc.kind is DocumentType.TTD:
        expected = {
            "surname",
            "given_names",
            "nationality",
            "sex",
            "birth_date",
            "document_number",
            "issuing_state",
            "issue_date",
            "expiry_date",
            "check_code",
            "document_number.header",
        }
        unbound = {"place_of_birth", "issuing_post"}
        assert by_name["print.mrz"].status is Status.VALID
    else:
        expected = {
            "number",
            "date",
            "country",
            "signed_by",
            "capacity",
            "seal_of",
            "place",
            "check_code",
            "number.header",
        }
        unbound = {"certified_by"}
        assert by_name["print.mrz"].code == Code.NOT_APPLICABLE
    assert {n for n, c in by_name.items() if c.status is Status.VALID} == {
        f"print.field.{k}" for k in expected
    } | ({"print.mrz"} if doc.kind is DocumentType.TTD else set())
    assert {n for n, c in by_name.items() if c.code == Code.NOT_APPLICABLE} >= {
        f"print.field.{k}" for k in unbound
    }
    assert verdict_of(checks) is Verdict.VALID


# --- forgeries ------------------------------------------------------------------------------

EDITS = [
    # (document, field, replacement of the last characters, font, capture, positions)
    ("ttd", "surname", "AS", None, "300", [4, 5]),
    ("ttd", "surname", "AS", NOTO_BOLD, "phone150", [4, 5]),
    ("ttd", "document_number", "5", NOTO_BOLD, "300", [8]),
    ("ttd", "document_number", "5", None, "phone150", [8]),
    ("ttd", "birth_date", "6", None, "150", [10]),
    ("ttd", "expiry_date", "8", NOTO_BOLD, "phone300", [10]),
    ("ttd", "check_code", "X", None, "300", [16]),
    ("ttd", "sex", "M", NOTO_BOLD, "150", [0]),
    ("ttd", "document_number.header", "9", None, "phone300", [8]),
    ("legalization", "number", "9", NOTO_BOLD, "300", [10]),
    ("legalization", "date", "7", None, "phone150", [10]),
    ("legalization", "capacity", "s", None, "150", [17]),
    ("legalization", "signed_by", "ලා", SINHALA_BOLD, "300", None),
]


@pytest.mark.parametrize(("which", "key", "replacement", "font", "capture", "positions"), EDITS)
def test_edited_field_is_a_mismatch(
    which: str,
    key: str,
    replacement: str,
    font: str | None,
    capture: str,
    positions: list[int] | None,
    request: pytest.FixtureRequest,
) -> None:
    doc: Issued = request.getfixturevalue(which)
    spec = doc.specs()[key]
    if spec.expected[0].endswith(replacement):  # a random check code may end in it already
        replacement = "Y" if replacement != "Y" else "Z"
    scan = doc.raster(int(capture.removeprefix("phone")))
    forged = edit_tail(scan, spec, replacement, **({"font_path": font} if font else {}))
    checks = _by_name(fields.check_fields(_page(doc, capture, forged), doc.seal))
    check = checks[f"print.field.{key}"]
    assert check.status is Status.INVALID, dict(check.data)
    assert check.code == Code.FIELD_MISMATCH
    if positions is not None:
        assert check.data["positions"] == positions
    else:  # a Sinhala syllable: the positions are those of the replaced tail
        tail = len(spec.expected[0]) - len(replacement)
        assert check.data["positions"] and min(check.data["positions"]) >= tail - 1
    assert check.data["expected"] == spec.expected[0]
    assert "ocr_text" in check.data and "render_score" in check.data
    assert check.data["thresholds"]["glyph_min"] == fields.GLYPH_MIN
    # the message names positions, never the values
    assert spec.expected[0] not in check.message
    # the edit stays local: no other field fails
    others = [c for n, c in checks.items() if n != check.name and c.status is Status.INVALID]
    assert not others, [(c.name, dict(c.data)) for c in others]


@pytest.mark.parametrize("capture", ["300", "phone150"])
@pytest.mark.parametrize(
    ("key", "read"),
    [("surname", "WICKRAMASINGHE"), ("document_number", "N04512877"), ("birth_date", None)],
)
def test_field_pasted_from_another_document(
    key: str, read: str | None, capture: str, ttd: Issued, donor: Issued
) -> None:
    dpi = int(capture.removeprefix("phone"))
    forged = paste_field(ttd.raster(dpi), donor.raster(dpi), ttd.specs()[key], donor.specs()[key])
    check = _by_name(fields.check_fields(_page(ttd, capture, forged), ttd.seal))[
        f"print.field.{key}"
    ]
    assert check.status is Status.INVALID and check.code == Code.FIELD_MISMATCH
    assert check.data["positions"]
    if read is not None:
        assert check.data["ocr_text"] == read


@pytest.mark.parametrize("capture", ["300", "150", "phone300", "phone150"])
@pytest.mark.parametrize(("line", "index"), [(1, 8), (0, 40), (1, 14)])
def test_one_mrz_character_changed(line: int, index: int, capture: str, ttd: Issued) -> None:
    printed = ttd.seal["printed_mrz"]
    original = printed[line][index]
    replacement = {"<": "K", "0": "O"}.get(original, "5" if original != "5" else "6")
    forged = edit_mrz_char(ttd.raster(int(capture.removeprefix("phone"))), line, index, replacement)
    check = fields.check_mrz(_page(ttd, capture, forged), ttd.seal)
    assert check.status is Status.INVALID and check.code == Code.MRZ_MISMATCH
    assert check.data["positions"] == [[line, index]]
    assert check.data["read"] == [replacement]
    assert check.data["expected"] == [original]


def test_blurred_photo_is_unreadable_not_a_forgery(ttd: Issued) -> None:
    page = located(blurred(ttd.raster(150), 3.0), DocumentType.TTD)
    checks = [*fields.check_fields(page, ttd.seal), fields.check_mrz(page, ttd.seal)]
    assert not [c.name for c in checks if c.status is Status.INVALID]
    unreadable = [c for c in checks if c.code == Code.FIELD_UNREADABLE]
    assert len(unreadable) >= 10
    assert all(c.status is Status.SKIPPED and "flat" in c.message for c in unreadable)
    assert verdict_of(checks) is Verdict.INDETERMINATE


def test_mrz_does_not_apply_to_a_legalization(legalization: Issued) -> None:
    check = fields.check_mrz(_page(legalization, "150"), legalization.seal)
    assert check.status is Status.SKIPPED and check.code == Code.NOT_APPLICABLE


def test_seal_without_the_printed_mrz(ttd: Issued) -> None:
    seal = dict(ttd.seal, printed_mrz=None)
    check = fields.check_mrz(_page(ttd, "150"), seal)
    assert check.status is Status.SKIPPED and check.code == Code.NOT_APPLICABLE
    _assert_region(check)


def test_place_of_birth_and_post_are_not_bound(ttd: Issued) -> None:
    checks = _by_name(fields.check_fields(_page(ttd, "150"), ttd.seal))
    for key in ("place_of_birth", "issuing_post"):
        check = checks[f"print.field.{key}"]
        assert check.status is Status.SKIPPED and check.code == Code.NOT_APPLICABLE
        assert "not carried in the seal" in check.message


@pytest.mark.parametrize("offset", [(1.5, -1.0), (-2.2, 1.2)])
def test_page_located_without_markers_searches_wider(
    offset: tuple[float, float], ttd: Issued
) -> None:
    """QR corners or the sheet's outline put the page millimetres off: the fields are still
    found (genuine OK) and an edit still caught."""
    scale = 150 / 25.4
    homography = np.diag([scale, scale, 1.0]) @ np.array(
        [[1.0, 0.0, offset[0]], [0.0, 1.0, offset[1]], [0.0, 0.0, 1.0]]
    )
    page = replace(located(ttd.raster(150), DocumentType.TTD, homography), fix=Fix.QR_CORNERS)
    checks = fields.check_fields(page, ttd.seal)
    assert verdict_of(checks) is Verdict.VALID, [(c.name, c.code) for c in checks]
    spec = ttd.specs()["document_number"]
    forged = edit_tail(ttd.raster(150), spec, "5")
    page = replace(located(forged, DocumentType.TTD, homography), fix=Fix.QR_CORNERS)
    check = _by_name(fields.check_fields(page, ttd.seal))["print.field.document_number"]
    assert check.code == Code.FIELD_MISMATCH and check.data["positions"] == [8]


@pytest.mark.parametrize("capture", ["300", "phone150"])
def test_edited_name_with_diacritics(capture: str, accented: Issued) -> None:
    """The print carries marks the seal's MRZ form drops, so OCR decides: the last letter
    redrawn is a mismatch at the seal form's last position."""
    spec = accented.specs()["surname"]
    assert spec.expected[0] == "GUNASEKARA MUELLER"
    printed = replace(spec, expected=("GUNASÉKARA-MÜLLER",))
    forged = edit_tail(accented.raster(int(capture.removeprefix("phone"))), printed, "S")
    check = _by_name(fields.check_fields(_page(accented, capture, forged), accented.seal))[
        "print.field.surname"
    ]
    assert check.code == Code.FIELD_MISMATCH and check.data["positions"] == [17]


@pytest.mark.parametrize("key", ["surname", "document_number", "sex"])
def test_erased_value_is_never_ok(key: str, ttd: Issued) -> None:
    """Paper over the whole value leaves only the background: nothing to read, never OK."""
    spec = ttd.specs()[key]
    forged = edit_tail(ttd.raster(300), spec, " " * len(spec.expected[0]))
    check = _by_name(fields.check_fields(_page(ttd, "300", forged), ttd.seal))[f"print.field.{key}"]
    assert check.status is Status.SKIPPED and check.code == Code.FIELD_UNREADABLE
    assert check.data["contrast"] < fields.MIN_CONTRAST


def _evidence(expected: str, read: str, confidence: float, low: dict[int, float]) -> Any:
    """The evidence of one field as :func:`fields.decide` sees it: every glyph 0.98 but
    ``low``'s, and OCR's differing positions computed as the checker computes them."""
    from legalize.documents.layout import Rect
    from verifier.image import ocr

    distance, positions = fields.differences(expected, read)
    scores = {i: low.get(i, 0.98) for i, c in enumerate(expected) if not c.isspace()}
    spec = fields.Spec(
        key="signed_by",
        expected=(expected,),
        x=0,
        baseline=0,
        size_pt=10,
        bold=False,
        room=100,
        above=4,
        below=1,
        whitelist=None,
        kind="text",
    )
    return fields.Evidence(
        spec=spec,
        text=expected,
        region=Rect(0, 0, 100, 6),
        read=ocr.Reading(read, confidence),
        distance=distance,
        ocr_positions=positions,
        score=0.96,
        char_scores=scores,
        contrast=150.0,
        extra_ink=0.0,
        milliseconds=1.0,
    )


def test_a_period_read_as_a_comma_is_an_ocr_slip_but_a_letter_is_not() -> None:
    # a shaken genuine legalization: "K. M." read "K, M." at confidence 60, the period 0.88
    # among 0.98s; the same shortfall at a letter OCR also reads otherwise is an edit
    slip = _evidence("K. M. Dissanayake", "K, M. Dissanayake", 60.0, {1: 0.88})
    assert fields.decide(slip)[0] == Code.OK
    edit = _evidence("K. M. Dissanayake", "K. N. Dissanayake", 60.0, {3: 0.88})
    assert fields.decide(edit)[0] == Code.FIELD_MISMATCH
    # a mark whose pixels fail outright still counts
    gone = _evidence("K. M. Dissanayake", "K  M. Dissanayake", 60.0, {1: 0.40})
    assert fields.decide(gone)[0] == Code.FIELD_MISMATCH


def test_an_unsure_read_of_another_character_over_a_weak_glyph_is_an_edit() -> None:
    # a 2 MP upload (bench/forgery.py, seed 31): T26004896 with the last 6 re-typed as an 8;
    # tesseract read "726004898" at confidence 29 (T as 7, its usual slip) and the edited
    # glyph scored 0.820 among 0.99s, a hair above GLYPH_MIN: it passed before
    weak = {0: 0.994, 7: 0.918, 8: 0.820}
    edit = _evidence("T26004896", "726004898", 29.0, weak)
    assert fields.decide(edit) == (Code.FIELD_MISMATCH, [8])
    # the same read over a glyph the pixels confirm is OCR's slip, as the T read as 7 is
    slip = _evidence("T26004896", "726004898", 29.0, {0: 0.994, 8: 0.93})
    assert fields.decide(slip)[0] == Code.OK
    # a weak glyph in a weak line is blur, not an edit (a genuine 2 MP capture: 0.84 in a
    # line whose median is 0.89)
    line = {i: 0.89 for i in range(9)} | {8: 0.842}
    assert fields.decide(_evidence("T26004896", "726004898", 29.0, line))[0] == Code.OK
    # a weak glyph where OCR reads nothing different says nothing on its own
    assert fields.decide(_evidence("T26004896", "T26004896", 29.0, weak))[0] == Code.OK
