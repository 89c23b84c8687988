"""The key hierarchy on disk: a root, its document signers, revocations and the current CRL.

Layout of a keys folder (``keys/dev`` in development)::

    pki.json                  index: issuer names, signers, revocations, CRL number
    root.crt.pem              the country signing CA certificate
    root.key.pem              its key, encrypted PKCS#8 (offline in production)
    signers/LKTD-2386F.crt.pem   one certificate per signer, named signer id + serial
    signers/LKTD-2386F.key.pem   its encrypted key (absent when the key lives in an HSM)
    crl.pem                   the current CRL

Every change rewrites ``pki.json`` atomically (temporary file, then rename).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from legalize.kinds import DocumentType
from legalize.pki import certificates as certs
from legalize.pki import crl as crls
from legalize.pki.curves import curve
from legalize.pki.ecdsa import PublicKey
from legalize.pki.eckeys import PrivateKey
from legalize.pki.errors import KeyFileError, PkiError, PkiExistsError
from legalize.pki.keyfile import PBKDF2_ITERATIONS, decrypt_key, encrypt_key, load_certificate

INDEX = "pki.json"
ROOT_CERT = "root.crt.pem"
ROOT_KEY = "root.key.pem"
CRL_FILE = "crl.pem"
SIGNERS = "signers"

"""Signer code (the two characters after the country in the signer id) per document type."""


@dataclass(frozen=True)
class SignerRecord:
    """One document-signer certificate the authority issued."""

    serial: int
    signer_id: str
    """TR-03137 signer identifier, e.g. ``LKTD``."""
    doc_type: str
    post: str
    """The issuing post the signer belongs to."""
    curve: str
    cert_file: str
    """Certificate path relative to the keys folder."""
    key_file: str | None
    """Encrypted key file relative to the keys folder; None when the key is in an HSM."""
    pkcs11_label: str | None = None
    """CKA_LABEL of the key in the token (HSM signers)."""
    pkcs11_id: str | None = None
    """CKA_ID of the key in the token, hex (HSM signers)."""

    @property
    def cert_reference(self) -> str:
        return format(self.serial, "X")


@dataclass(frozen=True)
class _Index:
    country: str
    organization: str
    signers: tuple[SignerRecord, ...]
    revocations: tuple[dict[str, Any], ...]
    crl_number: int

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> _Index:
        data = json.loads(text)
        return cls(
            country=data["country"],
            organization=data["organization"],
            signers=tuple(SignerRecord(**s) for s in data["signers"]),
            revocations=tuple(data["revocations"]),
            crl_number=int(data["crl_number"]),
        )


class Authority:
    """A keys folder: root CA, signers, revocations. Reading needs no passphrase."""

    def __init__(self, path: Path, index: _Index) -> None:
        self.path = path
        self._index = index

    # -- creation and loading -------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        *,
        at: datetime,
        passphrase: str,
        country: str = "LK",
        organization: str = "Ministry of Foreign Affairs, Consular Affairs Division",
        root_name: str = "Document Signing Root CA",
        root_curve: str = "secp384r1",
        iterations: int = PBKDF2_ITERATIONS,
    ) -> Authority:
        """Make a root CA in ``path`` (which must be empty or absent) and a first, empty CRL."""
        _require_aware(at)
        if (path / INDEX).exists() or (path / ROOT_KEY).exists():
            raise PkiExistsError(f"keys already exist in {path}; refusing to overwrite them")
        path.mkdir(parents=True, exist_ok=True)
        (path / SIGNERS).mkdir(exist_ok=True)
        root = PrivateKey.generate(root_curve)
        if root.native is None:
            raise PkiError(
                f"the root key must be on a curve cryptography supports, not {root_curve}"
            )
        root_cert = certs.make_root(
            root.native, country=country, organization=organization, common_name=root_name, at=at
        )
        _write(path / ROOT_KEY, encrypt_key(root, passphrase, iterations), private=True)
        _write(path / ROOT_CERT, root_cert.public_bytes(serialization.Encoding.PEM))
        authority = cls(path, _Index(country, organization, (), (), 0))
        authority.issue_crl(passphrase, at)
        return authority

    @classmethod
    def open(cls, path: Path) -> Authority:
        try:
            text = (path / INDEX).read_text()
        except FileNotFoundError:
            raise PkiError(f"no keys in {path} (run `legalize keys init-dev`)") from None
        except OSError as exc:
            raise PkiError(f"cannot read {path / INDEX}: {exc.strerror}") from None
        try:
            return cls(path, _Index.from_json(text))
        except (ValueError, KeyError, TypeError) as exc:
            raise PkiError(f"damaged key index {path / INDEX}: {exc}") from None

    # -- reading --------------------------------------------------------------------------

    @property
    def country(self) -> str:
        return self._index.country

    @property
    def root_certificate(self) -> x509.Certificate:
        return load_certificate(self.path / ROOT_CERT)

    def root_key(self, passphrase: str | None) -> ec.EllipticCurvePrivateKey:
        if not passphrase:
            raise KeyFileError("the root key needs its passphrase")
        key = decrypt_key((self.path / ROOT_KEY).read_bytes(), passphrase)
        if key.native is None or key.native.public_key() != self.root_certificate.public_key():
            raise KeyFileError("the root key does not match the root certificate")
        return key.native

    @property
    def signers(self) -> tuple[SignerRecord, ...]:
        return self._index.signers

    def signer(self, serial: int | str) -> SignerRecord:
        if isinstance(serial, str):
            if not re.fullmatch(r"[0-9A-Fa-f]+", serial.strip()):
                raise PkiError(f"not a certificate serial (hex): {serial!r}")
            number = int(serial.strip(), 16)
        else:
            number = serial
        for record in self._index.signers:
            if record.serial == number:
                return record
        raise PkiError(f"no signer certificate with serial {number:X} in {self.path}")

    def certificate(self, record: SignerRecord) -> x509.Certificate:
        return load_certificate(self.path / record.cert_file)

    def certificates(self) -> Iterator[tuple[SignerRecord, x509.Certificate]]:
        for record in self._index.signers:
            yield record, self.certificate(record)

    @property
    def crl(self) -> x509.CertificateRevocationList:
        try:
            return x509.load_pem_x509_crl((self.path / CRL_FILE).read_bytes())
        except (OSError, ValueError) as exc:
            raise PkiError(f"cannot read the CRL in {self.path}: {exc}") from None

    def revocation(self, serial: int) -> crls.Revocation | None:
        for item in self._index.revocations:
            if int(item["serial"]) == serial:
                return crls.Revocation(
                    serial, datetime.fromisoformat(item["date"]), crls.reason(item["reason"])
                )
        return None

    def current_signer(self, doc_type: str, at: datetime, post: str | None = None) -> SignerRecord:
        """The signer to use at ``at``: key usage period contains ``at``, not revoked; newest."""
        _require_aware(at)
        candidates: list[tuple[datetime, SignerRecord]] = []
        for record, cert in self.certificates():
            if record.doc_type != doc_type or (post is not None and record.post != post):
                continue
            revoked = self.revocation(record.serial)
            if revoked is not None and revoked.date <= at:
                continue
            start, end = certs.key_usage_period(cert)
            if start <= at < end:
                candidates.append((start, record))
        if not candidates:
            where = f" at post {post!r}" if post else ""
            raise PkiError(
                f"no usable {doc_type} signer{where} on {at.isoformat()} in {self.path} "
                "(expired, revoked or never issued; see `legalize keys list`)"
            )
        return max(candidates, key=lambda item: (item[0], item[1].serial))[1]

    # -- changes --------------------------------------------------------------------------

    def issue_signer(
        self,
        passphrase: str,
        *,
        doc_type: str,
        at: datetime,
        code: str | None = None,
        post: str = "Headquarters",
        curve_name: str = "secp256r1",
        public_key: PublicKey | None = None,
        pkcs11_label: str | None = None,
        pkcs11_id: str | None = None,
        key_passphrase: str | None = None,
        iterations: int = PBKDF2_ITERATIONS,
    ) -> SignerRecord:
        """Issue a signer certificate; its key is made here (key file) unless ``public_key``
        is given (the key was generated in an HSM)."""
        _require_aware(at)
        try:
            kind = DocumentType.of_cert_code(doc_type)
        except ValueError as exc:
            raise PkiError(str(exc)) from None
        code = (code or kind.signer_code).upper()
        root_key = self.root_key(passphrase)
        key: PrivateKey | None = None
        if public_key is None:
            key = PrivateKey.generate(curve(curve_name).name)
            public_key = key.public_key()
        serial = certs.new_serial({r.serial for r in self._index.signers})
        cert = certs.issue_signer(
            self.root_certificate,
            root_key,
            public_key,
            country=self._index.country,
            code=code,
            organization=self._index.organization,
            post=post,
            doc_types=(doc_type,),
            at=at,
            serial=serial,
        )
        signer_id = f"{self._index.country}{code}"
        stem = f"{SIGNERS}/{signer_id}-{serial:X}"
        key_file = None
        if key is not None:
            key_file = f"{stem}.key.pem"
            pem = encrypt_key(key, key_passphrase or passphrase, iterations)
            _write(self.path / key_file, pem, private=True)
        _write(self.path / f"{stem}.crt.pem", cert.public_bytes(serialization.Encoding.PEM))
        record = SignerRecord(
            serial=serial,
            signer_id=signer_id,
            doc_type=doc_type,
            post=post,
            curve=public_key.curve.name,
            cert_file=f"{stem}.crt.pem",
            key_file=key_file,
            pkcs11_label=pkcs11_label,
            pkcs11_id=pkcs11_id,
        )
        self._save(replace(self._index, signers=(*self._index.signers, record)))
        return record

    def rollover(
        self, passphrase: str, *, doc_type: str, at: datetime, **kwargs: Any
    ) -> SignerRecord:
        """A successor for the signer current at ``at``: same signer id, post and curve unless
        given; from ``at`` on it is the one :meth:`current_signer` picks, while the predecessor's
        certificate stays valid (overlap) for what it already signed."""
        previous = self.current_signer(doc_type, at, kwargs.pop("post", None))
        kwargs.setdefault("code", previous.signer_id[2:])
        kwargs.setdefault("curve_name", previous.curve)
        return self.issue_signer(passphrase, doc_type=doc_type, at=at, post=previous.post, **kwargs)

    def revoke(
        self, passphrase: str, serial: int | str, reason: str, at: datetime
    ) -> x509.CertificateRevocationList:
        """Revoke a signer certificate from ``at`` on and publish a new CRL."""
        _require_aware(at)
        flag = crls.reason(reason)
        record = self.signer(serial)
        if self.revocation(record.serial) is not None:
            raise PkiError(f"certificate {record.cert_reference} is already revoked")
        entry = {"serial": record.serial, "date": at.isoformat(), "reason": flag.value}
        self.root_key(passphrase)  # check the passphrase before changing anything
        self._save(replace(self._index, revocations=(*self._index.revocations, entry)))
        return self.issue_crl(passphrase, at)

    def issue_crl(self, passphrase: str, at: datetime) -> x509.CertificateRevocationList:
        """A fresh CRL (next CRL number) listing every revocation; replaces crl.pem."""
        _require_aware(at)
        number = self._index.crl_number + 1
        revocations = [
            r for r in (self.revocation(int(i["serial"])) for i in self._index.revocations) if r
        ]
        crl = crls.build_crl(
            self.root_certificate, self.root_key(passphrase), revocations, number=number, at=at
        )
        _write(self.path / CRL_FILE, crl.public_bytes(serialization.Encoding.PEM))
        self._save(replace(self._index, crl_number=number))
        return crl

    def _save(self, index: _Index) -> None:
        _write(self.path / INDEX, index.to_json().encode())
        self._index = index


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write atomically; key files readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise PkiError("times must be timezone-aware (UTC)")
