"""Issuance end to end: seal + render + sign, then outside checks of the result.

Every issued PDF is checked by tools that are not ours: poppler's pdfsig (valid, trusted with
our root, total document signed), qpdf --check, and an independent QR decoder (zxing-cpp) on
a 150 dpi raster of page 1 made by pdftoppm.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import Certificate, load_pem_x509_certificate

from legalize.documents.issue import IssuedDocument, issue_legalization, issue_ttd
from legalize.documents.legalization import LegalizationData
from legalize.documents.sanitize import sanitize_underlying
from legalize.documents.ttd import TtdData
from legalize.pki.trust import TrustStore
from legalize.seal.checkcode import new_check_code
from legalize.seal.profiles import LegalizationSeal, TtdSeal, decode, read_profile
from legalize.seal.qrtext import parse_qr_text
from tests.helpers.support import need_tool
from verifier.pdf import verify_pdf
from verifier.report import Verdict

EXAMPLES = Path(__file__).parent.parent / "examples"
CHECK_URL = "HTTPS://CHECK.LEGALIZE.EXAMPLE/V/"


@pytest.fixture(scope="module")
def at(dev_pki) -> datetime:  # type: ignore[no-untyped-def]
    return dev_pki.at + timedelta(hours=2)


@pytest.fixture(scope="module")
def root(dev_pki) -> Certificate:  # type: ignore[no-untyped-def]
    return load_pem_x509_certificate(dev_pki.root_cert.read_bytes())


@pytest.fixture(scope="module")
def trust(dev_pki) -> TrustStore:  # type: ignore[no-untyped-def]
    return TrustStore.load(dev_pki.trust_dir)


def ttd_data(at: datetime, number: str = "T00001234") -> TtdData:
    return TtdData(
        document_number=number,
        surname="Perera",
        given_names="Kamala Shiromi",
        birth_date=date(1985, 3, 14),
        place_of_birth="Kandy",
        sex="F",
        nationality="LKA",
        issue_date=at.date(),
        expiry_date=at.date() + timedelta(days=30),
        issuing_post="Embassy of Sri Lanka, Rome",
        check_code=new_check_code(),
        personal_number="198507401234",
    )


@pytest.fixture(scope="module")
def ttd(dev_pki, at: datetime, root: Certificate) -> IssuedDocument:  # type: ignore[no-untyped-def]
    photo = (EXAMPLES / "holder.jpg").read_bytes()
    return issue_ttd(
        ttd_data(at), photo, dev_pki.signer("TTD"), at, check_url=CHECK_URL, chain=[root]
    )


@pytest.fixture(scope="module")
def underlying_bytes() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "Certificate of Birth No. 1234, Registrar of Births, Colombo")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def legalization(
    dev_pki, at: datetime, root: Certificate, underlying_bytes: bytes
) -> IssuedDocument:  # type: ignore[no-untyped-def]
    underlying = sanitize_underlying(underlying_bytes, "birth.pdf")
    data = LegalizationData(
        number="L2026000042",
        country="Democratic Socialist Republic of Sri Lanka",
        signed_by="A. B. Wijesinghe",
        capacity="Registrar of Births, Colombo",
        seal_of="Registrar General's Department",
        place="Colombo",
        date=at.date(),
        certified_by="Consular Affairs Division, Ministry of Foreign Affairs",
        check_code=new_check_code(),
        document_title="Birth certificate No. 1234",
    )
    return issue_legalization(
        data,
        underlying,
        dev_pki.signer("LEG"),
        at,
        check_url=CHECK_URL,
        issuing_country="LKA",
        document_country="LKA",
        chain=[root],
    )


@pytest.fixture(scope="module")
def nss_db(root: Certificate, tmp_path_factory: pytest.TempPathFactory) -> Path:
    certutil = need_tool("certutil")
    folder = tmp_path_factory.mktemp("nss")
    pem = folder / "root.pem"
    pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    subprocess.run([certutil, "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    subprocess.run(
        [certutil, "-A", "-d", f"sql:{folder}", "-n", "root", "-t", "CT,C,C", "-i", str(pem)],
        check=True,
    )
    return folder


KINDS = ["ttd", "legalization"]


@pytest.mark.parametrize("kind", KINDS)
def test_issued_document_verifies(
    kind: str, request: pytest.FixtureRequest, trust: TrustStore, at: datetime
) -> None:
    doc: IssuedDocument = request.getfixturevalue(kind)
    assert hashlib.sha256(doc.pdf).hexdigest() == doc.sha256
    report = verify_pdf(doc.pdf, trust, at + timedelta(days=1))
    assert report.verdict is Verdict.VALID, report.to_text()
    assert report.data["number"] == doc.number


def test_seal_carries_what_the_page_prints(ttd: IssuedDocument) -> None:
    profile = read_profile(decode(parse_qr_text(ttd.seal_text)))
    assert isinstance(profile, TtdSeal)
    assert profile.document_number == "T00001234"
    assert profile.photo_hash is not None and len(profile.photo_hash) == 32
    fields = profile.fields()
    assert fields["surname"] == "PERERA" and fields["given_names"] == "KAMALA SHIROMI"
    # the TD3 MRZ printed on the page is the one the seal carries (extension 0xC2)
    printed = ttd_data(ttd_at(ttd)).mrz_lines()
    assert profile.printed_mrz == "".join(printed)
    assert len(ttd.seal) <= 350


def ttd_at(doc: IssuedDocument) -> datetime:
    issued = read_profile(decode(doc.seal)).fields()["issue_date"]
    return datetime.fromisoformat(str(issued)).replace(hour=12, tzinfo=UTC)


def test_legalization_seal_binds_the_sanitized_underlying(
    legalization: IssuedDocument, underlying_bytes: bytes
) -> None:
    profile = read_profile(decode(legalization.seal))
    assert isinstance(profile, LegalizationSeal)
    sanitized = sanitize_underlying(underlying_bytes, "birth.pdf")
    assert profile.document_sha256.hex() == sanitized.sha256
    assert len(legalization.seal) <= 350


@pytest.mark.parametrize("kind", KINDS)
def test_pdfsig_valid_trusted_total(
    kind: str, request: pytest.FixtureRequest, nss_db: Path, tmp_path: Path
) -> None:
    doc: IssuedDocument = request.getfixturevalue(kind)
    path = tmp_path / "doc.pdf"
    path.write_bytes(doc.pdf)
    out = subprocess.run(
        [need_tool("pdfsig"), "-nssdir", f"sql:{nss_db}", str(path)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert "Signature is Valid" in out, out
    assert "Certificate is Trusted" in out, out
    assert "Total document signed" in out, out


@pytest.mark.parametrize("kind", KINDS)
def test_qpdf_check(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    doc: IssuedDocument = request.getfixturevalue(kind)
    path = tmp_path / "doc.pdf"
    path.write_bytes(doc.pdf)
    result = subprocess.run(
        [need_tool("qpdf"), "--check", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_qr_decodes_from_150_dpi_raster(kind: str, request: pytest.FixtureRequest) -> None:
    import zxingcpp
    from PIL import Image

    doc: IssuedDocument = request.getfixturevalue(kind)
    png = subprocess.run(
        [
            need_tool("pdftoppm"),
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-gray",
            "-png",
            "-singlefile",
            "-",
        ],
        input=doc.pdf,
        capture_output=True,
        check=True,
    ).stdout
    page = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    found = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in found] == [doc.seal_text]


def test_tampered_issued_pdf_is_refused(
    ttd: IssuedDocument, trust: TrustStore, at: datetime
) -> None:
    # Change one byte inside the signed range (the document number in the content is
    # compressed, so flip a byte in the middle of the file instead).
    data = bytearray(ttd.pdf)
    middle = len(data) // 3
    data[middle] ^= 0x01
    report = verify_pdf(bytes(data), trust, at)
    assert report.verdict is not Verdict.VALID


def test_tsa_failure_lowers_level_but_issues(dev_pki, at: datetime, root: Certificate) -> None:  # type: ignore[no-untyped-def]
    photo = (EXAMPLES / "holder.jpg").read_bytes()
    doc = issue_ttd(
        ttd_data(at, "T00009999"),
        photo,
        dev_pki.signer("TTD"),
        at,
        check_url=CHECK_URL,
        chain=[root],
        tsa_url="http://127.0.0.1:9/",  # discard port: nothing listens
    )
    assert doc.level == "B-B"
    assert doc.timestamp_error


def test_naive_time_is_refused(dev_pki) -> None:  # type: ignore[no-untyped-def]
    photo = (EXAMPLES / "holder.jpg").read_bytes()
    naive = datetime(2026, 1, 15, 12)
    with pytest.raises(ValueError):
        issue_ttd(
            ttd_data(naive.replace(tzinfo=UTC)),
            photo,
            dev_pki.signer("TTD"),
            naive,
            check_url=CHECK_URL,
        )


def test_concurrent_issuance_from_threads(
    dev_pki, at: datetime, root: Certificate, underlying_bytes: bytes
) -> None:  # type: ignore[no-untyped-def]
    """Web workers issue from several threads: TTDs and legalizations with Sinhala values
    (per-document font subsets) at once must all come out whole and verifiable."""
    from concurrent.futures import ThreadPoolExecutor

    photo = (EXAMPLES / "holder.jpg").read_bytes()
    underlying = sanitize_underlying(underlying_bytes, "birth.pdf")

    def one(n: int) -> IssuedDocument:
        if n % 2:
            return issue_ttd(
                ttd_data(at, f"T26{n:06d}"),
                photo,
                dev_pki.signer("TTD"),
                at,
                check_url=CHECK_URL,
                chain=[root],
            )
        data = LegalizationData(
            number=f"L26{n:06d}",
            country="Democratic Socialist Republic of Sri Lanka",
            signed_by="ආර්. පෙරේරා" if n % 4 == 0 else "R. Perera",
            capacity="Registrar",
            seal_of="Registrar General's Department",
            place="Colombo",
            date=at.date(),
            certified_by="Consular Affairs Division",
            check_code=new_check_code(),
        )
        return issue_legalization(
            data,
            underlying,
            dev_pki.signer("LEG"),
            at,
            check_url=CHECK_URL,
            issuing_country="LKA",
            document_country="LKA",
            chain=[root],
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        docs = list(pool.map(one, range(18)))
    trust = TrustStore.load(dev_pki.trust_dir)
    assert len({d.number for d in docs}) == 18
    for doc in docs:
        assert verify_pdf(doc.pdf, trust, at).verdict is Verdict.VALID


def test_ttd_issued_as_an_idb_barcode(
    dev_pki,  # type: ignore[no-untyped-def]
    at: datetime,
    root: Certificate,
    trust: TrustStore,
    ttd: IssuedDocument,
) -> None:
    """Config.ttd_seal = idb: the same content in an ICAO IDB barcode; the page's QR carries
    it and it verifies."""
    from verifier.seal import verify_seal

    photo = (EXAMPLES / "holder.jpg").read_bytes()
    signer = dev_pki.signer("TTD")
    doc = issue_ttd(
        ttd_data(at), photo, signer, at, check_url=CHECK_URL, chain=[root], seal_form="idb"
    )
    assert isinstance(doc.seal, str) and doc.seal.startswith("RDB1B")
    assert doc.seal_text == CHECK_URL + doc.seal
    profile = read_profile(decode(parse_qr_text(doc.seal_text)))
    vds = read_profile(decode(ttd.seal))
    assert isinstance(profile, TtdSeal) and isinstance(vds, TtdSeal)
    assert (profile.mrz, profile.printed_mrz, profile.photo_hash) == (
        vds.mrz,
        vds.printed_mrz,
        vds.photo_hash,
    )
    assert profile.check_code is not None and profile.face_image is None
    report = verify_seal(doc.seal_text, trust, at + timedelta(days=1))
    assert report.verdict is Verdict.VALID, report.to_text()
    assert verify_pdf(doc.pdf, trust, at + timedelta(days=1)).verdict is Verdict.VALID


def test_an_idb_with_a_face_image_does_not_fit_the_page(
    dev_pki,  # type: ignore[no-untyped-def]
    at: datetime,
) -> None:
    """The IDB with the holder's face (about 1,100 QR characters, version 22) needs modules
    below 0.5 mm in the page's 48 mm square: refused before anything is signed into a PDF
    (docs/seal-format.md §5)."""
    from legalize.documents.qr import QrError

    photo = (EXAMPLES / "holder.jpg").read_bytes()
    with pytest.raises(QrError, match=r"0\.5 mm"):
        issue_ttd(
            ttd_data(at),
            photo,
            dev_pki.signer("TTD"),
            at,
            check_url=CHECK_URL,
            seal_form="idb-face",
        )


def test_image_verifier_reads_an_idb_ttd(
    dev_pki,  # type: ignore[no-untyped-def]
    at: datetime,
    root: Certificate,
    trust: TrustStore,
    tmp_path: Path,
) -> None:
    """The photo-of-the-paper verifier finds, verifies and compares an IDB seal as it does a
    VDS: the same QR square, the same fields (a flatbed scan of the rendered page)."""
    import random

    from bench.forgesim import capture
    from bench.forgesim.corpus import render_page
    from verifier.image import verify_image

    doc = issue_ttd(
        ttd_data(at),
        (EXAMPLES / "holder.jpg").read_bytes(),
        dev_pki.signer("TTD"),
        at,
        check_url=CHECK_URL,
        chain=[root],
        seal_form="idb",
    )
    pdf = tmp_path / "idb.pdf"
    pdf.write_bytes(doc.pdf)
    jpeg = capture.scan_300dpi(render_page(str(pdf)), random.Random(3)).jpeg
    report = verify_image(jpeg, trust, at + timedelta(hours=1)).report
    assert report.verdict is Verdict.VALID, report.to_text()
    assert report.data["format"] == "IDB"
