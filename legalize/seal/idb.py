"""ICAO Datastructure for Barcode (IDB): ``RDB1`` + flag + Base32 of a binary payload.

Text form: the identifier ``RDB1`` (``NDB1`` in drafts, still read), one flag character
``'A' + signed·1 + zipped·2`` (A: plain, B: signed, C: zipped, D: signed and zipped), then the
payload in RFC 4648 Base32 without padding (zlib-compressed first when zipped). Base32 keeps
to QR alphanumeric characters and survives scanner libraries that return strings.

Payload::

    C40 (2 bytes)                 issuing country
    signed only:
      1 byte                      signature algorithm: 1 ECDSA-SHA256, 2 -SHA384, 3 -SHA512
      5 bytes                     certificate reference: last 5 bytes of SHA-1 of the cert (DER)
      4 bytes                     signature creation date (mask byte + MMDDYYYY in 3 bytes)
    0x61 L  message group         TLV messages (tag, DER length, value)
    0x7E L  signer certificate    optional: the X.509 certificate (DER)
    0x7F L  signature             signed only: raw r‖s over header + the whole 0x61 item
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from dataclasses import dataclass
from datetime import date

from legalize.seal import c40
from legalize.seal.dates import decode_masked_date, encode_masked_date
from legalize.seal.errors import SealMalformed, SealUnreadable, SealUnsupported
from legalize.seal.tlv import Tlv, encode_all, read_all, read_tlv

IDENTIFIER = "RDB1"
OLD_IDENTIFIER = "NDB1"
MESSAGE_GROUP = 0x61
SIGNER_CERTIFICATE = 0x7E
SIGNATURE = 0x7F
ALGORITHM_HASH = {1: "sha256", 2: "sha384", 3: "sha512"}
HASH_ALGORITHM = {v: k for k, v in ALGORITHM_HASH.items()}
MAX_UNZIPPED = 64 * 1024
"""Refuse payloads that inflate beyond this (a barcode holds a few kB at most)."""

MAX_TEXT = 256 * 1024
"""Longest barcode text decoded (Base32 of 160 KiB, well above any printable barcode)."""

_BASE32 = re.compile(r"[A-Z2-7]*")


def certificate_reference(cert_der: bytes) -> bytes:
    """The IDB certificate reference: the last 5 bytes of the SHA-1 of the DER certificate."""
    return hashlib.sha1(cert_der, usedforsecurity=False).digest()[-5:]


@dataclass(frozen=True)
class IdbHeader:
    country: str
    """Three-letter issuing country."""
    signature_algorithm: int | None = None
    """1, 2 or 3 (ECDSA with SHA-256/384/512) when signed."""
    cert_reference: bytes | None = None
    """5 bytes, when signed."""
    signature_date: date | None = None
    """Signature creation date, when signed (None also when the date is masked)."""

    @property
    def signed(self) -> bool:
        return self.signature_algorithm is not None

    def encode(self) -> bytes:
        if len(self.country) != 3 or not c40.encodable(self.country):
            raise ValueError("country must be 3 C40 characters")
        out = c40.encode(self.country)
        if self.signature_algorithm is None:
            return out
        if self.signature_algorithm not in ALGORITHM_HASH:
            raise ValueError("unknown IDB signature algorithm")
        if self.cert_reference is None or len(self.cert_reference) != 5:
            raise ValueError("a signed IDB needs a 5-byte certificate reference")
        if self.signature_date is None:
            raise ValueError("a signed IDB needs a signature creation date")
        return (
            out
            + bytes((self.signature_algorithm,))
            + self.cert_reference
            + encode_masked_date(self.signature_date)
        )


@dataclass(frozen=True)
class IdbSeal:
    header: IdbHeader
    messages: tuple[Tlv, ...]
    """Messages of the 0x61 group, unknown tags included."""
    signature: bytes | None
    certificate: bytes | None
    """The embedded signer certificate (DER), if any."""
    signed_bytes: bytes
    """Header + the whole 0x61 item, as read: what the signature covers."""
    zipped: bool = False

    def message(self, tag: int) -> bytes | None:
        return next((m.value for m in self.messages if m.tag == tag), None)

    @property
    def hash_name(self) -> str | None:
        alg = self.header.signature_algorithm
        return None if alg is None else ALGORITHM_HASH[alg]


def message_group(messages: tuple[Tlv, ...] | list[Tlv]) -> bytes:
    if not messages:
        raise ValueError("an IDB needs at least one message")
    return Tlv(MESSAGE_GROUP, encode_all(list(messages))).encode()


def build_unsigned(header: IdbHeader, messages: tuple[Tlv, ...] | list[Tlv]) -> bytes:
    """Header + message group: the bytes to sign."""
    return header.encode() + message_group(messages)


def encode(
    header: IdbHeader,
    messages: tuple[Tlv, ...] | list[Tlv],
    signature: bytes | None = None,
    certificate: bytes | None = None,
    zipped: bool = False,
) -> str:
    """The barcode text ``RDB1…``."""
    if header.signed != (signature is not None):
        raise ValueError("a signature goes with a signed header, and only there")
    payload = build_unsigned(header, messages)
    if certificate is not None:
        payload += Tlv(SIGNER_CERTIFICATE, certificate).encode()
    if signature is not None:
        payload += Tlv(SIGNATURE, signature).encode()
    if zipped:
        payload = zlib.compress(payload, 9)
    flag = chr(ord("A") + (1 if header.signed else 0) + (2 if zipped else 0))
    return IDENTIFIER + flag + base64.b32encode(payload).decode("ascii").rstrip("=")


def looks_like_idb(text: str) -> bool:
    head = text[:4].upper()
    return head in (IDENTIFIER, OLD_IDENTIFIER)


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_UNZIPPED)
    except zlib.error:
        raise SealMalformed("zipped payload does not inflate") from None
    if inflater.unconsumed_tail:
        raise SealMalformed("zipped payload inflates beyond the limit")
    if not inflater.eof or inflater.unused_data:
        raise SealMalformed("zipped payload is truncated or has trailing bytes")
    return out


def decode(text: str) -> IdbSeal:
    """Decode an ``RDB1…`` barcode strictly."""
    text = text.strip()
    if not looks_like_idb(text):
        raise SealUnreadable("not an ICAO barcode (no RDB1 identifier)")
    if len(text) < 6:
        raise SealMalformed("truncated barcode")
    if len(text) > MAX_TEXT:
        raise SealMalformed("barcode text too long")
    flag = text[4].upper()
    if flag not in "ABCD":
        raise SealUnsupported(f"unknown IDB barcode flag {flag!r}")
    signed = flag in "BD"
    zipped = flag in "CD"
    body = text[5:].upper()
    if not _BASE32.fullmatch(body) or len(body) % 8 in (1, 3, 6):
        raise SealMalformed("payload is not Base32")
    try:
        payload = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise SealMalformed("payload is not Base32") from None
    if zipped:
        payload = _inflate(payload)

    header_len = 12 if signed else 2
    if len(payload) < header_len:
        raise SealMalformed("truncated header")
    country = c40.decode_mrz(payload[:2])
    if len(country) != 3:
        raise SealMalformed("country is not 3 characters")
    header = IdbHeader(country)
    if signed:
        algorithm = payload[2]
        if algorithm not in ALGORITHM_HASH:
            raise SealUnsupported(f"unknown IDB signature algorithm 0x{algorithm:02X}")
        header = IdbHeader(
            country, algorithm, bytes(payload[3:8]), decode_masked_date(payload[8:12])
        )

    group, pos = read_tlv(payload, header_len)
    if group.tag != MESSAGE_GROUP:
        raise SealMalformed("payload does not start with the message group (0x61)")
    messages = read_all(group.value)
    if not messages:
        raise SealMalformed("empty message group")
    signed_bytes = bytes(payload[:pos])
    certificate = signature = None
    for item in read_all(payload[pos:]):
        if item.tag == SIGNER_CERTIFICATE and certificate is None and signature is None:
            certificate = item.value
        elif item.tag == SIGNATURE and signature is None:
            signature = item.value
        else:
            raise SealMalformed(f"unexpected item 0x{item.tag:02X} in the payload")
    if signed and not signature:
        raise SealMalformed("signed barcode without a signature")
    if not signed and signature is not None:
        raise SealMalformed("signature in a barcode flagged unsigned")
    return IdbSeal(header, messages, signature, certificate, signed_bytes, zipped)
