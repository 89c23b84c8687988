"""The forgery bench's generator (bench/forgesim): captures, forgeries, reproducibility.

Only the generator is tested here; what the image verifier makes of its output is measured by
bench/forgery.py. One TTD and one legalization are issued for the whole module.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

# bench/ is not an installed package: pytest's pythonpath (the repository) finds it.
from bench.forgesim import capture, forge, visible
from bench.forgesim.corpus import Corpus, Genuine, _issue, render_page


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = tmp_path_factory.mktemp("forgesim")
    meta = _issue(folder, n_ttd=2, n_leg=1)
    docs = [
        Genuine(d["kind"], d["number"], folder / d["pdf"], d["holder"], d["fields"])  # type: ignore[index]
        for d in meta["docs"]  # type: ignore[attr-defined]
    ]
    return Corpus(
        folder=folder,
        at=datetime.fromisoformat(str(meta["at"])),
        trust_dir=folder / str(meta["trust_dir"]),
        ttds=tuple(d for d in docs if d.kind == "TTD"),
        legalizations=tuple(d for d in docs if d.kind == "LEG"),
    )


@pytest.fixture(scope="module")
def page(corpus: Corpus) -> np.ndarray:
    return corpus.ttds[0].page()


def crop(page: np.ndarray, box: visible.Box) -> np.ndarray:
    x0, y0, x1, y1 = box.px()
    return page[y0:y1, x0:x1].astype(np.int16)


def test_corpus_holders_differ(corpus: Corpus) -> None:
    a, b = corpus.ttds
    assert a.fields["surname"] != b.fields["surname"]
    assert a.fields["birth_date"] != b.fields["birth_date"]
    assert a.number != b.number
    assert np.abs(crop(a.page(), visible.TTD_PHOTO) - crop(b.page(), visible.TTD_PHOTO)).mean() > 20
    assert datetime.now(UTC) - corpus.at < timedelta(days=1)


def test_visible_positions_match_the_page(page: np.ndarray) -> None:
    import zxingcpp

    (result,) = [r for r in zxingcpp.read_barcodes(page) if r.text.startswith("HTTPS://")]
    x0, y0, x1, y1 = visible.TTD_QR.px()
    pos = result.position
    for point in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left):
        assert x0 < point.x < x1 and y0 < point.y < y1
    # the value's ink sits inside its box
    box = crop(page, visible.ttd_value_box("surname").grown(1.0))
    dark = box.mean(axis=2) < 110
    assert dark[:, :20].sum() == 0 or dark.sum() > 500
    assert dark.sum() > 500


@pytest.fixture(scope="module")
def shots(page: np.ndarray) -> dict[str, capture.Capture]:
    phone = capture.phone_12mp(page, random.Random(7))
    return {
        "scan": capture.scan_300dpi(page, random.Random(7)),
        "phone": phone,
        "upload": capture.upload_from_phone(phone, random.Random(8)),
    }


@pytest.mark.parametrize("kind", ["scan", "phone", "upload"])
def test_captures_decode_and_frame_the_page(shots: dict[str, capture.Capture], kind: str) -> None:
    shot = shots[kind]
    image = capture.decode(shot.jpeg)
    assert image.shape[1::-1] == shot.size
    width, height = sorted(shot.size)
    if kind == "scan":
        assert (width, height) == (2550, 3548)
        assert 0.9 < shot.page_fraction < 1.0
    elif kind == "phone":
        assert (width, height) == (3000, 4000)
        assert 0.55 < shot.page_fraction < 0.9
    else:
        assert 1500 <= height <= 1700
        assert 0.55 < shot.page_fraction < 0.9
    # a skewed sheet may lose a millimetre at a corner to the scanner glass's edge
    slack = 40 if kind == "scan" else 0
    for x, y in shot.corners:
        assert -slack <= x <= shot.size[0] + slack and -slack <= y <= shot.size[1] + slack
    # the paper is lighter than what surrounds it (desk or scanner lid edge)
    quad = np.asarray(shot.corners)
    centre = quad.mean(axis=0).astype(int)
    assert image[centre[1] - 5 : centre[1] + 5, centre[0] - 5 : centre[0] + 5].mean() > 60


def test_capture_is_reproducible(page: np.ndarray, shots: dict[str, capture.Capture]) -> None:
    again = capture.scan_300dpi(page, random.Random(7))
    assert again.jpeg == shots["scan"].jpeg
    other = capture.scan_300dpi(page, random.Random(8))
    assert other.jpeg != shots["scan"].jpeg
    assert other.params != shots["scan"].params


def test_rotate_and_cover_marker(page: np.ndarray, shots: dict[str, capture.Capture]) -> None:
    turned = capture.decode(capture.rotate_capture(shots["upload"].jpeg))
    assert turned.shape[1::-1] == shots["upload"].size[::-1]
    for corner in range(4):
        covered = capture.cover_marker(page, corner, random.Random(corner))
        marker = visible.MARKERS[corner]
        changed = np.abs(crop(covered, marker) - crop(page, marker)).max(axis=2) > 40
        assert changed.mean() > 0.3  # most of the marker's black cells are hidden
        other = visible.MARKERS[(corner + 2) % 4]
        assert np.array_equal(crop(covered, other), crop(page, other))


def outside_equal(a: np.ndarray, b: np.ndarray, box: visible.Box) -> bool:
    x0, y0, x1, y1 = box.px()
    a = a.copy()
    b = b.copy()
    a[y0:y1, x0:x1] = 0
    b[y0:y1, x0:x1] = 0
    return bool(np.array_equal(a, b))


def test_photo_forgeries_change_the_photo_only(corpus: Corpus, page: np.ndarray) -> None:
    genuine = crop(page, visible.TTD_PHOTO)
    donor = corpus.ttds[1].page()
    swapped = forge.substitute_photo(page, random.Random(1), donor=donor)
    assert np.abs(crop(swapped, visible.TTD_PHOTO) - genuine).mean() > 20
    assert np.array_equal(crop(swapped, visible.TTD_GHOST), crop(donor, visible.TTD_GHOST))
    edited, box = forge.edit_photo(page, random.Random(1), donor=donor)
    assert 0.3 < box.w * box.h / (visible.TTD_PHOTO.w * visible.TTD_PHOTO.h) < 0.4
    changed = np.abs(crop(edited, visible.TTD_PHOTO) - genuine).max(axis=2) > 12
    assert 0.15 < changed.mean() < 0.4
    assert outside_equal(edited, page, box)
    painted, box = forge.edit_photo(page, random.Random(2))
    assert np.abs(crop(painted, box) - crop(page, box)).mean() > 5


@pytest.mark.parametrize("kind", forge.TTD_FORGERIES)
def test_every_ttd_forgery_changes_the_page(corpus: Corpus, kind: str) -> None:
    doc = corpus.ttds[0]
    made = forge.forge(kind, doc, corpus, random.Random(kind))
    assert made.page.shape == doc.page().shape
    if made.region is not None:
        assert np.abs(crop(made.page, made.region) - crop(doc.page(), made.region)).mean() > 1
        rest = made.page.copy()
        if kind == "photo_substituted":  # the ghost goes with the photo
            x0, y0, x1, y1 = visible.TTD_GHOST.px()
            rest[y0:y1, x0:x1] = doc.page()[y0:y1, x0:x1]
        assert outside_equal(rest, doc.page(), made.region.grown(0.1))


@pytest.mark.parametrize("kind", forge.LEG_FORGERIES)
def test_legalization_forgeries(corpus: Corpus, kind: str) -> None:
    doc = corpus.legalizations[0]
    # one legalization in this corpus: donors come from a second copy of it with new fields
    donor = replace(doc, number="L2026999999", fields=dict(doc.fields, signed_by="X. Y. Zed"))
    pool = replace(corpus, legalizations=(doc, donor))
    made = forge.forge(kind, doc, pool, random.Random(kind))
    assert made.kind == kind
    if kind == "field_retyped":
        assert np.abs(crop(made.page, made.region) - crop(doc.page(), made.region)).mean() > 1


def test_qr_pasted_carries_the_donor_seal(corpus: Corpus) -> None:
    import zxingcpp

    doc, donor = corpus.ttds
    made, _ = forge.paste_qr(doc.page(), donor.page(), "TTD")
    texts = {r.text for r in zxingcpp.read_barcodes(made)}
    assert texts == {r.text for r in zxingcpp.read_barcodes(donor.page())}


def test_retyped_value_keeps_the_rest(page: np.ndarray, corpus: Corpus) -> None:
    value = corpus.ttds[0].fields["document_number"]
    made, box, new = forge.retype_tail(page, "TTD", "document_number", value, random.Random(5), 2)
    assert new[:-2] == value[:-2] and new[-2:] != value[-2:]
    x0, y0, x1, y1 = box.px()
    head = slice(x0, x0 + (x1 - x0) // 4)
    assert np.array_equal(made[y0:y1, head], page[y0:y1, head])


def test_retyped_page_has_no_guilloche(corpus: Corpus) -> None:
    for doc in (corpus.ttds[0], corpus.legalizations[0]):
        genuine = doc.page()
        made = forge.retype_page(genuine, doc, random.Random(0))
        # a patch of the data panel away from any text, and the rosette
        patch = visible.Box(112.0, 148.0, 26.0, 9.0) if doc.kind == "TTD" else None
        patch = patch or visible.Box(150.0, 149.0, 25.0, 5.0)
        rosette = visible.Box(26.0, 118.0, 22.0, 22.0) if doc.kind == "TTD" else None
        rosette = rosette or visible.Box(114.0, 214.0, 20.0, 20.0)
        for box in (patch, rosette):
            lines_genuine = (crop(genuine, box).min(axis=2) < 220).mean()
            lines_made = (crop(made, box).min(axis=2) < 220).mean()
            assert lines_genuine > 0.03, box
            assert lines_made == 0.0, box
        # the QR is the genuine one, the markers are copied
        qr = visible.TTD_QR if doc.kind == "TTD" else visible.LEG_QR
        assert np.array_equal(crop(made, qr), crop(genuine, qr))
        for marker in visible.MARKERS:
            assert (crop(made, marker).mean(axis=2) < 60).mean() > 0.3


def test_render_page_is_300_dpi(corpus: Corpus) -> None:
    image = render_page(str(corpus.ttds[0].pdf))
    assert image.shape == (3508, 2481, 3) or image.shape == (3508, 2480, 3)
