"""The 256-bit DCT photo hash separates the genuine photo (rescaled, noisy, JPEG'd, blurred)
from a different photo on synthetic portraits."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from legalize.seal.photohash import HASH_BYTES, MATCH_THRESHOLD, PhotoHashError, hamming, photo_hash


def portrait(seed: int) -> np.ndarray:
    """A synthetic 'portrait' 400×320: background gradient, head and shoulders ellipses with
    random size, position and shading, plus facial blobs and texture."""
    rng = np.random.default_rng(seed)
    h, w = 400, 320
    yy, xx = np.mgrid[0:h, 0:w]
    img = 120 + 60 * rng.uniform(-1, 1) * (xx / w) + 40 * rng.uniform(-1, 1) * (yy / h)
    cx, cy = w / 2 + rng.uniform(-30, 30), h * 0.4 + rng.uniform(-30, 30)
    ax, ay = rng.uniform(70, 100), rng.uniform(95, 130)
    head = ((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2 < 1
    img[head] = rng.uniform(140, 220) + 20 * np.sin(xx[head] / rng.uniform(8, 30))
    shoulders = ((xx - w / 2) / rng.uniform(120, 170)) ** 2 + (
        (yy - h) / rng.uniform(90, 140)
    ) ** 2 < 1
    img[shoulders] = rng.uniform(20, 100)
    for _ in range(6):
        bx, by = cx + rng.uniform(-50, 50), cy + rng.uniform(-60, 60)
        r = rng.uniform(6, 18)
        blob = (xx - bx) ** 2 + (yy - by) ** 2 < r * r
        img[blob] = rng.uniform(0, 255)
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def captures(img: np.ndarray, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    small = cv2.resize(img, (160, 200), interpolation=cv2.INTER_AREA)
    out.append(cv2.resize(small, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_LINEAR))
    out.append(np.clip(img + rng.normal(0, 12, img.shape), 0, 255).astype(np.uint8))
    ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 35])
    assert ok
    out.append(cv2.imdecode(jpg, cv2.IMREAD_GRAYSCALE))
    out.append(cv2.GaussianBlur(img, (5, 5), 1.5))
    out.append(np.clip(img.astype(np.int16) + 25, 0, 255).astype(np.uint8))  # brighter print
    out.append(cv2.resize(img, (257, 321), interpolation=cv2.INTER_CUBIC))  # other scale
    return out


def test_hash_shape() -> None:
    h = photo_hash(portrait(1))
    assert len(h) == HASH_BYTES == 32
    assert photo_hash(portrait(1)) == h


def test_genuine_and_substituted_photos_separate() -> None:
    genuine, substituted = [], []
    for seed in range(12):
        original = portrait(seed)
        reference = photo_hash(original)
        genuine += [hamming(reference, photo_hash(c)) for c in captures(original, seed)]
        substituted += [hamming(reference, photo_hash(portrait(seed + 100 + k))) for k in range(3)]
    assert max(genuine) <= MATCH_THRESHOLD, sorted(genuine)[-5:]
    assert min(substituted) > MATCH_THRESHOLD, sorted(substituted)[:5]


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4), np.uint8),
        np.zeros((50, 50, 3), np.uint8),
        np.zeros((50, 50), np.float32),
        [[1, 2]],
    ],
)
def test_bad_images(bad: object) -> None:
    with pytest.raises(PhotoHashError):
        photo_hash(bad)  # type: ignore[arg-type]


def test_hamming() -> None:
    assert hamming(b"\x00\xff", b"\x00\xff") == 0
    assert hamming(b"\x00\xff", b"\x01\x7f") == 2
    with pytest.raises(PhotoHashError):
        hamming(b"\x00", b"\x00\x00")
