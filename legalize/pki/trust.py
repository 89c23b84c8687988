"""Trust store: a folder of certificates (roots, or signers trusted directly) and CRLs.

What the verifiers ask of it: find the signer certificate a seal names (TR-03137 signer id +
certificate reference, or the ICAO IDB SHA-1 reference), and say whether that signer was
trustworthy at a given time and for a given document type (:class:`SignerStatus`).

Rules, in the order they are checked (first failure wins):

1. SIGNER_UNKNOWN: the certificate neither chains (issuer signatures verified) to a
   self-signed root in the store nor is itself in the store with its issuer absent (a signer
   of another state trusted directly). An issuer in the store whose signature does not verify
   is a forgery attempt, not "trusted directly": SIGNER_UNKNOWN.
2. SIGNER_REVOKED: on a CRL of its issuer whose signature verified (CRLs that do not verify are
   skipped at load, see ``skipped``). Revoked from its revocation date on; for keyCompromise,
   cACompromise and unspecified (or no) reason, revoked for every ``at``: a stolen key signs
   with whatever date the forger likes. A stale CRL (next update before ``at``) is still used
   and flagged in ``data["crl_stale"]``.
3. SIGNER_NOT_YET_VALID / SIGNER_EXPIRED: the signer (or a certificate above it) at ``at``.
4. SIGNER_NOT_ALLOWED: our document-type extension is present and does not list ``doc_type``,
   or KeyUsage forbids signatures. Certificates without our extension (other states) pass.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from legalize.pki import der, oids, trustlist
from legalize.pki.certificates import signer_id_of
from legalize.pki.crl import BACKDATED_REASONS, revocation_reason
from legalize.pki.ecdsa import PublicKey
from legalize.pki.errors import EcdsaError, PkiError

if TYPE_CHECKING:
    # Only the export writes from an authority: a verifier loading a store never needs it.
    from legalize.pki.authority import Authority

OK: Final = "OK"
SIGNER_UNKNOWN: Final = "SIGNER_UNKNOWN"
SIGNER_EXPIRED: Final = "SIGNER_EXPIRED"
SIGNER_NOT_YET_VALID: Final = "SIGNER_NOT_YET_VALID"
SIGNER_REVOKED: Final = "SIGNER_REVOKED"
SIGNER_NOT_ALLOWED: Final = "SIGNER_NOT_ALLOWED"
SIGNER_CODES: Final = frozenset(
    {OK, SIGNER_UNKNOWN, SIGNER_EXPIRED, SIGNER_NOT_YET_VALID, SIGNER_REVOKED, SIGNER_NOT_ALLOWED}
)
"""Every code a :class:`SignerStatus` carries. pki sits below the verifier and cannot import its
registry of reason codes (verifier.codes); the registry holds each of these values, and the
verifiers' tests check that it does."""

MAX_CHAIN = 4
_HEX = re.compile(r"[0-9A-Fa-f]+")
PROFILE_CACHE = 4096
"""Longest chain followed (signer, at most two intermediates, root)."""


class TrustStoreError(Exception):
    """The trust store folder cannot be used at all."""


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: str


@dataclass(frozen=True)
class SignerStatus:
    code: str
    """OK or one of the SIGNER_* reason codes."""
    message: str
    """English explanation."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """subject, issuer, serial, signer_id, validity, doc_types, anchor, revocation, CRL state."""

    @property
    def ok(self) -> bool:
        return self.code == OK


@dataclass(frozen=True)
class _Profile:
    """The time-independent facts about one certificate against this store."""

    data: Mapping[str, Any]
    doc_types: frozenset[str] | None
    anchor: str | None
    """How it is trusted (root or direct); None when it is not."""
    problem: str
    links: tuple[tuple[str, datetime, datetime], ...]
    """(what, not before, not after) from the signer up to its anchor."""
    revocations: tuple[tuple[str, datetime, str, bool], ...]
    """(who, since, reason, counts for every time) from the issuers' newest CRLs."""
    crl_next_update: datetime | None
    may_sign: bool


class TrustStore:
    """Certificates and verified CRLs, indexed for the lookups seals need."""

    def __init__(
        self,
        certificates: Iterable[x509.Certificate],
        crls: Iterable[x509.CertificateRevocationList] = (),
        skipped: Iterable[SkippedFile] = (),
    ) -> None:
        unique: dict[bytes, x509.Certificate] = {}
        for cert in certificates:
            unique.setdefault(_der(cert), cert)
        self.certificates: tuple[x509.Certificate, ...] = tuple(unique.values())
        self._der = set(unique)
        self._by_subject: dict[bytes, list[x509.Certificate]] = {}
        for cert in self.certificates:
            self._by_subject.setdefault(cert.subject.public_bytes(), []).append(cert)
        self._self_signed: dict[bytes, bool] = {}
        self.roots: tuple[x509.Certificate, ...] = tuple(
            c for c in self.certificates if _is_ca(c) and self._is_self_signed(c)
        )
        # Lookup indexes: a verifier asks once per seal, a store may hold many states' signers.
        self._by_serial: dict[int, list[x509.Certificate]] = {}
        self._by_idb_ref: dict[bytes, list[x509.Certificate]] = {}
        for cert in self.certificates:
            if not _is_ca(cert):
                self._by_serial.setdefault(cert.serial_number, []).append(cert)
            digest = hashlib.sha1(_der(cert), usedforsecurity=False).digest()
            self._by_idb_ref.setdefault(digest[-5:], []).append(cert)
        skipped_list = list(skipped)
        accepted: list[tuple[x509.CertificateRevocationList, x509.Certificate]] = []
        for crl in crls:
            issuer = self._crl_issuer(crl)
            if issuer is None:
                skipped_list.append(
                    SkippedFile(
                        Path("<crl>"),
                        f"CRL of {crl.issuer.rfc4514_string()}: "
                        "no issuer in the store whose signature verifies",
                    )
                )
            else:
                accepted.append((crl, issuer))
        self._crls = accepted
        self.crls: tuple[x509.CertificateRevocationList, ...] = tuple(c for c, _ in accepted)
        self.skipped: tuple[SkippedFile, ...] = tuple(skipped_list)
        # keyed by the certificate itself: it hashes and compares by its DER in Rust, a third
        # of the cost of re-encoding it for a bytes key on every seal
        self._profiles: dict[x509.Certificate, _Profile] = {}
        self.folder: Path | None = None
        """The folder it was loaded from (:meth:`load`)."""

    @classmethod
    def load(cls, path: str | Path) -> TrustStore:
        folder = Path(path)
        if not folder.is_dir():
            raise TrustStoreError(f"not a folder: {folder}")
        certificates: list[x509.Certificate] = []
        crls: list[tuple[Path, x509.CertificateRevocationList]] = []
        skipped: list[SkippedFile] = []
        try:
            files = sorted(
                p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
        except OSError as exc:
            raise TrustStoreError(f"cannot list {folder}: {exc.strerror}") from None
        for file in files:
            if file.name == trustlist.FILE_NAME:
                continue  # checked below, once the roots are known
            try:
                found_certs, found_crls = _parse(file.read_bytes())
            except (OSError, ValueError) as exc:
                skipped.append(SkippedFile(file, f"not a certificate or CRL: {exc}"))
                continue
            certificates.extend(found_certs)
            crls.extend((file, c) for c in found_crls)
        if not certificates:
            raise TrustStoreError(f"no certificate in trust store {folder}")
        store = cls(certificates, [c for _, c in crls], skipped)
        # Name the files of CRLs that were refused.
        refused = {id(c) for c in (c for _, c in crls)} - {id(c) for c in store.crls}
        named = [
            SkippedFile(
                p,
                f"CRL of {c.issuer.rfc4514_string()}: no issuer in the store whose "
                "signature verifies",
            )
            for p, c in crls
            if id(c) in refused
        ]
        store.skipped = tuple(skipped) + tuple(named)
        store.folder = folder
        return store

    @cached_property
    def version(self) -> str:
        """SHA-256 over the certificates' and accepted CRLs' fingerprints: two stores with
        one version answer every seal alike, so a cache of seal readings is keyed by it
        (computed when first asked for: a command-line verifier never needs it)."""
        digest = hashlib.sha256()
        for fingerprint in sorted(c.fingerprint(hashes.SHA256()) for c in self.certificates):
            digest.update(fingerprint)
        digest.update(b"crls")
        for fingerprint in sorted(c.fingerprint(hashes.SHA256()) for c in self.crls):
            digest.update(fingerprint)
        return digest.hexdigest()

    @cached_property
    def trust_list(self) -> trustlist.TrustList | None:
        """The folder's signed trust list (issue time, next update, verified), if it has one.

        Checked when first asked for (publishing the store, ``legalize trust``): verifying a
        seal does not need it, and checking it costs a signature and every signer's chain, a
        good part of a command-line verifier's start-up (issue 9).
        """
        if self.folder is None:
            return None
        listed = trustlist.read_trust_list(self.folder, self.roots)
        # Readers that trust the summary alone (the browser) must see what the files say.
        summary = listed.signers if listed is not None else None
        if listed is not None and summary is not None and list(summary) != self.signer_summary():
            problem = "the signer summary disagrees with the certificates and CRLs"
            listed = replace(listed, verified=False, problems=(*listed.problems, problem))
        return listed

    # -- lookups --------------------------------------------------------------------------

    def find_seal_signers(self, signer_id: str, cert_ref: str) -> list[x509.Certificate]:
        """Signer certificates a VDS names: signer id (C || CN, or CN) + serial in hex."""
        wanted_id = signer_id.strip().upper()
        reference = cert_ref.strip()
        if not _HEX.fullmatch(reference):
            return []
        found = []
        for cert in self._by_serial.get(int(reference, 16), []):
            names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            common = str(names[0].value).upper() if names else None
            if wanted_id in (signer_id_of(cert), common):
                found.append(cert)
        return found

    def find_idb_signers(self, ref5: bytes) -> list[x509.Certificate]:
        """Certificates whose SHA-1 over the DER ends with ``ref5`` (ICAO IDB reference)."""
        return list(self._by_idb_ref.get(bytes(ref5), [])) if len(ref5) == 5 else []

    # -- validation -----------------------------------------------------------------------

    def validate_signer(
        self, cert: x509.Certificate, at: datetime, doc_type: str | None
    ) -> SignerStatus:
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        profile = self._profile(cert)
        data = dict(profile.data)
        if data["doc_types"] is not None:
            data["doc_types"] = list(data["doc_types"])  # the caller's copy, not the cache's
        if profile.anchor is None:
            return SignerStatus(SIGNER_UNKNOWN, profile.problem, data)
        data["anchor"] = profile.anchor
        if profile.crl_next_update is not None:
            data["crl_stale"] = profile.crl_next_update < at

        for who, since, reason, backdated in profile.revocations:
            if backdated or since <= at:
                data["revocation_date"] = since.isoformat()
                data["revocation_reason"] = reason
                message = f"the {who} was revoked on {since.date().isoformat()} ({reason})"
                return SignerStatus(SIGNER_REVOKED, message, data)

        for what, not_before, not_after in profile.links:
            if at < not_before:
                message = f"the {what} is valid only from {not_before.isoformat()}"
                return SignerStatus(SIGNER_NOT_YET_VALID, message, data)
            if at > not_after:
                message = f"the {what} expired on {not_after.isoformat()}"
                return SignerStatus(SIGNER_EXPIRED, message, data)

        if not profile.may_sign:
            message = "the certificate's key usage forbids signing"
            return SignerStatus(SIGNER_NOT_ALLOWED, message, data)
        types = profile.doc_types
        if doc_type is not None and types is not None and doc_type not in types:
            allowed = ", ".join(sorted(types)) or "nothing"
            message = f"the signer may sign {allowed}, not {doc_type}"
            return SignerStatus(SIGNER_NOT_ALLOWED, message, data)
        return SignerStatus(OK, "the signer is trusted", data)

    def signer_summary(self) -> list[dict[str, Any]]:
        """Each signer the store trusts, as the signed trust list states it for verifiers that
        parse neither X.509 nor CRLs (the /scan page's JavaScript, docs/web-check.md).

        Per signer: ``signer_id`` and ``cert_reference`` (what a seal names), ``curve``,
        ``public_key`` (named-curve SubjectPublicKeyInfo, Base64 DER: WebCrypto imports it),
        the validity of the whole chain (latest not-before, earliest not-after),
        ``doc_types`` (None: any) and ``revoked`` (None, or since when, the reason and
        ``always``: a reason that revokes for every date, as rule 2 above). Time-independent:
        the reader judges it at its own time. Signers that do not chain to an anchor, or
        whose key usage forbids signing, are left out.
        """
        summary: list[dict[str, Any]] = []
        for cert in self.certificates:
            if _is_ca(cert):
                continue
            profile = self._profile(cert)
            if profile.anchor is None or not profile.may_sign:
                continue
            try:
                key = PublicKey.of_certificate(cert)
            except (EcdsaError, UnsupportedAlgorithm, ValueError):
                continue  # not an EC key of an allowed curve: no seal verifies against it
            revoked = None
            if profile.revocations:
                _who, since, reason, always = min(profile.revocations, key=lambda r: r[1])
                revoked = {"since": since.isoformat(), "reason": reason, "always": always}
            summary.append(
                {
                    "signer_id": profile.data["signer_id"],
                    "cert_reference": profile.data["serial"],
                    "curve": key.curve.name,
                    "public_key": base64.b64encode(
                        PublicKey.of_point(key.curve.name, key.point).spki_der
                    ).decode(),
                    "not_before": max(link[1] for link in profile.links).isoformat(),
                    "not_after": min(link[2] for link in profile.links).isoformat(),
                    "doc_types": profile.data["doc_types"],
                    "revoked": revoked,
                }
            )
        return sorted(summary, key=lambda s: (str(s["signer_id"]), str(s["cert_reference"])))

    def _profile(self, cert: x509.Certificate) -> _Profile:
        """Everything about ``cert`` that does not depend on the time, computed once.

        The store never changes after loading; issuer signature checks (P-384 for our root)
        and name formatting would otherwise cost milliseconds per seal.
        """
        profile = self._profiles.get(cert)
        if profile is not None:
            return profile
        types = oids.document_types(cert)
        data: dict[str, Any] = {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "serial": format(cert.serial_number, "X"),
            "signer_id": signer_id_of(cert),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "doc_types": sorted(types) if types is not None else None,
        }
        chain, description = self._chain(cert)
        revocations: list[tuple[str, datetime, str, bool]] = []
        links: list[tuple[str, datetime, datetime]] = []
        next_update = None
        if chain is not None:
            for link in chain:
                what = (
                    "signer certificate"
                    if link is cert
                    else f"issuer {link.subject.rfc4514_string()}"
                )
                links.append((what, link.not_valid_before_utc, link.not_valid_after_utc))
            for child, issuer in itertools.pairwise(chain):
                crl = self._newest_crl(issuer)
                if crl is None:
                    if child is cert:
                        data["crl"] = None
                    continue
                if child is cert:
                    next_update = crl.next_update_utc
                    data["crl_this_update"] = crl.last_update_utc.isoformat()
                    data["crl_next_update"] = next_update.isoformat() if next_update else None
                entry = crl.get_revoked_certificate_by_serial_number(child.serial_number)
                if entry is None:
                    continue
                reason = revocation_reason(entry)
                backdated = reason is None or reason in BACKDATED_REASONS
                name = reason.value if reason is not None else "no reason given"
                who = "signer certificate" if child is cert else "issuing CA"
                revocations.append((who, entry.revocation_date_utc, name, backdated))
        profile = _Profile(
            data=data,
            doc_types=types,
            anchor=description if chain is not None else None,
            problem=description,
            links=tuple(links),
            revocations=tuple(revocations),
            crl_next_update=next_update,
            may_sign=_may_sign(cert),
        )
        if len(self._profiles) >= PROFILE_CACHE:
            self._profiles.clear()
        self._profiles[cert] = profile
        return profile

    def _chain(self, cert: x509.Certificate) -> tuple[list[x509.Certificate] | None, str]:
        """(chain from cert up to its anchor, anchor description) or (None, why not)."""
        chain = [cert]
        current = cert
        for _ in range(MAX_CHAIN):
            if self._is_self_signed(current):
                if _der(current) in self._der:
                    return chain, f"root {current.subject.rfc4514_string()}"
                return None, "self-signed certificate that is not in the trust store"
            candidates = [
                c
                for c in self._by_subject.get(current.issuer.public_bytes(), [])
                if _is_ca(c) and _der(c) != _der(current)
            ]
            issuer = next((c for c in candidates if _issued_by(current, c)), None)
            if issuer is None:
                if candidates:
                    return None, (
                        f"the signature of {current.issuer.rfc4514_string()} on the certificate "
                        "does not verify"
                    )
                if _der(current) in self._der:
                    return chain, f"directly trusted {current.subject.rfc4514_string()}"
                return (
                    None,
                    f"no certificate of {current.issuer.rfc4514_string()} in the trust store",
                )
            chain.append(issuer)
            current = issuer
        return None, "certificate chain too long"

    def _is_self_signed(self, cert: x509.Certificate) -> bool:
        """Remembered: every chain ends at the same few roots, and each check is a signature
        verification (P-384 for ours)."""
        key = _der(cert)
        known = self._self_signed.get(key)
        if known is None:
            known = self._self_signed[key] = _self_signed(cert)
        return known

    def _newest_crl(self, issuer: x509.Certificate) -> x509.CertificateRevocationList | None:
        """The issuer's newest CRL: highest CRL number (RFC 5280 makes it monotonic), then date."""
        mine = [crl for crl, by in self._crls if _der(by) == _der(issuer)]
        return max(mine, key=lambda c: (_crl_number(c), c.last_update_utc), default=None)

    def _crl_issuer(self, crl: x509.CertificateRevocationList) -> x509.Certificate | None:
        for cert in self._by_subject.get(crl.issuer.public_bytes(), []):
            try:
                if crl.is_signature_valid(cert.public_key()):  # type: ignore[arg-type]
                    return cert
                continue
            except TypeError:
                continue
            except (ValueError, UnsupportedAlgorithm):
                pass  # a key cryptography does not load: check it with the pure-Python path
            algorithm = crl.signature_hash_algorithm
            if algorithm is not None and _pure_verify(
                cert, crl.tbs_certlist_bytes, crl.signature, crl.signature_algorithm_oid, algorithm
            ):
                return cert
        return None


def export_trust_store(
    source: Path | Authority,
    out_dir: Path,
    *,
    passphrase: str | None = None,
    at: datetime | None = None,
) -> list[Path]:
    """Write the root, every signer certificate (PEM ``.crt``) and the current CRL (``.crl``).

    With the root's ``passphrase`` and ``at``, also a signed ``trust-list.json`` over the folder
    (DESIGN §4); without, an old list is removed, since it would no longer match.
    """
    from cryptography.hazmat.primitives import serialization

    from legalize.pki.authority import Authority

    authority = source if isinstance(source, Authority) else Authority.open(Path(source))
    if passphrase is not None and at is None:
        raise PkiError("signing the trust list needs its issue time (at)")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / trustlist.FILE_NAME).unlink(missing_ok=True)
    written = []
    country = authority.country
    root = out_dir / f"{country}-root.crt"
    root.write_bytes(authority.root_certificate.public_bytes(serialization.Encoding.PEM))
    written.append(root)
    for record, cert in authority.certificates():
        target = out_dir / f"{record.signer_id}-{record.cert_reference}.crt"
        target.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        written.append(target)
    crl = out_dir / f"{country}-root.crl"
    crl.write_bytes(authority.crl.public_bytes(serialization.Encoding.PEM))
    written.append(crl)
    if passphrase is not None and at is not None:
        root_key = authority.root_key(passphrase)
        signers = TrustStore.load(out_dir).signer_summary()
        written.append(
            trustlist.write_trust_list(
                out_dir, authority.root_certificate, root_key, at, signers=signers
            )
        )
    return written


def _parse(
    data: bytes,
) -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList]]:
    certificates: list[x509.Certificate] = []
    crls: list[x509.CertificateRevocationList] = []
    if der.is_pem(data):
        for kind, body in der.unarmor(data):
            if kind in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
                certificates.append(x509.load_der_x509_certificate(body))
            elif kind == "X509 CRL":
                crls.append(x509.load_der_x509_crl(body))
            else:
                raise ValueError(f"PEM block {kind!r} is neither a certificate nor a CRL")
        return certificates, crls
    try:
        return [x509.load_der_x509_certificate(data)], []
    except ValueError:
        pass
    return [], [x509.load_der_x509_crl(data)]


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    try:
        return int(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
    except (x509.ExtensionNotFound, ValueError):
        return -1


def _der(cert: x509.Certificate) -> bytes:
    return der.of_certificate(cert)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False
    except ValueError:
        return False


def _self_signed(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer and _issued_by(cert, cert)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``issuer`` names and signed ``cert``. Issuer keys ``cryptography`` cannot load (the two
    brainpool curves it lacks, explicit curve parameters some states use) are checked with
    :mod:`legalize.pki.ecdsa` instead."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (InvalidSignature, TypeError):
        return False
    except (ValueError, UnsupportedAlgorithm):
        pass  # the issuer's key is not one cryptography loads
    return _pure_issued_by(cert, issuer)


def _pure_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    algorithm = cert.signature_hash_algorithm
    if algorithm is None:
        return False
    return _pure_verify(
        issuer, cert.tbs_certificate_bytes, cert.signature, cert.signature_algorithm_oid, algorithm
    )


def _pure_verify(
    issuer: x509.Certificate,
    tbs: bytes,
    signature: bytes,
    algorithm_oid: x509.ObjectIdentifier,
    algorithm: hashes.HashAlgorithm,
) -> bool:
    if not algorithm_oid.dotted_string.startswith("1.2.840.10045.4."):  # ecdsa-with-SHA*
        return False
    try:
        return PublicKey.of_certificate(issuer).verify(tbs, signature, algorithm.name)
    except (EcdsaError, TypeError, UnsupportedAlgorithm):
        return False


def _may_sign(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return bool(usage.digital_signature or usage.content_commitment)
