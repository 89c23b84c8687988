"""Make the example files once: examples/underlying.pdf and examples/holder.jpg.

    .venv/bin/python scripts/make_examples.py

underlying.pdf is a specimen birth certificate (fictional data, marked SPECIMEN) drawn with
reportlab, fonts embedded. holder.jpg is made from scikit-image's ``data.astronaut()``, a NASA
portrait in the public domain, put on a plain backdrop and framed so that it passes the ICAO
portrait checks (tests/test_examples_web_flow.py checks it does). The outputs are committed;
run again only to change them (the same versions of Pillow and scikit-image give the same
bytes).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageFilter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTO = Path("/usr/share/fonts/truetype/noto")


# The astronaut's head in scikit-image's 512 × 512 picture, measured by hand: top of the skull
# (under the hair), chin, and the face midline (the same numbers as tests/test_imaging_portrait).
CROWN, CHIN, MIDLINE = 36.0, 176.0, 223.5
BACKDROP = (234, 234, 230)  # light grey, as a photo studio's
MASK = EXAMPLES.parent / "tests" / "data" / "portraits" / "astronaut_mask.png"


def holder_photo(path: Path, width: int = 480) -> None:
    """A portrait that passes every ICAO check of legalize.imaging.portrait: the astronaut
    on a plain backdrop (her person mask, made once with GrabCut, is committed), enlarged
    three times, framed 35:45 with the head at 75 % of the height and 10 % above the crown."""
    import numpy as np
    from skimage import data

    scale = 3
    rgb = data.astronaut().astype(np.float32)
    mask = np.asarray(Image.open(MASK).convert("L").filter(ImageFilter.GaussianBlur(1)))
    alpha = mask.astype(np.float32)[..., None] / 255
    plain = rgb * alpha + np.array(BACKDROP, np.float32) * (1 - alpha)
    scene = Image.fromarray(plain.astype(np.uint8))
    scene = scene.resize((512 * scale, 512 * scale), Image.Resampling.BICUBIC)
    height = (CHIN - CROWN) * scale / 0.75
    frame_width = height * 35 / 45
    top = round(CROWN * scale - 0.10 * height)
    left = round(MIDLINE * scale - frame_width / 2)
    box = (left, top, left + round(frame_width), top + round(height))
    portrait = scene.crop(box).resize((width, round(width * 45 / 35)), Image.Resampling.LANCZOS)
    portrait.save(path, quality=88, optimize=True)


def underlying_pdf(path: Path) -> None:
    for name in ("NotoSans-Regular", "NotoSans-Bold", "NotoSansSinhala-Bold", "NotoSansTamil-Bold"):
        pdfmetrics.registerFont(TTFont(name, str(NOTO / f"{name}.ttf")))
    width, height = 210 * mm, 297 * mm
    canvas = Canvas(str(path), pagesize=(width, height), initialFontName="NotoSans-Regular")
    canvas.setTitle("Birth certificate No. 4711 (specimen)")
    canvas.setAuthor("Registrar General's Department")
    canvas.setStrokeColorRGB(0.2, 0.3, 0.5)
    canvas.setLineWidth(2)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.6)
    canvas.rect(14 * mm, 14 * mm, width - 28 * mm, height - 28 * mm)

    for text, font, size, y in (
        ("උප්පැන්න සහතිකය", "NotoSansSinhala-Bold", 15, 262),
        ("பிறப்புச் சான்றிதழ்", "NotoSansTamil-Bold", 13, 253),
    ):
        style = ParagraphStyle(
            "h", fontName=font, fontSize=size, leading=size * 1.3, alignment=1, shaping=1
        )
        para = Paragraph(text, style)
        para.wrapOn(canvas, width - 40 * mm, 20 * mm)
        para.drawOn(canvas, 20 * mm, y * mm)
    canvas.setFillColorRGB(0.1, 0.15, 0.3)
    canvas.setFont("NotoSans-Bold", 17)
    canvas.drawCentredString(width / 2, 243 * mm, "BIRTH CERTIFICATE")
    canvas.setFont("NotoSans-Regular", 9)
    canvas.drawCentredString(
        width / 2, 236 * mm, "Births and Deaths Registration Act (Chapter 110)"
    )
    canvas.drawCentredString(
        width / 2,
        231 * mm,
        "Divisional Secretariat: Colombo  ·  Registrar's division: Thimbirigasyaya",
    )
    canvas.setFont("NotoSans-Bold", 10)
    canvas.drawString(22 * mm, 220 * mm, "Certificate No. 4711")
    canvas.drawRightString(width - 22 * mm, 220 * mm, "Entry No. 1988/03/0412")

    rows = (
        ("1", "Date of birth", "14 March 1988"),
        ("2", "Place of birth", "General Hospital, Kandy"),
        ("3", "Name", "Kumari Nirmala Perera"),
        ("4", "Sex", "Female"),
        ("5", "Father's full name", "Sunil Anura Perera"),
        ("6", "Father's date of birth", "2 June 1959"),
        ("7", "Mother's full name", "Chandrika Malani Perera (née Silva)"),
        ("8", "Mother's date of birth", "19 October 1962"),
        ("9", "Were the parents married?", "Yes"),
        ("10", "Informant", "Sunil Anura Perera, father"),
        ("11", "Date of registration", "28 March 1988"),
    )
    y = 205 * mm
    canvas.setLineWidth(0.4)
    for number, label, value in rows:
        canvas.setStrokeColorRGB(0.6, 0.65, 0.75)
        canvas.line(20 * mm, y - 3 * mm, width - 20 * mm, y - 3 * mm)
        canvas.setFillColorRGB(0.35, 0.35, 0.45)
        canvas.setFont("NotoSans-Regular", 9)
        canvas.drawString(22 * mm, y, f"{number}.")
        canvas.drawString(30 * mm, y, label)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont("NotoSans-Bold", 10.5)
        canvas.drawString(85 * mm, y, value)
        y -= 11 * mm

    canvas.setFont("NotoSans-Regular", 9)
    canvas.drawString(
        22 * mm,
        62 * mm,
        "I hereby certify that the above is a true copy of the entry in the register.",
    )
    canvas.drawString(22 * mm, 40 * mm, "R. A. Perera")
    canvas.drawString(22 * mm, 35 * mm, "District Registrar, Colombo")
    canvas.drawString(22 * mm, 30 * mm, "Issued at Colombo on 2 November 2026")
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.line(22 * mm, 45 * mm, 90 * mm, 45 * mm)
    # the registrar's round stamp
    canvas.setStrokeColorRGB(0.55, 0.1, 0.45)
    canvas.setFillColorRGB(0.55, 0.1, 0.45)
    canvas.setLineWidth(1.2)
    cx, cy = 150 * mm, 42 * mm
    canvas.circle(cx, cy, 18 * mm)
    canvas.circle(cx, cy, 12 * mm)
    canvas.setFont("NotoSans-Bold", 6.5)
    canvas.drawCentredString(cx, cy + 1 * mm, "REGISTRAR")
    canvas.drawCentredString(cx, cy - 3 * mm, "COLOMBO")
    canvas.setFont("NotoSans-Bold", 4.4)
    canvas.drawCentredString(cx, cy + 14 * mm, "REGISTRAR GENERAL'S DEPT.")
    canvas.drawCentredString(cx, cy - 15.5 * mm, "SRI LANKA")
    canvas.saveState()
    canvas.setFillColorRGB(0.96, 0.72, 0.72)
    canvas.setFont("NotoSans-Bold", 40)
    canvas.translate(width / 2, 140 * mm)
    canvas.rotate(35)
    canvas.drawCentredString(0, 0, "SPECIMEN")
    canvas.restoreState()
    canvas.showPage()
    canvas.save()


def main() -> int:
    EXAMPLES.mkdir(exist_ok=True)
    underlying_pdf(EXAMPLES / "underlying.pdf")
    holder_photo(EXAMPLES / "holder.jpg")
    print(f"wrote {EXAMPLES / 'underlying.pdf'} and {EXAMPLES / 'holder.jpg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
