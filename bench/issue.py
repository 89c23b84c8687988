"""Signed TTDs per second: our pipeline beside a naive one built from the libraries' defaults.

    .venv/bin/python bench/issue.py [SECONDS]

Both pipelines make the same document from the same data — seal, page with photo, security
background, QR, MRZ, PAdES certification signature — and are timed in the same run:

- ours: legalize.documents.issue.issue_ttd (background and template drawn once per process
  as form XObjects, QR as vector modules from a fixed-mask matrix, signature space reserved
  up front so pyHanko signs once);
- naive: the same page drawn the straightforward way every time (guilloche curves recomputed
  and stroked per document, reportlab's QR widget, the photo through ImageReader), signed with
  pyHanko's default ``signers.sign_pdf`` (which signs twice to size the signature).

Each runs for SECONDS (default 8) on one core, then on both cores (one process per core).
Prints documents per second and the ratio. Goals: ≥ 40 signed TTDs/s on 2 cores, ≥ 10× naive.
"""

from __future__ import annotations

import io
import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AT = datetime(2026, 11, 23, 12, tzinfo=UTC)
CHECK_URL = "HTTPS://CHECK.LEGALIZE.EXAMPLE/V/"
PHOTO = (ROOT / "examples" / "holder.jpg").read_bytes()

_state: dict[str, Any] = {}


def _data(i: int) -> Any:
    from legalize.documents.ttd import TtdData
    from legalize.seal.checkcode import new_check_code

    return TtdData(
        document_number=f"T26{i % 1_000_000:06d}",
        surname="PERERA",
        given_names="KAMALA SHIROMI",
        birth_date=date(1985, 3, 14),
        place_of_birth="KANDY",
        sex="F",
        nationality="LKA",
        issue_date=AT.date(),
        expiry_date=AT.date() + timedelta(days=30),
        issuing_post="EMBASSY OF SRI LANKA, ROME",
        check_code=new_check_code(),
        personal_number="198507401234",
    )


def _setup(keys: str) -> None:
    from cryptography.x509 import load_pem_x509_certificate

    from legalize.config import Config
    from legalize.pki.authority import ROOT_CERT
    from legalize.pki.devkeys import DEV_PASSPHRASE
    from legalize.signers import load_signer

    config = Config(keys_dir=Path(keys), key_passphrase=DEV_PASSPHRASE)
    signer = load_signer(config, "TTD", AT)
    _state["signer"] = signer
    _state["root"] = load_pem_x509_certificate((Path(keys) / ROOT_CERT).read_bytes())


def ours(i: int) -> bytes:
    from legalize.documents.issue import issue_ttd

    doc = issue_ttd(
        _data(i), PHOTO, _state["signer"], AT, check_url=CHECK_URL, chain=[_state["root"]]
    )
    return doc.pdf


def naive(i: int) -> bytes:
    """The same document from the libraries' defaults, nothing cached between documents."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from legalize.documents import guilloche, layout
    from legalize.documents.issue import ttd_seal_data
    from legalize.imaging.photo import photo_for_print, photo_gray, photo_hash
    from legalize.seal.profiles import seal_ttd
    from legalize.seal.qrtext import qr_text

    data = _data(i)
    signer = _state["signer"]
    pixels = photo_for_print(PHOTO)
    seal = seal_ttd(ttd_seal_data(data, photo_hash(photo_gray(pixels))), signer, AT)
    text = qr_text(seal, CHECK_URL)

    mm = layout.MM
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(layout.PAGE_WIDTH * mm, layout.PAGE_HEIGHT * mm))

    def stroke(strands: list[Any]) -> None:
        for strand in strands:
            path = canvas.beginPath()
            x0, y0 = layout.to_pdf(*strand[0])
            path.moveTo(x0, y0)
            for x, y in strand[1:]:
                path.lineTo(*layout.to_pdf(x, y))
            canvas.drawPath(path, stroke=1, fill=0)

    panel = layout.TTD_PANEL
    canvas.setLineWidth(0.2)
    canvas.setStrokeColorRGB(0.55, 0.75, 0.65)
    stroke(guilloche.background_rosette(panel.centre, panel.h / 2))
    fine = layout.TTD_FINE_LINES
    stroke(guilloche.wave_band(fine.x, fine.y, fine.w, fine.h, 24, 6.0))
    stroke(guilloche.border(panel.x, panel.y, panel.w, panel.h, 6.0))
    r = layout.TTD_ROSETTE
    stroke(guilloche.rosette(guilloche.rosette_params(data.document_number), r.centre, r.w / 2))

    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(25 * mm, (layout.PAGE_HEIGHT - 30) * mm, "TEMPORARY TRAVEL DOCUMENT")
    canvas.setFont("Helvetica", 10)
    rows = [
        data.surname,
        data.given_names,
        data.nationality,
        data.birth_date.isoformat(),
        data.place_of_birth,
        data.sex,
        data.document_number,
        data.issue_date.isoformat(),
        data.expiry_date.isoformat(),
        data.issuing_post,
        data.check_code,
    ]
    for n, value in enumerate(rows):
        canvas.drawString(62 * mm, (layout.PAGE_HEIGHT - 70 - 8 * n) * mm, value)
    photo = layout.TTD_PHOTO
    x, y = layout.to_pdf(photo.x, photo.y + photo.h)
    canvas.drawImage(ImageReader(io.BytesIO(PHOTO)), x, y, photo.w * mm, photo.h * mm)

    widget = QrCodeWidget(text, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    size = layout.TTD_QR.w * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    qx, qy = layout.to_pdf(layout.TTD_QR.x, layout.TTD_QR.y + layout.TTD_QR.h)
    renderPDF.draw(drawing, canvas, qx, qy)

    canvas.setFont("Courier", 11)
    for n, line in enumerate(data.mrz_lines()):
        canvas.drawString(20 * mm, (layout.PAGE_HEIGHT - 263 - 6 * n) * mm, line)
    canvas.showPage()
    canvas.save()

    key = signer.private_key
    cert = signer.certificate
    der = cert.public_bytes(serialization.Encoding.DER)
    root_der = _state["root"].public_bytes(serialization.Encoding.DER)
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    simple = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(der),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(root_der)]),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(buffer.getvalue()))
    out = signers.sign_pdf(
        writer, signers.PdfSignatureMetadata(field_name="Signature", certify=True), signer=simple
    )
    return out.getvalue()


def _worker(args: tuple[str, str, float, int]) -> tuple[int, float, float]:
    """(documents made, seconds, seconds of this process's CPU) in the timed window."""
    keys, which, seconds, offset = args
    _setup(keys)
    make = ours if which == "ours" else naive
    make(offset)  # warm-up outside the timed window
    start, cpu = time.perf_counter(), time.process_time()
    count = 0
    while time.perf_counter() - start < seconds:
        make(offset + count + 1)
        count += 1
    return count, time.perf_counter() - start, time.process_time() - cpu


def rate(keys: str, which: str, seconds: float, processes: int) -> float:
    return rate_and_cpu(keys, which, seconds, processes)[0]


def rate_and_cpu(keys: str, which: str, seconds: float, processes: int) -> tuple[float, float]:
    """Documents per second on ``processes`` processes, and ms of CPU per document (which
    grows when the processes share busy cores: bench/issue_queue.py prints it beside)."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        results = pool.map(
            _worker, [(keys, which, seconds, 100_000 * (p + 1)) for p in range(processes)]
        )
    made = sum(count for count, _elapsed, _cpu in results)
    per_doc = 1000 * sum(cpu for _count, _elapsed, cpu in results) / max(made, 1)
    return sum(count / elapsed for count, elapsed, _cpu in results), per_doc


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
    from legalize.pki.devkeys import init_dev

    with tempfile.TemporaryDirectory() as tmp:
        keys = str(Path(tmp) / "keys")
        init_dev(Path(keys), AT - timedelta(days=1))
        print(f"signed TTD PDFs per second ({seconds:g} s per figure, P-256 key file)")
        figures = {}
        for which in ("ours", "naive"):
            for processes in (1, 2):
                figures[which, processes] = rate(keys, which, seconds, processes)
                label = f"{which:5} {processes} core{'s' if processes > 1 else ' '}"
                per_doc = 1000 * processes / figures[which, processes]
                print(f"  {label}: {figures[which, processes]:7.1f} /s  ({per_doc:6.1f} ms each)")
        for processes in (1, 2):
            ratio = figures["ours", processes] / figures["naive", processes]
            print(f"  ratio ours/naive on {processes} core(s): {ratio:.1f}x")


if __name__ == "__main__":
    main()
