"""Base45 (RFC 9285): bytes as text in the QR alphanumeric character set.

Two bytes ``a, b`` become ``n = 256·a + b = c + 45·d + 45²·e`` written as the characters of
c, d, e; a final single byte becomes two characters.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


class Base45Error(ValueError):
    """Text that is not Base45."""


def encode(data: bytes) -> str:
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] << 8 | data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        e, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[e])
    return "".join(out)


def decode(text: str) -> bytes:
    if len(text) % 3 == 1:
        raise Base45Error("Base45 text of impossible length")
    try:
        values = [_VALUE[ch] for ch in text]
    except KeyError as exc:
        raise Base45Error(f"not a Base45 character: {exc.args[0]!r}") from None
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + 45 * chunk[1] + 2025 * chunk[2]
            if n > 0xFFFF:
                raise Base45Error("Base45 triple out of range")
            out += n.to_bytes(2, "big")
        else:
            n = chunk[0] + 45 * chunk[1]
            if n > 0xFF:
                raise Base45Error("Base45 pair out of range")
            out.append(n)
    return bytes(out)
