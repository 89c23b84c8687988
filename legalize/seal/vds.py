"""ICAO visible digital seal (VDS), ICAO 9303-13 / BSI TR-03137, header versions 3 and 4.

Layout (all of it except the signature zone is signed)::

    0xDC                         magic constant
    0x02 | 0x03                  version byte: 0x02 = version 3, 0x03 = version 4
    C40 (2 bytes)                issuing state, 3 characters
    v3: C40 (6 bytes)            signer id (4 chars) + certificate reference (5 chars)
    v4: C40 (4 bytes)            signer id (4 chars) + reference length (2 hex digits)
        C40 (variable)           certificate reference (that many chars)
    3 bytes                      document issue date (MMDDYYYY as a number)
    3 bytes                      signature creation date
    1 byte                       document feature definition reference
    1 byte                       document type category
    TLV*                         message zone: tag (1 byte), DER length, value
    0xFF, DER length, r‖s        signature zone
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from legalize.seal import c40
from legalize.seal.dates import decode_date, encode_date
from legalize.seal.errors import SealMalformed, SealUnreadable, SealUnsupported
from legalize.seal.tlv import Tlv, encode_length, read_length, read_tlv

MAGIC = 0xDC
SIGNATURE_TAG = 0xFF
_VERSION_BYTE = {3: 0x02, 4: 0x03}
_VERSION_OF_BYTE = {v: k for k, v in _VERSION_BYTE.items()}


@dataclass(frozen=True)
class VdsHeader:
    version: int
    """Header version, 3 or 4 (written as 0x02 or 0x03)."""
    issuing_country: str
    """Three-letter code of the issuing state (ICAO 9303-3), e.g. ``LKA``."""
    signer_id: str
    """Signer identifier: 2-letter country + 2 alphanumerics, e.g. ``LKTD``."""
    cert_reference: str
    """Certificate reference: hex serial of the signer certificate (v3: exactly 5 chars)."""
    issue_date: date
    signature_date: date
    feature_ref: int
    """Document feature definition reference (profile), e.g. 0x5E."""
    type_category: int
    """Document type category, e.g. 0x03."""

    @property
    def document_ref(self) -> int:
        """Feature reference and category as one 16-bit number, e.g. 0x5E03."""
        return self.feature_ref << 8 | self.type_category

    def encode(self) -> bytes:
        if self.version not in _VERSION_BYTE:
            raise ValueError(f"unsupported VDS header version {self.version}")
        if len(self.issuing_country) != 3 or not c40.encodable(self.issuing_country):
            raise ValueError("issuing country must be 3 C40 characters")
        if len(self.signer_id) != 4 or not c40.encodable(self.signer_id):
            raise ValueError("signer id must be 4 C40 characters")
        ref = self.cert_reference.upper()
        if not ref or not c40.encodable(ref) or "<" in ref:
            raise ValueError("certificate reference must be C40 characters")
        if self.version == 3:
            if len(ref) > 5:
                raise ValueError("a version 3 header holds a 5-character certificate reference")
            signer = c40.encode(self.signer_id + ref.rjust(5, "0"))
        else:
            if len(ref) > 0xFF:
                raise ValueError("certificate reference too long")
            signer = c40.encode(f"{self.signer_id}{len(ref):02X}") + c40.encode(ref)
        for value in (self.feature_ref, self.type_category):
            if not 0 <= value <= 0xFF:
                raise ValueError("feature reference and category are single bytes")
        return (
            bytes((MAGIC, _VERSION_BYTE[self.version]))
            + c40.encode(self.issuing_country)
            + signer
            + encode_date(self.issue_date)
            + encode_date(self.signature_date)
            + bytes((self.feature_ref, self.type_category))
        )


@dataclass(frozen=True)
class VdsSeal:
    """A decoded (or built) VDS."""

    header: VdsHeader
    messages: tuple[Tlv, ...]
    """The message zone in order, unknown tags included."""
    signature: bytes
    """The signature zone's value: raw r‖s (some implementations write DER; kept as is)."""
    signed_bytes: bytes
    """Exactly the bytes the signature covers (header + message zone) as they were read."""

    def message(self, tag: int) -> bytes | None:
        """Value of the first message with ``tag``, or None."""
        return next((m.value for m in self.messages if m.tag == tag), None)

    def encode(self) -> bytes:
        return self.signed_bytes + signature_zone(self.signature)


def signature_zone(signature: bytes) -> bytes:
    return bytes((SIGNATURE_TAG,)) + encode_length(len(signature)) + signature


def build_unsigned(header: VdsHeader, messages: tuple[Tlv, ...] | list[Tlv]) -> bytes:
    """Header + message zone: the bytes to sign."""
    if not messages:
        raise ValueError("a VDS needs at least one message")
    if any(not 0 <= m.tag < SIGNATURE_TAG for m in messages):
        raise ValueError("message tags are 0x00-0xFE")
    return header.encode() + b"".join(m.encode() for m in messages)


@lru_cache(maxsize=1024)
def _header_text(data: bytes) -> str:
    """C40 of a header field. Cached: country, signer id and certificate reference repeat
    across all the seals of one signer."""
    return c40.decode(data)


def looks_like_vds(data: bytes) -> bool:
    return len(data) >= 2 and data[0] == MAGIC


def decode(data: bytes) -> VdsSeal:
    """Decode a VDS strictly. Raises :class:`SealUnreadable` (no magic constant),
    :class:`SealUnsupported` (unknown header version) or :class:`SealMalformed`."""
    data = bytes(data)
    if not data or data[0] != MAGIC:
        raise SealUnreadable("not a visible digital seal (no 0xDC magic constant)")
    if len(data) < 2:
        raise SealMalformed("truncated header")
    version = _VERSION_OF_BYTE.get(data[1])
    if version is None:
        raise SealUnsupported(f"VDS header version byte 0x{data[1]:02X} is not 3 or 4")
    pos = 2

    def take(count: int) -> bytes:
        nonlocal pos
        if pos + count > len(data):
            raise SealMalformed("truncated header")
        chunk = data[pos : pos + count]
        pos += count
        return chunk

    country = _header_text(take(2)).replace(" ", "<")
    if len(country) != 3:
        raise SealMalformed("issuing country is not 3 characters")
    if version == 3:
        signer_ref = _header_text(take(6))
        if len(signer_ref) != 9:
            raise SealMalformed("signer and reference are not 9 characters")
        signer_id, cert_ref = signer_ref[:4], signer_ref[4:]
    else:
        signer_len = _header_text(take(4))
        if len(signer_len) != 6:
            raise SealMalformed("signer identifier field is not 6 characters")
        signer_id = signer_len[:4]
        try:
            ref_len = int(signer_len[4:], 16)
        except ValueError:
            raise SealMalformed("certificate reference length is not hexadecimal") from None
        if ref_len == 0:
            raise SealMalformed("empty certificate reference")
        cert_ref = _header_text(take(c40.encoded_length(ref_len)))
        if len(cert_ref) != ref_len:
            raise SealMalformed("certificate reference length mismatch")
    issue_date = decode_date(take(3))
    signature_date = decode_date(take(3))
    feature_ref, category = take(2)
    header = VdsHeader(
        version, country, signer_id, cert_ref, issue_date, signature_date, feature_ref, category
    )

    messages: list[Tlv] = []
    while True:
        if pos >= len(data):
            raise SealMalformed("no signature zone")
        if data[pos] == SIGNATURE_TAG:
            break
        item, pos = read_tlv(data, pos)
        messages.append(item)
    if not messages:
        raise SealMalformed("empty message zone")
    signed = data[:pos]
    length, start = read_length(data, pos + 1)
    if start + length != len(data):
        raise SealMalformed(
            "signature zone length does not match"
            if start + length > len(data)
            else "bytes after the signature zone"
        )
    if length == 0:
        raise SealMalformed("empty signature")
    return VdsSeal(header, tuple(messages), data[start:], signed)
