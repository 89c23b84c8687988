"""A corpus of GENUINE documents: real issuances with the dev PKI, page 1 rendered at 300 dpi.

What a genuine paper is, the forger and the verifier agree on: it is what ``legalize`` issues.
So this module issues TTDs for several different holders (different names, dates, numbers and
faces) and legalizations of the example underlying document with different signers and
numbers, with a dev PKI made once and cached on disk (:data:`DEFAULT_CACHE`), and renders
page 1 of each PDF with PDFium as the printer would see it.

Nothing here imports :mod:`verifier`: the forgery generator must not share the verifier's
blind spots.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "forgesim-cache"
CHECK_URL = "HTTPS://CHECK.LEGALIZE.EXAMPLE/V/"
DPI = 300
CORPUS_VERSION = "4"
"""Bump to invalidate cached corpora when what is issued here changes."""

RgbImage = NDArray[np.uint8]


@dataclass(frozen=True)
class Holder:
    surname: str
    given_names: str
    birth_date: date
    place_of_birth: str
    sex: str
    personal_number: str
    issuing_post: str
    photo: str
    """Name of a portrait source (:func:`portrait`)."""


HOLDERS: tuple[Holder, ...] = (
    Holder(
        "PERERA",
        "KUMARI NIRMALA",
        date(1988, 3, 14),
        "KANDY",
        "F",
        "198857400123",
        "EMBASSY OF SRI LANKA, ROME",
        "holder",
    ),
    Holder(
        "FERNANDO",
        "ANTON SHEHAN",
        date(1979, 11, 2),
        "NEGOMBO",
        "M",
        "197930601234",
        "EMBASSY OF SRI LANKA, BERLIN",
        "camera",
    ),
    Holder(
        "JAYAWARDENA",
        "DILHANI MALKANTHI",
        date(1992, 6, 27),
        "GALLE",
        "F",
        "199267804567",
        "HIGH COMMISSION OF SRI LANKA, LONDON",
        "lfw:61",
    ),
    Holder(
        "RAJAPAKSHA",
        "NUWAN CHAMARA",
        date(1984, 1, 9),
        "MATARA",
        "M",
        "198400907788",
        "EMBASSY OF SRI LANKA, PARIS",
        "lfw:23",
    ),
    Holder(
        "SIVAKUMAR",
        "THARSHINI",
        date(1996, 9, 30),
        "JAFFNA",
        "F",
        "199677301122",
        "EMBASSY OF SRI LANKA, DOHA",
        "lfw:7",
    ),
    Holder(
        "BANDARA",
        "RUWAN KUMARA",
        date(1973, 5, 18),
        "KURUNEGALA",
        "M",
        "197313905566",
        "EMBASSY OF SRI LANKA, KUWAIT",
        "lfw:42",
    ),
    Holder(
        "MOHAMED",
        "FATHIMA RIZNA",
        date(1990, 12, 3),
        "BATTICALOA",
        "F",
        "199083803344",
        "EMBASSY OF SRI LANKA, RIYADH",
        "lfw:95",
    ),
    Holder(
        "WICKRAMASINGHE",
        "ASANKA PRIYANTHA",
        date(1981, 8, 21),
        "ANURADHAPURA",
        "M",
        "198123409988",
        "EMBASSY OF SRI LANKA, TOKYO",
        "lfw:80",
    ),
)

SIGNERS: tuple[tuple[str, str, str, str], ...] = (
    # signed_by, capacity, seal_of, document title
    (
        "R. A. Perera",
        "District Registrar, Colombo",
        "Registrar General's Department",
        "Birth certificate No. 4711",
    ),
    (
        "K. M. Dissanayake",
        "Additional District Registrar, Kandy",
        "Registrar General's Department",
        "Marriage certificate No. 1893",
    ),
    (
        "S. Thevarajah",
        "Commissioner of Examinations",
        "Department of Examinations",
        "G.C.E. A/L certificate 2011",
    ),
    (
        "N. P. Gunasekara",
        "Notary Public, Galle",
        "Ministry of Justice",
        "Power of attorney No. 88",
    ),
)


@dataclass(frozen=True)
class Genuine:
    """One issued document and what is printed on it."""

    kind: str
    """``TTD`` or ``LEG``."""
    number: str
    pdf: Path
    holder: int
    """Index into :data:`HOLDERS` (TTD) or :data:`SIGNERS` (LEG)."""
    fields: dict[str, str]
    """The printed values as a reader sees them (for the re-typed page)."""

    def page(self) -> RgbImage:
        """Page 1 at 300 dpi, RGB (cached per process)."""
        return render_page(str(self.pdf))


@dataclass(frozen=True)
class Corpus:
    folder: Path
    at: datetime
    """A time at which every document is valid (verify at this time)."""
    trust_dir: Path
    ttds: tuple[Genuine, ...]
    legalizations: tuple[Genuine, ...]

    def trust_store(self):  # type: ignore[no-untyped-def]
        """The dev trust store (legalize.pki.trust.TrustStore)."""
        from legalize.pki.trust import TrustStore

        return TrustStore.load(self.trust_dir)


# --- holder portraits ---------------------------------------------------------------------


def _jpeg(image: Image.Image, quality: int = 92) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _lfw_portrait(index: int) -> Image.Image:
    """A real face from scikit-image's LFW subset (25 × 25 px), enlarged into a passport
    framing: plain light background, the face filling most of the height, a skin tint."""
    import skimage.data

    faces = skimage.data.lfw_subset()
    face = (np.clip(faces[index], 0, 1) * 255).astype(np.uint8)
    rng = np.random.default_rng(index)
    big = Image.fromarray(face, "L").resize((300, 300), Image.Resampling.BICUBIC)
    big = big.filter(ImageFilter.UnsharpMask(radius=4, percent=120, threshold=2))
    tone = np.array([1.0, 0.82, 0.68]) * rng.uniform(0.8, 1.05)
    gray = np.asarray(big, np.float32)[..., None] / 255.0
    rgb = np.clip(gray * tone * 255 + rng.normal(0, 3, (300, 300, 3)), 0, 255).astype(np.uint8)
    backdrop = Image.new("RGB", (350, 450), tuple(int(c) for c in rng.integers(190, 240, 3)))
    draw = ImageDraw.Draw(backdrop)
    shirt = tuple(int(c) for c in rng.integers(20, 160, 3))
    draw.ellipse((10, 340, 340, 620), fill=shirt)
    hair = tuple(int(c) for c in rng.integers(15, 60, 3))
    draw.ellipse((30, 15, 320, 300), fill=hair)
    mask = Image.new("L", (300, 300), 0)
    ImageDraw.Draw(mask).ellipse((20, 0, 280, 300), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(12))
    backdrop.paste(Image.fromarray(rgb, "RGB"), (25, 50), mask)
    return backdrop


def portrait(name: str) -> bytes:
    """A holder photo (JPEG bytes) by source name."""
    if name == "holder":
        return (EXAMPLES / "holder.jpg").read_bytes()
    if name == "ok":
        return (ROOT / "tests" / "data" / "portraits" / "ok.jpg").read_bytes()
    if name in ("astronaut", "camera"):
        import skimage.data

        if name == "astronaut":
            crop = skimage.data.astronaut()[0:300, 95:328]
            return _jpeg(Image.fromarray(crop, "RGB"))
        crop = skimage.data.camera()[20:300, 140:358]
        return _jpeg(Image.fromarray(crop, "L"))
    if name.startswith("lfw:"):
        return _jpeg(_lfw_portrait(int(name[4:])))
    raise ValueError(f"unknown portrait {name!r}")


# --- issuing ---------------------------------------------------------------------------


MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def fmt(d: date) -> str:
    """A date as the pages print it: ``14 MAR 1988``."""
    return f"{d.day:02d} {MONTHS[d.month - 1]} {d.year}"


def _ttd_fields(h: Holder, number: str, issue: date, expiry: date, check: str) -> dict[str, str]:
    return {
        "surname": h.surname,
        "given_names": h.given_names,
        "nationality": "SRI LANKAN (LKA)",
        "sex": h.sex,
        "birth_date": fmt(h.birth_date),
        "place_of_birth": h.place_of_birth,
        "document_number": number,
        "issuing_state": "LKA",
        "issue_date": fmt(issue),
        "expiry_date": fmt(expiry),
        "issuing_post": h.issuing_post,
        "check_code": check,
    }


def _issue(folder: Path, n_ttd: int, n_leg: int) -> dict[str, object]:
    from cryptography.x509 import load_pem_x509_certificate

    from legalize.documents.issue import issue_legalization, issue_ttd
    from legalize.documents.legalization import LegalizationData
    from legalize.documents.sanitize import sanitize_underlying
    from legalize.documents.ttd import TtdData
    from legalize.pki.devkeys import init_dev
    from legalize.seal.checkcode import new_check_code

    # Keys made an hour before the documents, and the documents at the latest now: a check
    # "now" (the CLI without --at) must not find a document issued tomorrow, which it did
    # when the corpus was made between 23:00 and midnight UTC.
    made = (datetime.now(UTC) - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    pki = init_dev(folder / "keys", made)
    at = made + timedelta(hours=1)
    root = load_pem_x509_certificate(pki.root_cert.read_bytes())
    ttd_signer = pki.signer("TTD")
    leg_signer = pki.signer("LEG")
    docs: list[dict[str, object]] = []
    for i in range(n_ttd):
        h = HOLDERS[i % len(HOLDERS)]
        number = f"T26{4711 + 37 * i:06d}"
        issue = at.date() - timedelta(days=i % 3)
        expiry = issue + timedelta(days=30 + 5 * (i % 4))
        check = new_check_code()
        data = TtdData(
            document_number=number,
            surname=h.surname,
            given_names=h.given_names,
            birth_date=h.birth_date,
            place_of_birth=h.place_of_birth,
            sex=h.sex,
            nationality="LKA",
            issue_date=issue,
            expiry_date=expiry,
            issuing_post=h.issuing_post,
            check_code=check,
            personal_number=h.personal_number,
        )
        doc = issue_ttd(data, portrait(h.photo), ttd_signer, at, check_url=CHECK_URL, chain=[root])
        path = folder / f"{number}.pdf"
        path.write_bytes(doc.pdf)
        fields = _ttd_fields(h, number, issue, expiry, check)
        fields["mrz1"], fields["mrz2"] = data.mrz_lines()
        docs.append(
            {"kind": "TTD", "number": number, "pdf": path.name, "holder": i, "fields": fields}
        )
    underlying = sanitize_underlying((EXAMPLES / "underlying.pdf").read_bytes(), "underlying.pdf")
    for i in range(n_leg):
        signed_by, capacity, seal_of, title = SIGNERS[i % len(SIGNERS)]
        number = f"L2026{1042 + 53 * i:06d}"
        when = at.date() - timedelta(days=i % 2)
        check = new_check_code()
        place = ("Colombo", "Kandy", "Jaffna", "Galle")[i % 4]
        certified = "Consular Affairs Division, Ministry of Foreign Affairs"
        data_l = LegalizationData(
            number=number,
            country="Democratic Socialist Republic of Sri Lanka",
            signed_by=signed_by,
            capacity=capacity,
            seal_of=seal_of,
            place=place,
            date=when,
            certified_by=certified,
            check_code=check,
            document_title=title,
        )
        doc = issue_legalization(
            data_l,
            underlying,
            leg_signer,
            at,
            check_url=CHECK_URL,
            issuing_country="LKA",
            document_country="LKA",
            chain=[root],
        )
        path = folder / f"{number}.pdf"
        path.write_bytes(doc.pdf)
        fields = {
            "country": data_l.country,
            "signed_by": signed_by,
            "capacity": capacity,
            "seal_of": seal_of,
            "place": place,
            "date": fmt(when),
            "certified_by": certified,
            "number": number,
            "check_code": check,
            "document_line": f"{title} (1 page) SHA-256",
            "sha_1": underlying.sha256[:32],
            "sha_2": underlying.sha256[32:],
        }
        docs.append(
            {"kind": "LEG", "number": number, "pdf": path.name, "holder": i, "fields": fields}
        )
    return {
        "version": CORPUS_VERSION,
        "at": at.isoformat(),
        "trust_dir": str(Path("keys") / pki.trust_dir.name),
        "docs": docs,
    }


def build_corpus(
    cache: Path = DEFAULT_CACHE, n_ttd: int = 8, n_leg: int = 4, *, refresh: bool = False
) -> Corpus:
    """The corpus in ``cache`` (made on first use: dev PKI, ``n_ttd`` TTDs, ``n_leg``
    legalizations). A cached corpus is reused while its documents are valid."""
    cache = Path(cache)
    folder = cache / f"corpus-v{CORPUS_VERSION}-{n_ttd}-{n_leg}"
    index = folder / "index.json"
    meta: dict[str, object] | None = None
    if index.exists() and not refresh:
        meta = json.loads(index.read_text())
        at = datetime.fromisoformat(str(meta["at"]))
        # TTDs expire after 30 days, signer certificates after a year: re-issue weekly
        if meta.get("version") != CORPUS_VERSION or datetime.now(UTC) - at > timedelta(days=7):
            meta = None
    if meta is None:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        meta = _issue(folder, n_ttd, n_leg)
        index.write_text(json.dumps(meta, indent=1))
    docs = [
        Genuine(
            kind=str(d["kind"]),
            number=str(d["number"]),
            pdf=folder / str(d["pdf"]),
            holder=int(d["holder"]),
            fields=dict(d["fields"]),
        )
        for d in meta["docs"]  # type: ignore[attr-defined]
    ]
    return Corpus(
        folder=folder,
        at=datetime.fromisoformat(str(meta["at"])),
        trust_dir=folder / str(meta["trust_dir"]),
        ttds=tuple(d for d in docs if d.kind == "TTD"),
        legalizations=tuple(d for d in docs if d.kind == "LEG"),
    )


@lru_cache(maxsize=16)
def render_page(pdf_path: str, dpi: int = DPI) -> RgbImage:
    """Page 1 of a PDF as an RGB array at ``dpi`` (A4 at 300 dpi: 2480 × 3508)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(Path(pdf_path).read_bytes())
    try:
        page = document[0]
        image = page.render(scale=dpi / 72.0).to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    out: RgbImage = np.asarray(image, np.uint8)
    out.setflags(write=False)
    return out
