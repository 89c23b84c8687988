"""C40 text encoding as ICAO 9303-13 and BSI TR-03137 use it for VDS header and text fields.

Three characters of the basic set (space, 0-9, A-Z) pack into two bytes:
``U = 1600·c1 + 40·c2 + c3 + 1``, big-endian. Character values: space 3, '0'-'9' 4-13,
'A'-'Z' 14-39; values 0-2 are the DataMatrix shift characters, which a VDS uses only as
padding. The tail of a string whose length is not a multiple of three:

- two characters left: they are padded with Shift 1 (value 0) as the third character;
- one character left: the pair is ``0xFE`` (DataMatrix "unlatch") followed by the character's
  ASCII code + 1.

MRZ filler ``<`` has no C40 value; 9303-13 writes it as a space, so :func:`encode` maps ``<`` to
space and :func:`decode_mrz` maps it back.
"""

from __future__ import annotations

import struct

from legalize.seal.errors import SealMalformed

_VALUES = {
    " ": 3,
    **{chr(48 + i): 4 + i for i in range(10)},
    **{chr(65 + i): 14 + i for i in range(26)},
}
_ALPHABET = "\0\0\0 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""Character of each C40 value (0-2 are shifts, never looked up)."""
_PAIRS: tuple[str | None, ...] = tuple(
    _ALPHABET[c1] + _ALPHABET[c2] if c1 >= 3 and c2 >= 3 else None
    for c1 in range(40)
    for c2 in range(40)
)
"""The first two characters of each triple, indexed by ``U // 40 = 40·c1 + c2``; None when
either is a shift character (never written inside VDS text)."""
_UNLATCH = 0xFE


class C40Error(ValueError):
    """Text that C40 cannot carry (a character outside space, 0-9, A-Z and '<')."""


def encodable(text: str) -> bool:
    return all(ch in _VALUES or ch == "<" for ch in text)


def encode(text: str) -> bytes:
    """Encode ``text`` (space, 0-9, A-Z; ``<`` is written as space). Lower case is refused
    rather than folded: a seal must carry exactly what is printed."""
    text = text.replace("<", " ")
    out = bytearray()
    for i in range(0, len(text), 3):
        chunk = text[i : i + 3]
        try:
            values = [_VALUES[ch] for ch in chunk]
        except KeyError as exc:
            raise C40Error(f"not a C40 character: {exc.args[0]!r}") from None
        if len(values) == 1:
            out += bytes((_UNLATCH, ord(chunk) + 1))
            continue
        if len(values) == 2:
            values.append(0)  # Shift 1 as the padding third character
        u = 1600 * values[0] + 40 * values[1] + values[2] + 1
        out += u.to_bytes(2, "big")
    return bytes(out)


def encoded_length(chars: int) -> int:
    """Bytes C40 needs for ``chars`` characters."""
    return (chars + 2) // 3 * 2


def decode(data: bytes) -> str:
    """Decode C40 bytes strictly; raises :class:`SealMalformed` on anything a conforming
    encoder would not write (odd length, shifts inside the text, values out of range)."""
    if len(data) % 2:
        raise SealMalformed("C40 data of odd length")
    out: list[str] = []
    values = struct.unpack(f">{len(data) // 2}H", data)
    last = len(values) - 1
    chars = _ALPHABET
    pairs_table = _PAIRS
    for i, word in enumerate(values):
        if word >> 8 == _UNLATCH:
            ch = chr((word & 0xFF) - 1) if word & 0xFF else ""
            if i != last or ch not in _VALUES:
                raise SealMalformed("bad C40 single-character tail")
            out.append(ch)
            continue
        u = word - 1
        pair = pairs_table[u // 40] if 0 <= u < 64000 else None
        if pair is None:
            raise SealMalformed("C40 value out of range or shift character inside text")
        c3 = u % 40
        if c3 >= 3:
            out.append(pair + chars[c3])
        elif c3 != 0 or i != last:
            raise SealMalformed("C40 padding inside text")
        else:
            out.append(pair)
    return "".join(out)


def decode_mrz(data: bytes) -> str:
    """Decode an MRZ field: spaces are the MRZ filler ``<``."""
    return decode(data).replace(" ", "<")
