"""Tag-length-value items as VDS message zones and IDB payloads write them.

Tags are one byte. Lengths follow DER: one byte below 0x80, else 0x81/0x82/0x83 followed by
one to three length bytes. The decoder refuses indefinite and non-minimal lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

from legalize.seal.errors import SealMalformed


@dataclass(frozen=True)
class Tlv:
    """One message-zone item. Unknown tags are kept as they are: TR-03137 requires that a
    tag a reader does not know never invalidates a seal."""

    tag: int
    """One byte, 0x00-0xFE (0xFF marks a VDS signature zone)."""
    value: bytes

    def encode(self) -> bytes:
        return bytes((self.tag,)) + encode_length(len(self.value)) + self.value


def encode_length(length: int) -> bytes:
    if length < 0:
        raise ValueError("negative length")
    if length < 0x80:
        return bytes((length,))
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    if len(body) > 3:
        raise ValueError("length too large")
    return bytes((0x80 | len(body),)) + body


def read_length(data: bytes, pos: int) -> tuple[int, int]:
    """Read a DER length at ``pos``; return (length, position after it)."""
    if pos >= len(data):
        raise SealMalformed("truncated length")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > 3:
        raise SealMalformed("unsupported length form")
    if pos + 1 + count > len(data):
        raise SealMalformed("truncated length")
    length = int.from_bytes(data[pos + 1 : pos + 1 + count], "big")
    if length < 0x80 or data[pos + 1] == 0:
        raise SealMalformed("non-minimal length")
    return length, pos + 1 + count


def read_tlv(data: bytes, pos: int) -> tuple[Tlv, int]:
    """Read one item at ``pos``; return it and the position after it."""
    if pos >= len(data):
        raise SealMalformed("truncated item")
    tag = data[pos]
    length, start = read_length(data, pos + 1)
    end = start + length
    if end > len(data):
        raise SealMalformed(f"item 0x{tag:02X} runs past the end")
    return Tlv(tag, bytes(data[start:end])), end


def read_all(data: bytes) -> tuple[Tlv, ...]:
    items: list[Tlv] = []
    pos = 0
    while pos < len(data):
        item, pos = read_tlv(data, pos)
        items.append(item)
    return tuple(items)


def encode_all(items: tuple[Tlv, ...] | list[Tlv]) -> bytes:
    return b"".join(i.encode() for i in items)
