"""Check codes: ≥ 60 random bits, Crockford Base32, Luhn mod 32 check character."""

from __future__ import annotations

import itertools

import pytest

from legalize.seal import checkcode


def test_new_codes_are_valid_grouped_and_distinct() -> None:
    codes = {checkcode.new_check_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 17 and code[4] == code[9] == code[14] == "-"
        assert checkcode.is_valid(code)
        assert checkcode.normalize(code) == code
    assert checkcode.RANDOM_CHARS * 5 >= 60


def test_normalize_accepts_typing_variants() -> None:
    code = checkcode.new_check_code()
    compact = code.replace("-", "")
    variants = [
        compact.lower(),
        " ".join(compact[i : i + 2] for i in range(0, 14, 2)),
        code.replace("0", "O").replace("1", "I"),
        code.replace("1", "l").lower(),
        f"  {code}  ",
    ]
    for variant in variants:
        assert checkcode.normalize(variant) == code


def test_every_single_character_error_is_caught() -> None:
    compact = checkcode.new_check_code().replace("-", "")
    for i, ch in itertools.product(range(len(compact)), checkcode.ALPHABET):
        if ch != compact[i]:
            assert not checkcode.is_valid(compact[:i] + ch + compact[i + 1 :])


def test_every_adjacent_swap_is_caught() -> None:
    for _ in range(50):
        compact = checkcode.new_check_code().replace("-", "")
        for i in range(len(compact) - 1):
            swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
            if swapped != compact:
                assert not checkcode.is_valid(swapped)


@pytest.mark.parametrize(
    "text", ["", "ABC", "U" * 14, "7K3M-9QXR-2HVD-9GY", "7K3M-9QXR-2HVD-9*", "7K3M-9QXR-2HVD-9H"]
)
def test_bad_codes(text: str) -> None:
    assert not checkcode.is_valid(text)
    with pytest.raises(checkcode.CheckCodeError):
        checkcode.normalize(text)
