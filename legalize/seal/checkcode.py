"""Check codes: the secret a holder types on the web check next to the document number.

65 random bits as 13 Crockford Base32 characters plus one check character, printed in groups
``XXXX-XXXX-XXXX-XX``. Crockford's alphabet has no I, L, O or U, so reading mistakes map back:
O→0, I/L→1; case, spaces and dashes are ignored.

The check character follows Damm's scheme over the quasigroup ``x∘y = 2·x + y`` in GF(2⁵)
(reduction polynomial x⁵ + x² + 1): the running value must end at 0. Each step is a bijection
in both arguments, so every single-character error is caught, and ``(c∘x)∘y = (c∘y)∘x`` only
when x = y (because 2 + 1 ≠ 0 in GF(2⁵)), so every swap of two neighbours is caught too — a
Luhn mod 32 check would miss swaps of 0 and Z.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARS = 13
"""13 × 5 = 65 random bits (DESIGN §7 asks for at least 60)."""
LENGTH = RANDOM_CHARS + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CheckCodeError(ValueError):
    """Text that is not a well-formed check code."""


def _times_two(value: int) -> int:
    """Multiply by x in GF(2⁵) modulo x⁵ + x² + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _check_char(body: str) -> str:
    interim = 0
    for ch in body:
        interim = _times_two(interim) ^ _VALUE[ch]
    # The check value c makes the final step 2·interim + c = 0, i.e. c = 2·interim.
    return ALPHABET[_times_two(interim)]


def group(code: str) -> str:
    """``XXXXXXXXXXXXXX`` → ``XXXX-XXXX-XXXX-XX``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def new_check_code() -> str:
    """A fresh random check code, grouped for printing."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return group(body + _check_char(body))


def compact(text: str) -> str:
    """The 14 canonical characters of ``text`` (no grouping); raises :class:`CheckCodeError`."""
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_CONFUSIONS)
    if len(cleaned) != LENGTH:
        raise CheckCodeError(f"a check code has {LENGTH} characters")
    bad = sorted({ch for ch in cleaned if ch not in _VALUE})
    if bad:
        raise CheckCodeError(f"not check-code characters: {''.join(bad)}")
    if _check_char(cleaned[:-1]) != cleaned[-1]:
        raise CheckCodeError("check character does not match (a typing mistake?)")
    return cleaned


def normalize(text: str) -> str:
    """The canonical grouped form of a typed code; raises :class:`CheckCodeError`."""
    return group(compact(text))


def is_valid(text: str) -> bool:
    try:
        compact(text)
    except CheckCodeError:
        return False
    return True
