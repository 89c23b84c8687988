"""Verify a seal (VDS bytes, QR text or an ``RDB1…`` barcode) against a trust store at a time.

Checks, in report order (each reports; SKIPPED with its reason when a precondition failed):

``seal.format``     FORMAT     the input is a VDS or IDB and its structure is sound
``seal.profile``    FORMAT     the profile is one we read (TTD, legalization, every profile
                               and IDB message of the catalog, legalize/data/
                               seal_profiles.toml); others: SKIPPED SEAL_UNSUPPORTED
                               (signature still checked)
``seal.signer``     TRUST      the certificate the seal names is in the trust store
``seal.signature``  INTEGRITY  the ECDSA signature over header + message zone verifies
``seal.trust``      TRUST      the signer was valid, not revoked, allowed for the document type
``document.validity`` STATUS   the document itself has not expired: its expiry-date field
                               (IDB 0x84) or its MRZ's; NOT_APPLICABLE when it carries none

Reason codes: SEAL_UNREADABLE, SEAL_MALFORMED, SEAL_UNSUPPORTED, SIGNER_UNKNOWN,
SEAL_SIGNATURE_INVALID, SIGNER_EXPIRED, SIGNER_NOT_YET_VALID, SIGNER_REVOKED,
SIGNER_NOT_ALLOWED, DOCUMENT_EXPIRED, DOCUMENT_NOT_YET_VALID.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

from legalize.kinds import DocumentType
from legalize.pki import ecdsa
from legalize.pki.trust import TrustStore
from legalize.seal import idb, vds
from legalize.seal.errors import SealError, SealUnreadable
from legalize.seal.profiles import (
    Container,
    GenericSeal,
    LegalizationSeal,
    Profile,
    TtdSeal,
    decode,
    read_profile,
)
from legalize.seal.qrtext import parse_qr_text
from legalize.seal.thirdparty import ThirdPartySeal
from verifier.codes import Code
from verifier.report import (
    Category,
    Check,
    Report,
    crashed,
    fail,
    guarded,
    ok,
    skipped,
)

ETD_PROFILE = "ICAO_ETD"
"""The catalog's name (legalize/data/seal_profiles.toml) of the ICAO emergency travel document
profile our TTD extends: the profile of another state's ETD."""


def to_container(data: bytes | str) -> Container:
    """Decode the input: raw VDS bytes, or text (QR text with or without URL, ``RDB1…``),
    also as the bytes of a text file."""
    if isinstance(data, bytes | bytearray):
        raw = bytes(data)
        if vds.looks_like_vds(raw):
            return decode(raw)
        try:
            data = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SealUnreadable("neither a binary VDS nor text") from None
    if not data.strip():
        raise SealUnreadable("empty input")
    return decode(parse_qr_text(data))


def _header_data(container: Container) -> dict[str, Any]:
    if isinstance(container, vds.VdsSeal):
        h = container.header
        return {
            "format": "VDS",
            "header_version": h.version,
            "issuing_country": h.issuing_country,
            "signer_id": h.signer_id,
            "cert_reference": h.cert_reference,
            "issue_date": h.issue_date.isoformat(),
            "signature_date": h.signature_date.isoformat(),
            "document_ref": f"{h.document_ref:04X}",
        }
    ih = container.header
    return {
        "format": "IDB",
        "issuing_country": ih.country,
        "signed": ih.signed,
        "zipped": container.zipped,
        "cert_reference": ih.cert_reference.hex().upper() if ih.cert_reference else None,
        "signature_date": ih.signature_date.isoformat() if ih.signature_date else None,
        "signer_certificate_embedded": container.certificate is not None,
        **_embedded_certificate(container.certificate),
    }


def _embedded_certificate(der: bytes | None) -> dict[str, Any]:
    """What the officer sees of a certificate an IDB carries (0x7E): who it names and until
    when. Whether it is trusted is seal.signer's and seal.trust's call, not this summary's."""
    if der is None:
        return {}
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return {"signer_certificate": {"unreadable": True, "bytes": len(der)}}
    return {
        "signer_certificate": {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "serial": f"{cert.serial_number:X}",
            "not_after": cert.not_valid_after_utc.date().isoformat(),
        }
    }


def _candidates(container: Container, trust: TrustStore) -> list[x509.Certificate]:
    if isinstance(container, vds.VdsSeal):
        h = container.header
        return list(trust.find_seal_signers(h.signer_id, h.cert_reference))
    ref = container.header.cert_reference
    if ref is None:
        return []
    found = list(trust.find_idb_signers(ref))
    embedded = container.certificate
    # An embedded certificate is only a candidate: whether it is trusted is seal.trust's call
    # (it must chain to a root in the store).
    if not found and embedded is not None and idb.certificate_reference(embedded) == ref:
        try:
            found = [x509.load_der_x509_certificate(embedded)]
        except ValueError:
            found = []
    return found


def _hash_of(container: Container) -> str | None:
    return container.hash_name if isinstance(container, idb.IdbSeal) else None


def _verify_signature(
    container: Container, certs: list[x509.Certificate]
) -> tuple[Check, x509.Certificate | None]:
    name = "seal.signature"
    signature = container.signature
    if not signature:
        return fail(name, Category.INTEGRITY, Code.SEAL_MALFORMED, "The seal is not signed."), None
    unusable: list[str] = []
    for cert in certs:
        try:
            key = ecdsa.public_key(ecdsa.spki_of_certificate(cert))
        except ecdsa.EcdsaError as exc:
            unusable.append(str(exc))
            continue
        if key.verify(container.signed_bytes, signature, _hash_of(container)):
            return (
                ok(name, Category.INTEGRITY, "The signature verifies.", curve=key.curve.name),
                cert,
            )
    if unusable and len(unusable) == len(certs):
        return (
            fail(
                name,
                Category.INTEGRITY,
                Code.SEAL_UNSUPPORTED,
                f"The signer's key cannot be used: {unusable[0]}.",
            ),
            None,
        )
    return (
        fail(
            name,
            Category.INTEGRITY,
            Code.SEAL_SIGNATURE_INVALID,
            "The signature does not match the seal's content: it was altered or not made by "
            "the named signer.",
        ),
        None,
    )


def _doc_type(profile: Profile | None) -> str | None:
    if isinstance(profile, TtdSeal):
        return DocumentType.TTD.cert_code
    if isinstance(profile, LegalizationSeal):
        return DocumentType.LEGALIZATION.cert_code
    return None


def _validity(profile: Profile | None, at: datetime) -> Check:
    name = "document.validity"
    if isinstance(profile, LegalizationSeal):
        return skipped(
            name, Category.STATUS, "A legalization does not expire.", code=Code.NOT_APPLICABLE
        )
    if isinstance(profile, ThirdPartySeal) and profile.expiry_date is None:
        return skipped(
            name,
            Category.STATUS,
            f"Profile {profile.profile} carries no expiry date this verifier reads; check the "
            "printed document.",
            code=Code.NOT_APPLICABLE,
        )
    if not isinstance(profile, TtdSeal | ThirdPartySeal):
        return skipped(name, Category.STATUS, "The document's validity is not known.")
    expiry = profile.expiry_date
    today = at.date()
    if expiry is None:
        return fail(
            name, Category.STATUS, Code.SEAL_MALFORMED, "The MRZ has no readable expiry date."
        )
    if isinstance(profile, TtdSeal) and profile.issue_date > today:
        return fail(
            name,
            Category.STATUS,
            Code.DOCUMENT_NOT_YET_VALID,
            f"The document is issued on {profile.issue_date.isoformat()}, after the "
            f"validation date.",
        )
    if today > expiry:
        return fail(
            name,
            Category.STATUS,
            Code.DOCUMENT_EXPIRED,
            f"The document expired on {expiry.isoformat()}.",
            expiry_date=expiry.isoformat(),
        )
    return ok(
        name,
        Category.STATUS,
        f"The document is valid until {expiry.isoformat()}.",
        expiry_date=expiry.isoformat(),
    )


def verify_seal(data: bytes | str, trust: TrustStore, at: datetime) -> Report:
    """Verify a seal; never raises for bad input (it becomes a check with its reason code)."""
    return report_at(read_seal(data, trust), trust, at)


@dataclass(frozen=True)
class SealReading:
    """What :func:`verify_seal` finds in a seal that does not depend on the time: the
    format, profile, signer and signature checks, the decoded fields and the certificate whose
    signature verified. A function of the seal and the trust store alone, so a caller that
    sees one seal often (the web check's QR link) may keep it per seal text and trust store
    (:attr:`TrustStore.version`) and only run :func:`report_at` per request. Read-only."""

    checks: tuple[Check, ...]
    fields: Mapping[str, Any]
    profile: Profile | None = None
    signer: x509.Certificate | None = None
    """The certificate whose signature verified (None: none did)."""
    had_candidates: bool = False
    """Whether the trust store (or the seal) named any signer certificate."""
    candidate: x509.Certificate | None = None
    """The signer that verified, else the first certificate the seal names (whose PKI tells
    our TTD from another state's ETD); None when it names none."""
    readable: bool = True

    @property
    def genuine(self) -> bool:
        """The signature verified against a certificate the seal names."""
        return self.signer is not None


def read_seal(data: bytes | str, trust: TrustStore) -> SealReading:
    """The time-independent part of :func:`verify_seal`; never raises for bad input."""
    checks: list[Check] = []
    fields: dict[str, Any] = {}

    try:
        container = to_container(data)
    except Exception as exc:
        if isinstance(exc, SealError):
            checks.append(fail("seal.format", Category.FORMAT, Code(exc.code), str(exc)))
        else:  # a codec bug must not crash the caller either (DESIGN §6): as guarded() does
            checks.append(crashed("seal.format", Category.FORMAT, exc))
        for name, category in (
            ("seal.profile", Category.FORMAT),
            ("seal.signer", Category.TRUST),
            ("seal.signature", Category.INTEGRITY),
            ("seal.trust", Category.TRUST),
            ("document.validity", Category.STATUS),
        ):
            checks.append(skipped(name, category, "The seal could not be read."))
        return SealReading(tuple(checks), fields, readable=False)
    fields.update(_header_data(container))
    checks.append(ok("seal.format", Category.FORMAT, f"A well-formed {fields['format']} seal."))

    profile: Profile | None = None

    def profile_check() -> Check:
        nonlocal profile
        try:
            profile = read_profile(container)
        except SealError as exc:
            return fail("seal.profile", Category.FORMAT, Code(exc.code), str(exc))
        fields.update(profile.fields())
        if isinstance(profile, GenericSeal):
            return skipped(
                "seal.profile",
                Category.FORMAT,
                f"Profile {profile.profile} is not one this verifier reads; its content is "
                "shown undecoded.",
                code=Code.SEAL_UNSUPPORTED,
            )
        return ok("seal.profile", Category.FORMAT, f"Profile {fields['profile']}.")

    checks.append(guarded("seal.profile", Category.FORMAT, profile_check))

    certs: list[x509.Certificate] = []
    chosen: list[x509.Certificate] = []

    def signer_check() -> Check:
        if isinstance(container, idb.IdbSeal) and not container.header.signed:
            return fail(
                "seal.signer",
                Category.TRUST,
                Code.SEAL_UNSUPPORTED,
                "An unsigned ICAO barcode: there is no signature to verify.",
            )
        certs.extend(_candidates(container, trust))
        if not certs:
            return fail(
                "seal.signer",
                Category.TRUST,
                Code.SIGNER_UNKNOWN,
                "The trust store holds no certificate matching the seal's signer reference.",
            )
        if isinstance(container, idb.IdbSeal) and certs[0] not in trust.certificates:
            return ok(
                "seal.signer",
                Category.TRUST,
                "The seal embeds the certificate its reference names; whether it is trusted "
                "is checked next.",
                embedded=True,
            )
        return ok("seal.signer", Category.TRUST, "The signer certificate is in the trust store.")

    def signature_check() -> Check:
        if not certs:
            return skipped("seal.signature", Category.INTEGRITY, "No signer certificate.")
        check, cert = _verify_signature(container, certs)
        if cert is not None:
            chosen.append(cert)
        return check

    checks.append(guarded("seal.signer", Category.TRUST, signer_check))
    checks.append(guarded("seal.signature", Category.INTEGRITY, signature_check))
    return SealReading(
        tuple(checks),
        fields,
        profile,
        chosen[0] if chosen else None,
        bool(certs),
        chosen[0] if chosen else certs[0] if certs else None,
    )


def report_at(reading: SealReading, trust: TrustStore, at: datetime) -> Report:
    """The report of a read seal at ``at``: the signer's validity and revocation
    (``seal.trust``) and the document's (``document.validity``) added to the reading's
    checks. ``trust`` must be the store the seal was read against."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    fields = dict(reading.fields)
    if not reading.readable:
        return Report.of(reading.checks, fields)
    signer, profile = reading.signer, reading.profile

    def trust_check() -> Check:
        if signer is None:
            why = "No signer certificate." if not reading.had_candidates else None
            reason = why or "The signature did not verify."
            return skipped("seal.trust", Category.TRUST, reason)
        status = trust.validate_signer(signer, at, _doc_type(profile))
        fields["signer"] = {
            k: v for k, v in status.data.items() if k in ("subject", "serial", "not_after")
        }
        if status.ok:
            return ok("seal.trust", Category.TRUST, status.message, **dict(status.data))
        return fail(
            "seal.trust", Category.TRUST, Code(status.code), status.message, **dict(status.data)
        )

    checks = [
        *reading.checks,
        guarded("seal.trust", Category.TRUST, trust_check),
        guarded("document.validity", Category.STATUS, lambda: _validity(profile, at)),
    ]
    # Without any signer certificate nothing tells ours from another state's: the seal keeps
    # the label of the reader that decoded it (and fails seal.signer).
    candidate = reading.candidate
    if isinstance(profile, TtdSeal) and candidate is not None and not _ours(candidate, trust, at):
        _relabel_etd(checks, fields)
    return Report.of(checks, fields)


def _ours(cert: x509.Certificate, trust: TrustStore, at: datetime) -> bool:
    """Whether ``cert`` is a signer of our PKI: it chains to an anchor of the trust store and
    carries the document-type extension (``legalize.pki.oids``, under our own arc: another
    state's certificates do not carry it). Which types it names is seal.trust's finding (a
    TTD seal by our legalization signer is ours, and SIGNER_NOT_ALLOWED).

    The seal itself cannot tell: our TTD is the ICAO ETD profile plus our extension, and a
    TTD of ours may lack the extension (the ICAO form of our IDB, a PDF rendered without a
    check code), so the signer decides, not the seal's features."""
    status = trust.validate_signer(cert, at, None)
    types = status.data.get("doc_types")
    return status.data.get("anchor") is not None and types is not None


def _relabel_etd(checks: list[Check], fields: dict[str, Any]) -> None:
    """Another state's ICAO emergency travel document: the profile says what it is, an ETD of
    the state in the seal's header, not our TTD (whose reader decoded it)."""
    fields["profile"] = ETD_PROFILE
    # Imported here: the country table (pycountry and a data file) is needed only for another
    # state's ETD, and every other seal check starts faster without it (bench/startup.sh).
    from legalize import countries

    state = str(fields.get("issuing_country") or "").rstrip("<")
    country = countries.name(state) if state else "another state"
    for i, check in enumerate(checks):
        if check.name == "seal.profile" and check.code == Code.OK:
            checks[i] = ok(
                "seal.profile",
                Category.FORMAT,
                f"Profile {ETD_PROFILE}: an emergency travel document of {country}.",
                issuing_country=state or None,
            )
