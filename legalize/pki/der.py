"""The few DER structures a seal's verification reads and writes itself, and PEM armour.

Checking a seal reads a SubjectPublicKeyInfo, the key out of a certificate and our
document-type extension; asn1crypto does that too, but importing it costs a command-line
``verifier seal`` about a seventh of its start-up (issue 9). So these small readers do it, and
asn1crypto stays for what is rare or large (explicit curve parameters, certificates we
build, CMS). Strict DER only: one-byte tags, definite lengths in their shortest form, and
nothing after the outermost element. Also the DER bytes of a certificate ``cryptography``
loaded (:func:`of_certificate`).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, NamedTuple

# cryptography defines Encoding here and re-exports it from ...primitives.serialization, whose
# import also loads its SSH-key and cipher modules: about 7 ms of a verifier's start-up that
# reading a certificate's bytes does not need (issue 9). The same object; tests/test_pki_der.py
# fails if a release of cryptography moves it.
from cryptography.hazmat.primitives._serialization import Encoding

if TYPE_CHECKING:
    from cryptography import x509

INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
PRINTABLE_STRING = 0x13
SEQUENCE = 0x30
EXPLICIT_0 = 0xA0
"""``[0] EXPLICIT``, e.g. the version of a TBSCertificate."""


class DerError(ValueError):
    """The bytes are not the DER this module reads."""


class Element(NamedTuple):
    tag: int
    content: bytes
    encoded: bytes
    """The whole element: tag, length and content."""


def _read(data: bytes, offset: int) -> tuple[Element, int]:
    """The element at ``offset`` and the offset after it."""
    if offset + 2 > len(data):
        raise DerError("truncated element")
    tag, first = data[offset], data[offset + 1]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tag")
    start = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            raise DerError("indefinite or unreadable length")
        length = int.from_bytes(data[start : start + count], "big")
        if length < 0x80 or length >> (8 * (count - 1)) == 0:
            raise DerError("length not in its shortest form")
        start += count
    end = start + length
    if end > len(data):
        raise DerError("truncated element")
    return Element(tag, data[start:end], data[offset:end]), end


def single(data: bytes, tag: int) -> Element:
    """``data`` as exactly one element of ``tag``."""
    element, end = _read(bytes(data), 0)
    if end != len(data):
        raise DerError("bytes after the element")
    if element.tag != tag:
        raise DerError(f"expected tag 0x{tag:02X}, found 0x{element.tag:02X}")
    return element


def children(content: bytes) -> list[Element]:
    """The elements a constructed element's content holds, in order."""
    out: list[Element] = []
    offset = 0
    while offset < len(content):
        element, offset = _read(content, offset)
        out.append(element)
    return out


def oid(element: Element) -> str:
    """An OBJECT IDENTIFIER in dotted form."""
    if element.tag != OID or not element.content or element.content[-1] & 0x80:
        raise DerError("not an object identifier")
    arcs: list[int] = []
    value = 0
    for i, byte in enumerate(element.content):
        if value == 0 and byte == 0x80 and (i == 0 or element.content[i - 1] < 0x80):
            raise DerError("object identifier arc not in its shortest form")
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in (first, arcs[0] - 40 * first, *arcs[1:]))


def encode(tag: int, content: bytes) -> bytes:
    """One element of ``tag`` holding ``content``."""
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    size = (n.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + n.to_bytes(size, "big") + content


def encode_oid(dotted: str) -> bytes:
    """An OBJECT IDENTIFIER element from its dotted form."""
    arcs = [int(a) for a in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise DerError(f"not an object identifier: {dotted}")
    out = bytearray()
    for arc in (40 * arcs[0] + arcs[1], *arcs[2:]):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return encode(OID, bytes(out))


def of_certificate(cert: x509.Certificate) -> bytes:
    """The DER encoding of a certificate ``cryptography`` loaded."""
    return cert.public_bytes(Encoding.DER)


_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


def is_pem(data: bytes) -> bool:
    return b"-----BEGIN" in data


def unarmor(data: bytes) -> list[tuple[str, bytes]]:
    """Every PEM block of ``data`` (RFC 7468) as (label, DER); text between blocks is
    ignored, RFC 1421 header lines (``Name: value``) are skipped."""
    blocks: list[tuple[str, bytes]] = []
    for match in _PEM.finditer(data):
        body = b"".join(line.strip() for line in match.group(2).splitlines() if b":" not in line)
        try:
            der = base64.b64decode(body, validate=True)
        except binascii.Error as exc:
            raise DerError(f"PEM block {match.group(1).decode()}: {exc}") from None
        blocks.append((match.group(1).decode("ascii"), der))
    if not blocks or len(blocks) != data.count(b"-----BEGIN"):
        raise DerError("no PEM block, or one without its END line")
    return blocks
