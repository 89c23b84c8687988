"""Printed-field and MRZ checks (verifier/image/fields.py): scores, outcomes and time.

    .venv/bin/python bench/fields.py [--quick]

Issues TTDs and legalizations with a throw-away dev PKI, rasterizes page 1 with PDFium and
builds three kinds of capture: a 300 dpi scan, a 150 dpi scan and a 12 MP phone photo
(rendered at 360 dpi, then a perspective warp, blur σ 0.9 px, noise and JPEG q80). On each it
measures every bound field of the genuine page, then the same field with its last characters
painted over and redrawn in DejaVu Sans Bold and in the very font of the print (Noto Sans
Bold), and one MRZ character changed. Prints the per-glyph render scores, the OCR reads,
the outcomes, and the time per field and per page (median, one core).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from legalize.documents.issue import issue_legalization, issue_ttd  # noqa: E402
from legalize.documents.legalization import LegalizationData  # noqa: E402
from legalize.documents.sanitize import sanitize_underlying  # noqa: E402
from legalize.documents.ttd import TtdData  # noqa: E402
from legalize.kinds import DocumentType  # noqa: E402
from legalize.pki.devkeys import init_dev  # noqa: E402
from legalize.seal.checkcode import new_check_code  # noqa: E402
from legalize.seal.profiles import decode, read_profile  # noqa: E402
from legalize.seal.qrtext import parse_qr_text  # noqa: E402
from tests.helpers import fields_forgery as ff  # noqa: E402
from verifier.image import fields  # noqa: E402
from verifier.image.page import LocatedPage  # noqa: E402

EXAMPLES = ROOT / "examples"
URL = "HTTPS://CHECK.LEGALIZE.EXAMPLE/V/"
HOLDERS = [
    ("T00001234", "Perera", "Kamala Shiromi", date(1985, 3, 14), "F"),
    ("N04512877", "Wickramasinghe", "Don Sunil", date(1979, 11, 2), "M"),
    ("T00009876", "Gunasékara-Müller", "Ánura", date(2001, 7, 30), "M"),
    ("P20261188", "Jayasuriya Arachchige", "Mohamed Fathima Rizna", date(1992, 12, 25), "F"),
]
LEGALIZATIONS = [
    ("L2026000042", "A. B. Wijesinghe", "Registrar of Births", "Registrar General", "Colombo"),
    ("L2026000077", "ආර්. ඒ. පෙරේරා", "District Registrar", "பதிவாளர்", "කොළඹ"),
]
TAIL = {"0": "8", "1": "7", "2": "9", "3": "8", "4": "5", "5": "6", "6": "5", "7": "1", "8": "3"}
NOTO_BOLD = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"


def _tail(text: str) -> str:
    last = text[-1]
    if last in TAIL:
        return TAIL[last]
    if last.isalpha() and last.isascii():
        return "X" if last.upper() != "X" else "K"
    return ""


def issue_all(at: datetime) -> list[tuple[DocumentType, bytes, dict[str, Any]]]:
    pki = init_dev(Path(tempfile.mkdtemp()) / "keys", at)
    docs: list[tuple[DocumentType, bytes, dict[str, Any]]] = []
    photo = (EXAMPLES / "holder.jpg").read_bytes()
    for number, surname, given, born, sex in HOLDERS:
        data = TtdData(
            number, surname, given, born, "Kandy", sex, "LKA", at.date(),
            at.date() + timedelta(days=30), "Embassy of Sri Lanka, Rome", new_check_code(),
            personal_number="198507401234",
        )  # fmt: skip
        doc = issue_ttd(data, photo, pki.signer("TTD"), at, check_url=URL)
        seal = read_profile(decode(parse_qr_text(doc.seal_text))).fields()
        docs.append((DocumentType.TTD, doc.pdf, seal))
    underlying = sanitize_underlying((EXAMPLES / "underlying.pdf").read_bytes(), "u.pdf")
    for number, signed_by, capacity, seal_of, place in LEGALIZATIONS:
        legal = LegalizationData(
            number, "Democratic Socialist Republic of Sri Lanka", signed_by, capacity, seal_of,
            place, at.date(), "Consular Affairs Division", new_check_code(), "Birth certificate",
        )  # fmt: skip
        doc = issue_legalization(
            legal, underlying, pki.signer("LEG"), at, check_url=URL,
            issuing_country="LKA", document_country="LKA",
        )  # fmt: skip
        seal = read_profile(decode(parse_qr_text(doc.seal_text))).fields()
        docs.append((DocumentType.LEGALIZATION, doc.pdf, seal))
    return docs


CAPTURES = {"scan 300 dpi": 300, "scan 150 dpi": 150, "phone 12 MP": 360}


def page_of(image: Image.Image, kind: DocumentType, capture: str) -> LocatedPage:
    return ff.captured(image, kind) if capture.startswith("phone") else ff.located(image, kind)


def main() -> None:
    quick = "--quick" in sys.argv
    at = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
    docs = issue_all(at)
    if quick:
        docs = [docs[0], docs[-1]]
    genuine_glyph: dict[str, list[float]] = defaultdict(list)
    forged_glyph: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    ocr_exact: Counter[str] = Counter()
    ocr_total: Counter[str] = Counter()
    mrz_genuine: list[float] = []
    mrz_forged: list[float] = []
    field_ms: dict[str, list[float]] = defaultdict(list)
    page_ms: list[float] = []
    misses: list[str] = []
    for kind, pdf, seal in docs:
        for capture, dpi in CAPTURES.items():
            scan = ff.rasterize(pdf, dpi)
            page = page_of(scan, kind, capture)
            fields.check_fields(page, seal)  # warm: models, fonts
            started = time.perf_counter()
            checks = fields.check_fields(page, seal)
            if kind is DocumentType.TTD:
                mrz = fields.check_mrz(page, seal)
                mrz_genuine.append(mrz.data["min_margin"])
                checks.append(mrz)
            if kind is DocumentType.TTD and capture.startswith("phone"):
                page_ms.append((time.perf_counter() - started) * 1000)
            for check in checks:
                if check.code == "NOT_APPLICABLE":
                    continue
                outcomes[(capture, "genuine")][check.code] += 1
                if "milliseconds" in check.data and capture.startswith("phone"):
                    field_ms[check.name].append(check.data["milliseconds"])
                if "glyph_scores" in check.data:
                    genuine_glyph[capture].append(min(check.data["glyph_scores"]))
                    ocr_total[capture] += 1
                    ocr_exact[capture] += check.data["ocr_distance"] == 0
            specs = (
                fields.ttd_specs(seal)
                if kind is DocumentType.TTD
                else fields.legalization_specs(seal)
            )
            for spec in specs:
                replacement = _tail(spec.expected[0])
                if not replacement or spec.key == "country":
                    continue
                for font, label in ((ff.DEJAVU_BOLD, "edit DejaVu"), (NOTO_BOLD, "edit Noto")):
                    forged = ff.edit_tail(scan, spec, replacement, font_path=font)
                    evidence = fields.measure(page_of(forged, kind, capture), spec)
                    code, _ = fields.decide(evidence)
                    outcomes[(capture, label)][code] += 1
                    if code != "FIELD_MISMATCH":
                        misses.append(
                            f"{capture}, {label}: {spec.key} {spec.expected[0]!r} → …"
                            f"{replacement!r}: {code}, read {evidence.read.text!r}, glyph "
                            f"scores {[round(v, 2) for v in evidence.char_scores.values()]}"
                        )
                    last = max(evidence.char_scores) if evidence.char_scores else None
                    if last is not None:
                        forged_glyph[capture].append(evidence.char_scores[last])
            if kind is DocumentType.TTD:
                lines = seal["printed_mrz"]
                original = lines[1][8]
                forged = ff.edit_mrz_char(scan, 1, 8, "5" if original != "5" else "6")
                mrz = fields.check_mrz(page_of(forged, kind, capture), seal)
                outcomes[(capture, "MRZ char")][mrz.code] += 1
                mrz_forged.append(-max(s[1] - s[0] for s in mrz.data.get("scores", [[0, 0]])))
    print(f"{len(docs)} documents × {len(CAPTURES)} captures\n")
    print("outcomes (field checks; MRZ as one check):")
    for (capture, case), counter in sorted(outcomes.items()):
        print(f"  {capture:13s} {case:12s} {dict(counter)}")
    print("\nedits not caught:")
    for miss in misses:
        print(f"  {miss}")
    print("\nlowest glyph score of each genuine field / score of the edited last glyph:")
    for capture in CAPTURES:
        g, f = genuine_glyph[capture], forged_glyph[capture]
        print(
            f"  {capture:13s} genuine min {min(g):.3f} (5th pct {_pct(g, 5):.3f})"
            f"   edited max {max(f):.3f} (95th pct {_pct(f, 95):.3f})"
            f"   OCR exact {ocr_exact[capture]}/{ocr_total[capture]}"
        )
    print(
        f"\nMRZ: genuine min margin (expected − best other) {min(mrz_genuine):.3f}; "
        f"changed cell: best other led by ≥ {-max(mrz_forged):.3f}"
    )
    print("\ntime on the 12 MP phone photo (ms, median per field):")
    for name, values in sorted(field_ms.items()):
        print(f"  {name:34s} {statistics.median(values):6.1f}")
    print(f"  all fields + MRZ of a TTD, median   {statistics.median(page_ms):6.1f}")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


if __name__ == "__main__":
    main()
