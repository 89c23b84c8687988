"""Seal profiles: what the message zone of each document type holds (docs/seal-format.md).

- **TTD**: ICAO 9303-13 emergency-travel-document profile (feature reference 0x5E, category
  0x03): tag 0x02 = the MRZ, 72 characters (2 × 36, the TD2 layout the ICAO profile
  fixes), C40. Our extension adds tag 0xC0 (holder-photo hash, 32 bytes) and 0xC1 (check
  code, C40). A reader that does not know 0xC0/0xC1 skips them and still verifies the
  signature, which covers the whole message zone. In an IDB the MRZ travels as ICAO's ETD
  message (type 0x02 holding the profile's feature list: ``02 30`` + the C40 MRZ), our
  extension as top-level messages 0xC0-0xC2, and optionally the holder's face image (0x80,
  JPEG or JPEG 2000). Barcodes we issued before this form (message 0x02 = the bare C40 MRZ)
  still read.
- **Legalization** (ours; feature reference 0xF0, category 0x0E — an even category like the
  national TR-03137 profiles, clear of ICAO's 5D01/5E03 and Germany's F8-FD references):
  number, country, signed by, capacity, seal/stamp of, place, SHA-256 of the underlying
  document, optional check code; the date is the header's document issue date.
- Other issuers' profiles and IDB messages decode by the catalog
  (:mod:`legalize.seal.catalog`, ``legalize/data/seal_profiles.toml``) through
  :mod:`legalize.seal.thirdparty` to :class:`ThirdPartySeal`.
- Anything else decodes to :class:`GenericSeal`: its messages, unread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from legalize.kinds import DocumentType
from legalize.pki import curves, ecdsa
from legalize.pki.signer import Signer
from legalize.seal import c40, checkcode, idb, thirdparty, vds
from legalize.seal.catalog import catalog
from legalize.seal.errors import SealMalformed, SealUnreadable
from legalize.seal.features import (
    Document,
    Field,
    decode_value,
    image_format,
    mrz_lines,
    read_features,
    unknown,
)
from legalize.seal.thirdparty import ThirdPartySeal, face_image_data
from legalize.seal.tlv import Tlv, read_all

ETD_FEATURE_REF = 0x5E
ETD_CATEGORY = 0x03
ETD_MRZ = 0x02
IDB_ETD = 0x02
"""IDB message type of the emergency travel document (value: the ETD profile's features)."""
IDB_FACE_IMAGE = 0x80
"""IDB message type of the holder's face image (JPEG or JPEG 2000)."""
MAX_FACE_IMAGE = 4096
"""Largest face image we put in a barcode (bytes): a QR code holds at most 2,953 bytes, so
anything larger could not be printed anyway."""
PHOTO_HASH = 0xC0
PHOTO_HASH_BYTES = 32
"""Length of the photo-hash message (tag 0xC0): part of the seal format, fixed here so the seal
depends on nothing but legalize.pki; legalize.imaging.photo computes a hash of this length
(HASH_BYTES; tests/test_imaging_photo.py checks that the two agree)."""
CHECK_CODE = 0xC1
PRINTED_MRZ = 0xC2
"""Our extension: the TD3 MRZ (2 × 44) printed on the TTD page, C40. The ICAO profile's TD2
MRZ cannot hold what the page prints (a 39-character name field, the 12-digit NIC number in
the personal-number field), so an image verifier compares the printed MRZ with this one; its
document code, state, number, nationality, birth date, sex and expiry must equal the TD2's."""
PRINTED_MRZ_LENGTH = 88
PRINTED_MRZ_LINE = 44

LEGALIZATION_FEATURE_REF = 0xF0
LEGALIZATION_CATEGORY = 0x0E
LEG_NUMBER = 0x01
LEG_COUNTRY = 0x02
LEG_SIGNED_BY = 0x03
LEG_CAPACITY = 0x04
LEG_SEAL_OF = 0x05
LEG_PLACE = 0x06
LEG_DOCUMENT_SHA256 = 0x07

MRZ_LENGTH = 72
MRZ_LINE = 36

LEGALIZATION_LIMITS = {
    f.name: f.max
    for f in catalog().profiles["LEGALIZATION"].features.values()
    if f.coding == "UTF8"
}
"""Maximum UTF-8 bytes per text field (from the catalog: number 20, signed_by 40, capacity
36, seal_of 48, place 20). With every field full, a check code and a P-256
signer the seal is 310 bytes, and its QR text (27-character URL prefix + Base32) 523
characters: QR version 14 at error correction M, the largest that decoded every capture in
RESEARCH §2 (see docs/seal-format.md for the figures)."""


class ProfileError(ValueError):
    """Data that the profile cannot carry (wrong MRZ length, field too long, ...)."""


class SigningError(RuntimeError):
    """The signer produced a signature that does not verify against its own certificate."""


def _mrz_compact(mrz: str) -> str:
    return "".join(mrz.split())


@dataclass(frozen=True)
class TtdSeal:
    """The signed data of a temporary travel document (ICAO ETD profile + our extension)."""

    issuing_country: str
    """Three-letter code of the issuing state, e.g. ``LKA``."""
    issue_date: date
    mrz: str
    """The 72-character MRZ (two TD2 lines of 36, concatenated, ``<`` as filler)."""
    photo_hash: bytes | None = None
    """256-bit DCT hash of the holder photo (``legalize.imaging.photo.photo_hash``)."""
    check_code: str | None = None
    """The check code, grouped (``XXXX-XXXX-XXXX-XX``)."""
    printed_mrz: str | None = None
    """The TD3 MRZ printed on the page (88 characters, two lines of 44), when carried."""
    face_image: bytes | None = None
    """The holder's face image (JPEG or JPEG 2000), when an IDB carries one."""
    other: tuple[Field, ...] = ()
    """Other messages of the seal (an IDB's expiry date, national fields, unknown tags),
    decoded by the catalog."""

    @property
    def mrz_lines(self) -> tuple[str, str]:
        return (self.mrz[:MRZ_LINE], self.mrz[MRZ_LINE:])

    @property
    def document_number(self) -> str:
        return self.mrz[MRZ_LINE : MRZ_LINE + 9].rstrip("<")

    @property
    def document_code(self) -> str:
        return self.mrz[:2].rstrip("<")

    @cached_property
    def expiry_date(self) -> date | None:
        """Date of expiry from the MRZ (YYMMDD, read as 20YY), else from an IDB expiry-date
        message; None if neither is readable."""
        raw = self.mrz[MRZ_LINE + 21 : MRZ_LINE + 27]
        try:
            return date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:]))
        except ValueError:
            return Document(self.other).expiry_date

    def fields(self) -> dict[str, object]:
        """The decoded fields for a verification report."""
        line1, line2 = self.mrz_lines
        names = line1[5:].split("<<", 1)
        return {
            "profile": DocumentType.TTD.profile,
            "issuing_country": self.issuing_country,
            "issue_date": self.issue_date.isoformat(),
            "document_code": self.document_code,
            "document_number": self.document_number,
            "surname": names[0].replace("<", " ").strip(),
            "given_names": names[1].replace("<", " ").strip() if len(names) > 1 else "",
            "nationality": line2[10:13].rstrip("<"),
            "date_of_birth": line2[13:19],
            "sex": line2[20],
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else line2[21:27],
            "mrz": [line1, line2],
            "printed_mrz": (
                [self.printed_mrz[:PRINTED_MRZ_LINE], self.printed_mrz[PRINTED_MRZ_LINE:]]
                if self.printed_mrz
                else None
            ),
            "photo_hash": self.photo_hash.hex() if self.photo_hash else None,
            "check_code": self.check_code,
            **({"face_image": face_image_data(self.face_image)} if self.face_image else {}),
            "decoded": [f.to_json() for f in self._decoded()],
        }

    def _decoded(self) -> tuple[Field, ...]:
        """The seal's content as labelled catalog fields, for display."""
        out = [_field("TTD", ETD_MRZ, mrz_lines(self.mrz, "TD2"))]
        if self.photo_hash is not None:
            out.append(_field("TTD", PHOTO_HASH, self.photo_hash))
        if self.check_code is not None:
            out.append(_field("TTD", CHECK_CODE, self.check_code))
        if self.printed_mrz is not None:
            out.append(_field("TTD", PRINTED_MRZ, mrz_lines(self.printed_mrz, "TD3")))
        if self.face_image is not None:
            face = catalog().idb_messages[IDB_FACE_IMAGE]
            out.append(decode_value(face, self.face_image, catalog()))
        return (*out, *self.other)


def field_date(value: object) -> date | None:
    """A date of a profile's :meth:`fields` (ISO text) back as a date; None when it is none
    (absent, or an unreadable MRZ expiry kept as its raw ``YYMMDD``)."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _field(profile: str, tag: int, value: str | bytes | tuple[str, ...]) -> Field:
    """A value of one of our profiles, labelled by the catalog (display only: our profiles
    are read by the code below, which checks more than lengths)."""
    defn = catalog().profiles[profile].features[tag]
    return Field(tag, defn.name, defn.coding, defn.label, value, (), defn.mrz_form)


@dataclass(frozen=True)
class LegalizationSeal:
    """The signed data of a legalization (our profile; Apostille fields)."""

    issuing_country: str
    """Three-letter code of the legalizing state."""
    date: date
    """Date of the legalization (the header's document issue date)."""
    number: str
    country: str
    """Three-letter code of the country the underlying document comes from."""
    signed_by: str
    """Who signed the underlying document."""
    capacity: str
    """Acting in the capacity of."""
    seal_of: str
    """Bears the seal/stamp of (the authority)."""
    place: str
    """Where the legalization was done ("at")."""
    document_sha256: bytes
    """SHA-256 of the underlying document as legalized."""
    check_code: str | None = None

    def fields(self) -> dict[str, object]:
        return {
            "profile": DocumentType.LEGALIZATION.profile,
            "issuing_country": self.issuing_country,
            "date": self.date.isoformat(),
            "number": self.number,
            "country": self.country,
            "signed_by": self.signed_by,
            "capacity": self.capacity,
            "seal_of": self.seal_of,
            "place": self.place,
            "document_sha256": self.document_sha256.hex(),
            "check_code": self.check_code,
            "decoded": [f.to_json() for f in self._decoded()],
        }

    def _decoded(self) -> tuple[Field, ...]:
        values: list[tuple[int, str | bytes]] = [
            (LEG_NUMBER, self.number),
            (LEG_COUNTRY, self.country),
            (LEG_SIGNED_BY, self.signed_by),
            (LEG_CAPACITY, self.capacity),
            (LEG_SEAL_OF, self.seal_of),
            (LEG_PLACE, self.place),
            (LEG_DOCUMENT_SHA256, self.document_sha256),
        ]
        if self.check_code is not None:
            values.append((CHECK_CODE, self.check_code))
        return tuple(_field("LEGALIZATION", tag, value) for tag, value in values)


@dataclass(frozen=True)
class GenericSeal:
    """A seal of a profile we do not read: its messages, as they are."""

    container: str
    """``VDS`` or ``IDB``."""
    profile: str
    """VDS: feature reference + category in hex (e.g. ``5D01``); IDB: ``IDB``."""
    issuing_country: str
    messages: tuple[Tlv, ...]

    def fields(self) -> dict[str, object]:
        return {
            "profile": self.profile,
            "container": self.container,
            "issuing_country": self.issuing_country,
            "messages": [{"tag": f"0x{m.tag:02X}", "value": m.value.hex()} for m in self.messages],
        }


Profile = TtdSeal | LegalizationSeal | ThirdPartySeal | GenericSeal
Container = vds.VdsSeal | idb.IdbSeal


# --- building --------------------------------------------------------------------------------


def _ttd_messages(data: TtdSeal) -> list[Tlv]:
    mrz = _mrz_compact(data.mrz)
    if len(mrz) != MRZ_LENGTH:
        raise ProfileError(
            f"the ICAO ETD profile carries a {MRZ_LENGTH}-character MRZ (2 × {MRZ_LINE}); "
            f"got {len(mrz)}"
        )
    if not c40.encodable(mrz):
        raise ProfileError("MRZ characters must be A-Z, 0-9 and <")
    messages = [Tlv(ETD_MRZ, c40.encode(mrz))]
    if data.photo_hash is not None:
        if len(data.photo_hash) != PHOTO_HASH_BYTES:
            raise ProfileError(f"photo hash must be {PHOTO_HASH_BYTES} bytes")
        messages.append(Tlv(PHOTO_HASH, data.photo_hash))
    if data.check_code is not None:
        messages.append(Tlv(CHECK_CODE, _encode_check_code(data.check_code)))
    if data.printed_mrz is not None:
        printed = _mrz_compact(data.printed_mrz)
        if len(printed) != PRINTED_MRZ_LENGTH or not c40.encodable(printed):
            raise ProfileError(f"the printed MRZ must be {PRINTED_MRZ_LENGTH} characters A-Z 0-9 <")
        if not _printed_agrees(mrz, printed):
            raise ProfileError("the printed MRZ disagrees with the MRZ of the ICAO profile")
        messages.append(Tlv(PRINTED_MRZ, c40.encode(printed)))
    return messages


def _printed_agrees(td2: str, td3: str) -> bool:
    """TD2 and TD3 share document code and state (line 1, 0-5) and number, nationality, birth
    date, sex and expiry with their check digits (line 2, 0-28); names and optional data
    differ in length by design."""
    return (
        td2[:5] == td3[:5]
        and td2[MRZ_LINE : MRZ_LINE + 28] == td3[PRINTED_MRZ_LINE : PRINTED_MRZ_LINE + 28]
    )


def _encode_check_code(code: str) -> bytes:
    try:
        return c40.encode(checkcode.compact(code))
    except checkcode.CheckCodeError as exc:
        raise ProfileError(f"check code: {exc}") from None


def _signer_curve(signer: Signer) -> str:
    return ecdsa.curve_of_spki(ecdsa.spki_of_certificate(signer.certificate))


def _signed(signer: Signer, data: bytes, hash_name: str | None = None) -> bytes:
    """Sign, then check the signature against the signer's certificate before it goes on
    paper: a key that does not match its certificate, or a backend that returns DER or a
    corrupted value, must stop the issuance, not produce a seal that fails at the border."""
    signature = signer.sign(data, hash_name)
    spki = ecdsa.spki_of_certificate(signer.certificate)
    curve_name = ecdsa.curve_of_spki(spki)
    if len(signature) != 2 * curves.curve(curve_name).size:
        raise SigningError("the signer returned a signature of the wrong length")
    # Low-s whatever the backend (OpenSSL, an HSM) returned: one form of each signature.
    signature = ecdsa.low_s(curve_name, signature)
    if not ecdsa.verify_raw(spki, data, signature, hash_name):
        raise SigningError("the signer's signature does not verify against its certificate")
    return signature


def _sign_vds(header: vds.VdsHeader, messages: list[Tlv], signer: Signer) -> bytes:
    unsigned = vds.build_unsigned(header, messages)
    return unsigned + vds.signature_zone(_signed(signer, unsigned))


def _header(
    signer: Signer, country: str, issue_date: date, at: datetime, ref: tuple[int, int], version: int
) -> vds.VdsHeader:
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    return vds.VdsHeader(
        version=version,
        issuing_country=country,
        signer_id=signer.signer_id,
        cert_reference=signer.cert_reference,
        issue_date=issue_date,
        signature_date=at.date(),
        feature_ref=ref[0],
        type_category=ref[1],
    )


def seal_ttd(data: TtdSeal, signer: Signer, at: datetime, version: int = 4) -> bytes:
    """Sign a TTD as a VDS (header version 3 or 4); returns the seal bytes."""
    if data.face_image is not None or data.other:
        raise ProfileError("a face image and other messages travel only in the IDB form")
    messages = _ttd_messages(data)
    header = _header(
        signer, data.issuing_country, data.issue_date, at, (ETD_FEATURE_REF, ETD_CATEGORY), version
    )
    return _sign_vds(header, messages, signer)


def _idb_messages(data: TtdSeal) -> list[Tlv]:
    """The IDB form: ICAO's ETD message (the profile's feature list), our extension as
    top-level messages, then the face image."""
    if data.other:
        raise ProfileError("other messages are read, not written")
    mrz, *extension = _ttd_messages(data)
    messages = [Tlv(IDB_ETD, mrz.encode()), *extension]
    if data.face_image is not None:
        if image_format(data.face_image) == "unknown":
            raise ProfileError("the face image must be JPEG or JPEG 2000")
        if len(data.face_image) > MAX_FACE_IMAGE:
            raise ProfileError(f"the face image exceeds {MAX_FACE_IMAGE} bytes")
        messages.append(Tlv(IDB_FACE_IMAGE, data.face_image))
    return messages


def seal_ttd_idb(
    data: TtdSeal,
    signer: Signer,
    at: datetime,
    *,
    embed_certificate: bool = False,
    zipped: bool = False,
) -> str:
    """Sign a TTD as an ICAO IDB barcode (``RDB1B…``; ``RDB1D…`` zipped)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    messages = _idb_messages(data)
    cert_der = signer.certificate.public_bytes(Encoding.DER)
    hash_name = curves.default_hash(_signer_curve(signer))
    if hash_name == "sha224":  # IDB names only SHA-256/384/512; ECDSA truncates to 224 bits
        hash_name = "sha256"
    header = idb.IdbHeader(
        data.issuing_country,
        idb.HASH_ALGORITHM[hash_name],
        idb.certificate_reference(cert_der),
        at.date(),
    )
    unsigned = idb.build_unsigned(header, messages)
    signature = _signed(signer, unsigned, hash_name)
    return idb.encode(
        header, messages, signature, cert_der if embed_certificate else None, zipped=zipped
    )


def _text(name: str, value: str) -> bytes:
    if not value.strip():
        raise ProfileError(f"{name} is empty")
    if value != value.strip():
        raise ProfileError(f"{name} has leading or trailing white space")
    raw = value.encode("utf-8")
    if len(raw) > LEGALIZATION_LIMITS[name]:
        raise ProfileError(f"{name} exceeds {LEGALIZATION_LIMITS[name]} bytes")
    return raw


def seal_legalization(data: LegalizationSeal, signer: Signer, at: datetime) -> bytes:
    """Sign a legalization as a VDS (header version 4); returns the seal bytes."""
    if len(data.country) != 3 or not c40.encodable(data.country):
        raise ProfileError("country must be a 3-letter code")
    if len(data.document_sha256) != 32:
        raise ProfileError("document_sha256 must be 32 bytes")
    messages = [
        Tlv(LEG_NUMBER, _text("number", data.number)),
        Tlv(LEG_COUNTRY, c40.encode(data.country)),
        Tlv(LEG_SIGNED_BY, _text("signed_by", data.signed_by)),
        Tlv(LEG_CAPACITY, _text("capacity", data.capacity)),
        Tlv(LEG_SEAL_OF, _text("seal_of", data.seal_of)),
        Tlv(LEG_PLACE, _text("place", data.place)),
        Tlv(LEG_DOCUMENT_SHA256, data.document_sha256),
    ]
    if data.check_code is not None:
        messages.append(Tlv(CHECK_CODE, _encode_check_code(data.check_code)))
    header = _header(
        signer,
        data.issuing_country,
        data.date,
        at,
        (LEGALIZATION_FEATURE_REF, LEGALIZATION_CATEGORY),
        4,
    )
    return _sign_vds(header, messages, signer)


# --- reading ---------------------------------------------------------------------------------


def decode(data: bytes | str) -> Container:
    """Decode a seal given as VDS bytes or an IDB string (use
    :func:`legalize.seal.qrtext.parse_qr_text` first for scanned QR text)."""
    if isinstance(data, str):
        if idb.looks_like_idb(data.strip()):
            return idb.decode(data)
        raise SealUnreadable("text is not an IDB barcode")
    if vds.looks_like_vds(data):
        return vds.decode(data)
    text = data.strip()
    if idb.looks_like_idb(text.decode("ascii", "replace")):
        return idb.decode(text.decode("ascii", "replace"))
    raise SealUnreadable("not a seal (neither a VDS nor an ICAO barcode)")


def _required(container: Container, tag: int, what: str) -> bytes:
    value = container.message(tag)
    if value is None:
        raise SealMalformed(f"{what} (tag 0x{tag:02X}) missing")
    return value


def _read_mrz(raw: bytes) -> str:
    mrz = c40.decode_mrz(raw)
    if len(mrz) != MRZ_LENGTH:
        raise SealMalformed(f"MRZ of {len(mrz)} characters; the ETD profile has {MRZ_LENGTH}")
    return mrz


def _read_printed_mrz(container: Container, mrz: str) -> str | None:
    raw = container.message(PRINTED_MRZ)
    if raw is None:
        return None
    printed = c40.decode_mrz(raw)
    if len(printed) != PRINTED_MRZ_LENGTH:
        raise SealMalformed(f"printed MRZ of {len(printed)} characters; expected 88")
    if not _printed_agrees(mrz, printed):
        raise SealMalformed("the printed MRZ disagrees with the MRZ of the ICAO profile")
    return printed


def _read_extension(container: Container) -> tuple[bytes | None, str | None]:
    photo = container.message(PHOTO_HASH)
    if photo is not None and len(photo) != PHOTO_HASH_BYTES:
        raise SealMalformed("photo hash of the wrong length")
    raw_code = container.message(CHECK_CODE)
    code = None
    if raw_code is not None:
        try:
            code = checkcode.group(checkcode.compact(c40.decode(raw_code)))
        except checkcode.CheckCodeError:
            raise SealMalformed("check code is not well-formed") from None
    return photo, code


def _utf8(container: Container, tag: int, what: str) -> str:
    try:
        return _required(container, tag, what).decode("utf-8")
    except UnicodeDecodeError:
        raise SealMalformed(f"{what} is not UTF-8") from None


def _etd_mrz(value: bytes) -> bytes:
    """The C40 MRZ of an IDB ETD message: ICAO's form holds the ETD profile's feature list
    (``02 30`` + 48 bytes); ours before it held the 48 bytes alone. A C40 value never starts
    with 0x02 (its first character would be a shift), so the two cannot be confused."""
    if value[:1] != bytes((ETD_MRZ,)):
        return value
    fields = read_features(catalog().profiles["ICAO_ETD"], read_all(value), catalog())
    return next(
        c40.encode("".join(f.value))
        for f in fields
        if f.tag == ETD_MRZ and isinstance(f.value, tuple)
    )


_TTD_IDB_TAGS = frozenset({IDB_ETD, PHOTO_HASH, CHECK_CODE, PRINTED_MRZ, IDB_FACE_IMAGE})


def _read_idb(container: idb.IdbSeal) -> Profile:
    sig_date = container.header.signature_date
    etd = container.message(IDB_ETD)
    if etd is None:
        known = thirdparty.read_idb(container.header.country, sig_date, container.messages)
        if known is not None:
            return known
        return GenericSeal("IDB", "IDB", container.header.country, container.messages)
    photo, code = _read_extension(container)
    mrz = _read_mrz(_etd_mrz(etd))
    face = container.message(IDB_FACE_IMAGE)
    if face is not None:
        decode_value(catalog().idb_messages[IDB_FACE_IMAGE], face, catalog())
    # Everything but the first of each message read above; a repeated one is shown raw.
    taken: set[int] = set()
    rest: list[Tlv] = []
    repeated: list[Field] = []
    for message in container.messages:
        if message.tag not in _TTD_IDB_TAGS:
            rest.append(message)
        elif message.tag in taken:
            repeated.append(unknown(message))
        taken.add(message.tag)
    return TtdSeal(
        container.header.country,
        sig_date if sig_date else date.min,
        mrz,
        photo,
        code,
        _read_printed_mrz(container, mrz),
        face,
        (*read_features(catalog().idb_messages, tuple(rest), catalog()), *repeated),
    )


def read_profile(container: Container) -> Profile:
    """The profile data of a decoded seal. Known profiles are read strictly (a missing or
    ill-formed required field is :class:`SealMalformed`); unknown ones give a
    :class:`GenericSeal`."""
    if isinstance(container, idb.IdbSeal):
        return _read_idb(container)
    header = container.header
    if (header.feature_ref, header.type_category) == (ETD_FEATURE_REF, ETD_CATEGORY):
        photo, code = _read_extension(container)
        mrz = _read_mrz(_required(container, ETD_MRZ, "MRZ"))
        printed = _read_printed_mrz(container, mrz)
        return TtdSeal(header.issuing_country, header.issue_date, mrz, photo, code, printed)
    if (header.feature_ref, header.type_category) == (
        LEGALIZATION_FEATURE_REF,
        LEGALIZATION_CATEGORY,
    ):
        sha = _required(container, LEG_DOCUMENT_SHA256, "document hash")
        if len(sha) != 32:
            raise SealMalformed("document hash is not 32 bytes")
        country = c40.decode(_required(container, LEG_COUNTRY, "country"))
        if len(country) != 3:
            raise SealMalformed("country is not 3 characters")
        _, code = _read_extension(container)
        return LegalizationSeal(
            issuing_country=header.issuing_country,
            date=header.issue_date,
            number=_utf8(container, LEG_NUMBER, "number"),
            country=country,
            signed_by=_utf8(container, LEG_SIGNED_BY, "signed by"),
            capacity=_utf8(container, LEG_CAPACITY, "capacity"),
            seal_of=_utf8(container, LEG_SEAL_OF, "seal of"),
            place=_utf8(container, LEG_PLACE, "place"),
            document_sha256=sha,
            check_code=code,
        )
    known = thirdparty.read(
        header.feature_ref,
        header.type_category,
        header.issuing_country,
        header.issue_date,
        container.messages,
    )
    if known is not None:
        return known
    return GenericSeal(
        "VDS", f"{header.document_ref:04X}", header.issuing_country, container.messages
    )
