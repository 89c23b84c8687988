"""check_portrait raises only PortraitError on bad input (DESIGN §9).

Two one-byte mutations of a JPEG with EXIF, found by the fuzzer that also found them in the
sanitizer, escaped as TypeError and struct.error from Pillow's EXIF parser; they are
PortraitError (UNREADABLE) now.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz_sanitize import IMAGES, mutate

from legalize.cases.portrait import PortraitError, check_portrait


@pytest.mark.parametrize("seed", [1136, 16924])
def test_hostile_exif_is_a_portrait_error(seed: int) -> None:
    with pytest.raises(PortraitError):
        check_portrait(IMAGES[0][:8] + mutate(IMAGES[0][8:], seed, 1))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.sampled_from(IMAGES), st.integers(0, 2**32), st.integers(1, 4))
def test_other_mutated_images_are_refused_or_checked(image: bytes, seed: int, edits: int) -> None:
    with contextlib.suppress(PortraitError):
        check_portrait(image[:8] + mutate(image[8:], seed, edits))
