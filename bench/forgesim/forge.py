"""Forgeries made on the 300 dpi page raster, as a forger with genuine papers and an image
editor would make them, before the print-and-capture simulation.

The forger has genuine documents (their own and other people's) and can measure where the
visible elements stand (:mod:`.visible`); they do not have our template, keys or the hidden
parameters (the per-document rosette, the fine-line and microtext patterns are only on the
papers they hold). Six kinds:

``photo_substituted``
    the photo (and the ghost image, as a careful forger would) replaced by the photo of
    another holder's genuine document, or by a foreign portrait printed into the frame;
``photo_edited``
    about 35 % of the photo (the eyes-to-mouth band) replaced by the same band of another
    photo, or painted over;
``field_pasted``
    one value box (surname, birth date, number, ...) cut from another genuine document of
    the same kind and pasted in place; the fixed background behind it matches;
``field_retyped``
    the last one or two characters of a value erased (background cloned from beside the
    text) and re-typed in DejaVu Sans Bold or Noto Sans Bold at the measured size and ink;
``qr_pasted``
    the QR (with its quiet zone) pasted from another genuine document of the same kind;
``page_retyped``
    a counterfeit on plain white paper: header, markers, QR, photo and ghost copied as
    images, every field re-typed at its place in a generic font (DejaVu), the MRZ in DejaVu
    Sans Mono, a plain frame — no guilloche, rosette, microtext or fine lines.

TTDs get all six; legalizations (no photo) the last four.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from . import visible
from .corpus import Corpus, Genuine, portrait
from .visible import Box, px

RgbImage = NDArray[np.uint8]

TTD_FORGERIES = (
    "photo_substituted",
    "photo_edited",
    "field_pasted",
    "field_retyped",
    "qr_pasted",
    "page_retyped",
)
LEG_FORGERIES = ("field_pasted", "field_retyped", "qr_pasted", "page_retyped")

FONTS = "/usr/share/fonts/truetype"
BOLD_FONTS = (f"{FONTS}/dejavu/DejaVuSans-Bold.ttf", f"{FONTS}/noto/NotoSans-Bold.ttf")
GENERIC = f"{FONTS}/dejavu/DejaVuSans.ttf"
GENERIC_BOLD = f"{FONTS}/dejavu/DejaVuSans-Bold.ttf"
GENERIC_MONO = f"{FONTS}/dejavu/DejaVuSansMono.ttf"


@dataclass(frozen=True)
class Forgery:
    page: RgbImage
    kind: str
    note: str
    """What was changed, for a person reading the results."""
    region: Box | None
    """The altered area (mm), None for the whole page."""


@lru_cache(maxsize=32)
def font(path: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size_px)


def pt_px(points: float) -> int:
    """A font size in points as pixels at 300 dpi."""
    return round(points / 72 * visible.DPI)


def _paste(page: RgbImage, donor: RgbImage, box: Box) -> None:
    x0, y0, x1, y1 = box.px()
    page[y0:y1, x0:x1] = donor[y0:y1, x0:x1]


def _others(docs: tuple[Genuine, ...], doc: Genuine) -> list[Genuine]:
    return [d for d in docs if d.number != doc.number]


# --- 1. photo substituted --------------------------------------------------------------------


def _ghost_from(photo: RgbImage, ghost_area: RgbImage) -> RgbImage:
    """A ghost image imitated from a photo: pale, monochrome, tinted like the genuine one."""
    h, w = ghost_area.shape[:2]
    grey = cv2.cvtColor(cv2.resize(photo, (w, h), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    flat = ghost_area.reshape(-1, 3).astype(np.float32)
    lum = flat.mean(axis=1)
    light = flat[lum >= np.percentile(lum, 95)].mean(axis=0)
    dark = flat[lum <= np.percentile(lum, 5)].mean(axis=0)
    t = grey.astype(np.float32)[..., None] / 255.0
    out = dark + (light - dark) * t
    return np.clip(out, 0, 255).astype(np.uint8)


def substitute_photo(
    page: RgbImage, rng: random.Random, donor: RgbImage | None = None, photo: bytes | None = None
) -> RgbImage:
    """The photo (and ghost) replaced from a donor page, or by a foreign portrait."""
    out = page.copy()
    if donor is not None:
        _paste(out, donor, visible.TTD_PHOTO)
        _paste(out, donor, visible.TTD_GHOST)
        return out
    assert photo is not None
    x0, y0, x1, y1 = visible.TTD_PHOTO.px()
    import io

    with Image.open(io.BytesIO(photo)) as im:
        src = im.convert("RGB")
        # centre-crop to 35 × 45 as a forger trimming a print would
        w, h = src.size
        target = 35 / 45
        if w / h > target:
            nw = round(h * target)
            src = src.crop(((w - nw) // 2, 0, (w - nw) // 2 + nw, h))
        else:
            nh = round(w / target)
            top = round((h - nh) * 0.4)
            src = src.crop((0, top, w, top + nh))
        fitted = np.asarray(src.resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS), np.uint8)
    out[y0:y1, x0:x1] = fitted
    g0, h0, g1, h1 = visible.TTD_GHOST.px()
    out[h0:h1, g0:g1] = _ghost_from(fitted, page[h0:h1, g0:g1])
    return out


# --- 2. photo edited --------------------------------------------------------------------------


def edit_photo(
    page: RgbImage, rng: random.Random, donor: RgbImage | None = None, fraction: float = 0.35
) -> tuple[RgbImage, Box]:
    """About ``fraction`` of the photo's area, the eyes-to-mouth band, replaced by the same
    band of a donor page's photo (feathered edges), or painted over when no donor is given."""
    out = page.copy()
    p = visible.TTD_PHOTO
    bw = 0.70 * p.w
    bh = fraction * p.w * p.h / bw
    box = Box(p.x + (p.w - bw) / 2 + rng.uniform(-1, 1), p.y + 0.30 * p.h, bw, bh)
    x0, y0, x1, y1 = box.px()
    region = out[y0:y1, x0:x1].astype(np.float32)
    if donor is not None:
        new = donor[y0:y1, x0:x1].astype(np.float32)
    else:  # paint: smear the region, then draw eyes and a mouth in darker skin tones
        new = cv2.GaussianBlur(region, (0, 0), 25)
        tone = np.median(region.reshape(-1, 3), axis=0)
        canvas = Image.fromarray(np.clip(new, 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(canvas)
        w, h = canvas.size
        dark = tuple(int(c * 0.45) for c in tone)
        for ex in (0.3, 0.7):
            cx, cy = ex * w + rng.uniform(-8, 8), 0.25 * h + rng.uniform(-6, 6)
            draw.ellipse((cx - 0.08 * w, cy - 0.035 * h, cx + 0.08 * w, cy + 0.035 * h), fill=dark)
        my = 0.75 * h + rng.uniform(-6, 6)
        draw.ellipse((0.35 * w, my - 0.04 * h, 0.65 * w, my + 0.04 * h), fill=dark)
        new = cv2.GaussianBlur(np.asarray(canvas, np.float32), (0, 0), 2.0)
    mask = np.zeros(region.shape[:2], np.float32)
    feather = 12
    mask[feather:-feather, feather:-feather] = 1
    mask = cv2.GaussianBlur(mask, (0, 0), feather / 2)[..., None]
    out[y0:y1, x0:x1] = np.clip(region * (1 - mask) + new * mask, 0, 255).astype(np.uint8)
    return out, box


# --- 3. field pasted --------------------------------------------------------------------------

TTD_PASTE_FIELDS = ("surname", "birth_date", "given_names", "document_number", "expiry_date")
LEG_PASTE_FIELDS = ("signed_by", "capacity", "seal_of", "date", "number", "place")


def value_box(kind: str, key: str) -> Box:
    return visible.ttd_value_box(key) if kind == "TTD" else visible.leg_value_box(key)


def paste_field(page: RgbImage, donor: RgbImage, kind: str, key: str) -> tuple[RgbImage, Box]:
    out = page.copy()
    box = value_box(kind, key)
    _paste(out, donor, box)
    return out, box


# --- 4. field re-typed ------------------------------------------------------------------------

TTD_RETYPE_FIELDS = ("document_number", "birth_date", "surname", "expiry_date")
LEG_RETYPE_FIELDS = ("number", "date", "signed_by")


def _changed(value: str, count: int, rng: random.Random) -> str:
    chars = list(value)
    done = 0
    for i in range(len(chars) - 1, -1, -1):
        if done == count:
            break
        c = chars[i]
        if c.isdigit():
            chars[i] = str((int(c) + rng.randint(1, 9)) % 10)
        elif c.isalpha():
            pool = "ABCDEFGHIJKLMNOPRSTUVWYZ" if c.isupper() else "abcdefghiklmnoprstuvwy"
            chars[i] = rng.choice([p for p in pool if p != c])
        else:
            continue
        done += 1
    return "".join(chars)


def retype_tail(
    page: RgbImage, kind: str, key: str, value: str, rng: random.Random, count: int = 0
) -> tuple[RgbImage, Box, str]:
    """The last ``count`` (1–2) characters of a printed value replaced; returns the page, the
    altered box and the new value."""
    count = count or rng.choice([1, 2])
    new_value = _changed(value, count, rng)
    out = page.copy()
    box = value_box(kind, key)
    x0, y0, x1, y1 = box.px()
    region = out[y0:y1, x0:x1]
    lum = region.astype(np.float32).mean(axis=2)
    ink = lum < 110  # values are dark; the guilloche behind them is light
    cols = np.flatnonzero(ink.any(axis=0))
    rows = np.flatnonzero(ink.any(axis=1))
    if cols.size == 0:
        raise ValueError(f"no ink found for {key}")
    left, right = int(cols[0]), int(cols[-1])
    top = int(rows[0])
    # the baseline: the lowest row many columns reach (descenders are few)
    counts = ink.sum(axis=1)
    base = int(np.flatnonzero(counts > 0.25 * counts.max())[-1]) + 1
    ink_colour = tuple(int(c) for c in np.median(region[ink], axis=0))
    path = rng.choice(BOLD_FONTS)
    # size: match the ink width of the whole value in the forger's font
    probe = font(path, 100)
    l_, _, r_, _ = probe.getbbox(value)
    size = max(8, round(100 * (right - left + 1) / max(1, r_ - l_)))
    cap = font(path, size).getbbox("H")
    if abs((cap[3] - cap[1]) - (base - top)) > 0.25 * (base - top):
        # width and height disagree (another font's proportions): trust the height
        probe_h = probe.getbbox("H")
        size = max(8, round(100 * (base - top) / max(1, probe_h[3] - probe_h[1])))
    f = font(path, size)
    prefix = value[: len(value) - len(_tail(value, count))]
    start = left + round(f.getlength(prefix) - f.getbbox(value)[0])
    # erase: clone the background from the empty part of the box right of the text, else
    # from just above the value (the gap between label and value)
    gap = 6
    e0, e1 = max(0, start - 2), min(region.shape[1], right + gap)
    width = e1 - e0
    if region.shape[1] - (right + 2 * gap) >= width:
        patch = region[:, right + 2 * gap : right + 2 * gap + width].copy()
    else:
        patch = cv2.GaussianBlur(region[:, e0:e1], (0, 0), 1)
        patch = np.where(
            (lum[:, e0:e1] < 200)[..., None],
            np.median(region[~ink], axis=0).astype(np.uint8),
            patch,
        ).astype(np.uint8)
    region[:, e0:e1] = patch
    canvas = Image.fromarray(region)
    draw = ImageDraw.Draw(canvas)
    draw.text((start, base), new_value[len(prefix) :], font=f, fill=ink_colour, anchor="ls")
    typed = np.asarray(canvas)
    # the printer's dot gain on the new glyphs only; the rest of the box stays as it was
    region[:, e0:e1] = cv2.GaussianBlur(typed, (0, 0), 0.6)[:, e0:e1]
    return out, box, new_value


def _tail(value: str, count: int) -> str:
    """The shortest suffix holding ``count`` letters or digits."""
    n = 0
    for i in range(len(value) - 1, -1, -1):
        if value[i].isalnum():
            n += 1
            if n == count:
                return value[i:]
    return value


# --- 5. QR pasted -----------------------------------------------------------------------------


def paste_qr(page: RgbImage, donor: RgbImage, kind: str) -> tuple[RgbImage, Box]:
    out = page.copy()
    box = visible.TTD_QR if kind == "TTD" else visible.LEG_QR
    _paste(out, donor, box)
    return out, box


# --- 6. page re-typed -------------------------------------------------------------------------

LABEL_INK = (120, 60, 60)
INK = (25, 30, 50)
RED = (170, 40, 40)

TTD_NOTES_BLOCK = Box(18.0, 184.0, 174.0, 50.0)
"""The validity box and the notes: on plain paper, copied as an image."""
LEG_NOTE = (
    "This certificate confirms only the authenticity of the signature, the capacity in which "
    "the signer acted and the identity of the seal or stamp",
    "which the public document bears. It does not certify the content of the document. The "
    "document follows this page, as submitted and sanitized.",
    "Verify: scan the QR code, or enter the number and the check code on the web check; the "
    "seal carries the SHA-256 of the attached document.",
)


def _whitened(crop: RgbImage) -> RgbImage:
    """A copied crop as the forger cleans it: paper tone lifted to white."""
    f = crop.astype(np.float32)
    paper = np.percentile(f.reshape(-1, 3), 90, axis=0)
    out = np.clip(f * (255.0 / np.maximum(paper, 1)), 0, 255)
    out[out.min(axis=2) > 235] = 255
    return out.astype(np.uint8)


def _copy(out: RgbImage, page: RgbImage, box: Box, whiten: bool = True) -> None:
    x0, y0, x1, y1 = box.px()
    crop = page[y0:y1, x0:x1]
    out[y0:y1, x0:x1] = _whitened(crop) if whiten else crop


def _text(
    draw: ImageDraw.ImageDraw,
    xy_mm: tuple[float, float],
    text: str,
    path: str,
    points: float,
    fill: tuple[int, int, int],
    anchor: str = "ls",
) -> None:
    draw.text((px(xy_mm[0]), px(xy_mm[1])), text, font=font(path, pt_px(points)), fill=fill,
              anchor=anchor)  # fmt: skip


def retype_page(page: RgbImage, doc: Genuine, rng: random.Random) -> RgbImage:
    """The document re-made on plain white paper with the genuine QR (and photo)."""
    out = np.full_like(page, 255)
    for marker in visible.MARKERS:
        _copy(out, page, marker.grown(2.0))
    canvas = Image.fromarray(out)
    draw = ImageDraw.Draw(canvas)
    f = doc.fields
    jitter = rng.uniform(-0.4, 0.4)
    if doc.kind == "TTD":
        header = visible.TTD_HEADER
        draw.rectangle(Box(14.0, 53.0, 182.0, 114.0).px(), outline=LABEL_INK, width=3)
        for key, label in visible.TTD_LABELS.items():
            x, base = visible.ttd_baseline(key)
            _text(draw, (x, base - 5.8), label, GENERIC_BOLD, 6.5, LABEL_INK)
            _text(draw, (x + jitter, base), f[key], GENERIC_BOLD, 10.0, INK)
        qr = visible.TTD_QR
        _text(draw, (167.0, 110.0), "Digital seal - scan to verify", GENERIC, 6.5, LABEL_INK, "ms")
        for line, base in zip((f["mrz1"], f["mrz2"]), visible.TTD_MRZ_BASELINES, strict=True):
            _text(draw, (visible.TTD_MRZ_LEFT, base), line, GENERIC_MONO, 12.0, INK)
        _text(draw, (20.0, 247.5), "Signature of holder", GENERIC_BOLD, 6.0, LABEL_INK)
        draw.line((px(20), px(244.5), px(95), px(244.5)), fill=LABEL_INK, width=2)
    else:
        header = visible.LEG_HEADER
        draw.rectangle(Box(14.0, 52.0, 182.0, 206.0).px(), outline=LABEL_INK, width=3)
        _text(draw, (22.0, 66.0), "This public document", GENERIC_BOLD, 10.0, INK)
        _text(draw, (22.0, 146.0), "Certified", GENERIC_BOLD, 10.0, INK)
        for key, label in visible.LEG_LABELS.items():
            x, base = visible.LEG_BASELINES[key]
            _text(draw, (x, base - 6.5), label, GENERIC_BOLD, 7.0, LABEL_INK)
            _text(draw, (x + jitter, base), f[key], GENERIC_BOLD, 11.0, INK)
            draw.line((px(20), px(base + 3.5), px(188), px(base + 3.5)), fill=(200, 190, 190))
        _text(draw, (22.0, 193.0), f["document_line"], GENERIC, 8.0, INK)
        _text(draw, (22.0, 196.8), f["sha_1"], GENERIC, 6.5, INK)
        _text(draw, (22.0, 199.8), f["sha_2"], GENERIC, 6.5, INK)
        _text(draw, (143.0, 193.0), "9. Seal / stamp", GENERIC_BOLD, 7.0, LABEL_INK)
        _text(draw, (22.0, 208.5), "10. Signature", GENERIC_BOLD, 7.0, LABEL_INK)
        lines = ("Signed electronically: PAdES certification", "signature of the document signer")
        for i, line in enumerate(lines):
            _text(draw, (22.0, 215.0 + 5.0 * i), line, GENERIC, 8.5, INK)
        # the check code stands out in bold, as large as the values: the forger copies that
        _text(draw, (22.0, 226.5), f"Check code: {f['check_code']}", GENERIC_BOLD, 11.0, INK)
        for i, line in enumerate(LEG_NOTE):
            _text(draw, (22.0, 247.2 + 3.6 * i), line, GENERIC, 5.6, INK)
        qr = visible.LEG_QR
    out = np.asarray(canvas).copy()
    _copy(out, page, header)
    _copy(out, page, qr, whiten=False)
    if doc.kind == "TTD":
        _copy(out, page, TTD_NOTES_BLOCK)
        _copy(out, page, visible.TTD_PHOTO, whiten=False)
        _copy(out, page, visible.TTD_GHOST, whiten=False)
    return out


# --- one entry point --------------------------------------------------------------------------


def forge(kind: str, doc: Genuine, corpus: Corpus, rng: random.Random) -> Forgery:
    """Forgery ``kind`` of genuine document ``doc``, donors drawn from ``corpus``."""
    docs = corpus.ttds if doc.kind == "TTD" else corpus.legalizations
    allowed = TTD_FORGERIES if doc.kind == "TTD" else LEG_FORGERIES
    if kind not in allowed:
        raise ValueError(f"{kind} does not apply to {doc.kind}")
    page = doc.page()
    if kind == "photo_substituted":
        donors = [d for d in _others(docs, doc) if d.holder != doc.holder]
        if rng.random() < 0.7:
            donor = rng.choice(donors)
            new = substitute_photo(page, rng, donor=donor.page())
            note = f"photo and ghost from {donor.number}"
        else:
            from .corpus import HOLDERS

            others = [h.photo for i, h in enumerate(HOLDERS) if i != doc.holder % len(HOLDERS)]
            name = rng.choice(others)
            new = substitute_photo(page, rng, photo=portrait(name))
            note = f"photo and imitated ghost from portrait {name}"
        return Forgery(new, kind, note, visible.TTD_PHOTO)
    if kind == "photo_edited":
        if rng.random() < 0.6:
            donor = rng.choice([d for d in _others(docs, doc) if d.holder != doc.holder])
            new, box = edit_photo(page, rng, donor=donor.page())
            note = f"eyes-to-mouth band from {donor.number}"
        else:
            new, box = edit_photo(page, rng)
            note = "eyes-to-mouth band painted over"
        return Forgery(new, kind, note, box)
    if kind == "field_pasted":
        keys = TTD_PASTE_FIELDS if doc.kind == "TTD" else LEG_PASTE_FIELDS
        for _ in range(20):
            key = rng.choice(keys)
            donor = rng.choice(_others(docs, doc))
            if donor.fields[key] != doc.fields[key]:
                break
        new, box = paste_field(page, donor.page(), doc.kind, key)
        return Forgery(new, kind, f"{key} {donor.fields[key]!r} from {donor.number}", box)
    if kind == "field_retyped":
        keys = TTD_RETYPE_FIELDS if doc.kind == "TTD" else LEG_RETYPE_FIELDS
        key = rng.choice(keys)
        new, box, value = retype_tail(page, doc.kind, key, doc.fields[key], rng)
        return Forgery(new, kind, f"{key} {doc.fields[key]!r} -> {value!r}", box)
    if kind == "qr_pasted":
        donor = rng.choice(_others(docs, doc))
        new, box = paste_qr(page, donor.page(), doc.kind)
        return Forgery(new, kind, f"QR from {donor.number}", box)
    new = retype_page(page, doc, rng)
    return Forgery(new, kind, "re-typed on plain paper, genuine QR pasted", None)
