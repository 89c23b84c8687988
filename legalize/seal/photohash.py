"""Perceptual hash of the holder photo, carried in the TTD seal (256 bits).

DCT hash: the grey photo is scaled to 64×64 (area averaging), transformed with a 2-D DCT, and
the 16×16 lowest-frequency coefficients are compared with their median (the DC term, which
only says how bright the photo is, is left out of the median). Low frequencies survive
printing, photographing, rescaling, blur and JPEG; a different face changes them.

Measured (RESEARCH §3): genuine captures ≤ 22/255 bits apart, substituted photos ≥ 102/255,
35 % edits 64-72/255. :data:`MATCH_THRESHOLD` = 40.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

HASH_BITS = 256
HASH_BYTES = HASH_BITS // 8
MATCH_THRESHOLD = 40
"""Hamming distance at or below which two photo hashes count as the same photo."""
_SIDE = 64
_BLOCK = 16


class PhotoHashError(ValueError):
    """Not a usable grey image."""


def photo_hash(gray: npt.NDArray[np.uint8]) -> bytes:
    """The 32-byte DCT hash of a grey (2-D, uint8) image."""
    if not isinstance(gray, np.ndarray) or gray.ndim != 2 or gray.dtype != np.uint8:
        raise PhotoHashError("expected a 2-D uint8 grey image")
    if min(gray.shape) < 8:
        raise PhotoHashError("image too small")
    small = cv2.resize(gray, (_SIDE, _SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)
    coeffs = cv2.dct(small)[:_BLOCK, :_BLOCK].flatten()
    median = float(np.median(coeffs[1:]))
    bits = coeffs > median
    return bytes(np.packbits(bits).tolist())


def hamming(a: bytes, b: bytes) -> int:
    """Number of differing bits between two hashes of equal length."""
    if len(a) != len(b):
        raise PhotoHashError("hashes of different lengths")
    return int.from_bytes(bytes(x ^ y for x, y in zip(a, b, strict=True)), "big").bit_count()


def matches(a: bytes, b: bytes, threshold: int = MATCH_THRESHOLD) -> bool:
    return hamming(a, b) <= threshold
