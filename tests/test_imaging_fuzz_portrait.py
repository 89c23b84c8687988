"""check_portrait raises only PortraitError on bad input (DESIGN §9).

Two one-byte mutations of a JPEG with EXIF, found by the fuzzer that also found them in the
sanitizer, once escaped as TypeError and struct.error from Pillow's EXIF parser. The orientation
is now read by legalize.imaging.decode's own parser and nothing else of the EXIF is read, so
those pictures are checked like any other; EXIF whose structure is corrupt is UNREADABLE.
"""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from legalize.imaging.portrait import NO_FACE, UNREADABLE, PortraitError, check_portrait
from tests.test_fuzz_sanitize import mutate


def _images() -> list[bytes]:
    """A JPEG and a PNG of 200 × 150 px (above the 100 px minimum) with EXIF."""
    out = []
    image = Image.new("RGB", (200, 150), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the decoder rotates by it
    exif[0x010E] = "scan"  # ImageDescription
    for kind in ("JPEG", "PNG"):
        buffer = io.BytesIO()
        image.save(buffer, kind, exif=exif.tobytes())
        out.append(buffer.getvalue())
    return out


IMAGES = _images()
DESCRIPTION = b"\x01\x0e\x00\x02"  # the ImageDescription entry: tag 0x010E, type ASCII


@pytest.mark.parametrize("tag", [b"\x01\x1e", b"\x01\x4e"], ids=["XPosition", "unknown"])
def test_exif_tag_of_the_wrong_type_is_ignored(tag: bytes) -> None:
    # the fuzzer's finding: ImageDescription's tag number changed, so an ASCII value sits
    # where Pillow expects a RATIONAL (TypeError) or meets an unknown tag (struct.error)
    assert IMAGES[0].count(DESCRIPTION) == 1
    data = IMAGES[0].replace(DESCRIPTION, tag + b"\x00\x02")
    result = check_portrait(data)
    assert (result.width, result.height) == (150, 200)  # the orientation is still applied
    assert NO_FACE in {issue.code for issue in result.issues}


def test_structurally_corrupt_exif_is_unreadable() -> None:
    # the first directory claims 0x72 entries; the EXIF holds two
    data = IMAGES[0].replace(b"\x00\x00\x00\x08\x00\x02", b"\x00\x00\x00\x08\x00\x72", 1)
    assert data != IMAGES[0]
    with pytest.raises(PortraitError) as caught:
        check_portrait(data)
    assert caught.value.code == UNREADABLE


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.sampled_from(IMAGES), st.integers(0, 2**32), st.integers(1, 4))
def test_mutated_images_are_refused_or_checked(image: bytes, seed: int, edits: int) -> None:
    with contextlib.suppress(PortraitError):
        check_portrait(image[:8] + mutate(image[8:], seed, edits))
