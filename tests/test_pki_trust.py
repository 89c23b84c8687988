"""Trust store: loading folders, finding seal signers, and each SignerStatus code."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from legalize.pki import trust as T
from legalize.pki.authority import Authority
from legalize.pki.crl import Revocation, build_crl
from legalize.pki.devkeys import DevPki
from legalize.pki.trust import TrustStore, TrustStoreError, export_trust_store

DER = serialization.Encoding.DER
PEM = serialization.Encoding.PEM


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(DER)


def _foreign(
    country: str = "DE",
    code: str = "TS",
    issuer_key: ec.EllipticCurvePrivateKey | None = None,
    issuer_name: x509.Name | None = None,
    days: int = 400,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A signer certificate of another state: plain profile, none of our extensions."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.COMMON_NAME, code),
        ]
    )
    issuer_key = issuer_key or key
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(
            issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{country} CSCA")])
        )
        .public_key(key.public_key())
        .serial_number(0x2A)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .sign(issuer_key, hashes.SHA256())
    )
    return cert, key


# -- loading -------------------------------------------------------------------------------


def test_dev_trust_store(dev_pki: DevPki) -> None:
    store = dev_pki.trust_store()
    assert len(store.roots) == 1
    assert len(store.certificates) == 3
    assert len(store.crls) == 1
    assert store.skipped == ()


def test_loads_pem_der_crt_and_skips_junk(dev_pki: DevPki, tmp_path: Path) -> None:
    authority = dev_pki.authority()
    root = authority.root_certificate
    (tmp_path / "root.der").write_bytes(_der(root))
    ttd = authority.certificate(authority.current_signer("TTD", dev_pki.at))
    leg = authority.certificate(authority.current_signer("LEG", dev_pki.at))
    (tmp_path / "signers.pem").write_bytes(ttd.public_bytes(PEM) + leg.public_bytes(PEM))  # bundle
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "root.crl").write_bytes(authority.crl.public_bytes(DER))
    (tmp_path / "README.txt").write_text("not a certificate")
    (tmp_path / "broken.crt").write_bytes(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    (tmp_path / "empty.cer").write_bytes(b"")
    (tmp_path / "key.pem").write_bytes(dev_pki.root_key.read_bytes())  # a key is no certificate
    store = TrustStore.load(tmp_path)
    assert {_der(c) for c in store.certificates} == {_der(root), _der(ttd), _der(leg)}
    assert len(store.crls) == 1
    assert {s.path.name for s in store.skipped} == {
        "README.txt",
        "broken.crt",
        "empty.cer",
        "key.pem",
    }
    assert store.validate_signer(ttd, dev_pki.at + timedelta(days=1), "TTD").ok


def test_load_str_path(dev_pki: DevPki) -> None:
    assert len(TrustStore.load(str(dev_pki.trust_dir)).roots) == 1


@pytest.mark.parametrize("kind", ["missing", "file", "empty", "junk only"])
def test_unusable_folder(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "store"
    if kind == "file":
        target.write_text("x")
    elif kind == "empty":
        target.mkdir()
    elif kind == "junk only":
        target.mkdir()
        (target / "a.crt").write_text("junk")
    with pytest.raises(TrustStoreError):
        TrustStore.load(target)


# -- finding signers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "transform",
    [str, str.lower, lambda r: "0" + r, lambda r: "000" + r.lower(), lambda r: f" {r} "],
)
def test_find_seal_signer_tolerant(dev_pki: DevPki, transform) -> None:  # type: ignore[no-untyped-def]
    store = dev_pki.trust_store()
    ref = dev_pki.signers["TTD"].cert_reference
    found = store.find_seal_signers("lktd", transform(ref))
    assert len(found) == 1
    assert format(found[0].serial_number, "X") == ref


@pytest.mark.parametrize(
    ("signer_id", "ref"),
    [
        ("LKLG", None),
        ("LKTD", "FFFFF"),
        ("LKTD", "XYZ"),
        ("LKTD", "0x1F"),
        ("LKTD", "-1"),
        ("LKTD", ""),
        ("DETS", None),
    ],
)
def test_find_seal_signer_misses(dev_pki: DevPki, signer_id: str, ref: str | None) -> None:
    store = dev_pki.trust_store()
    assert (
        store.find_seal_signers(
            signer_id, ref if ref is not None else dev_pki.signers["TTD"].cert_reference
        )
        == []
    )


def test_find_seal_signer_four_character_cn(tmp_path: Path) -> None:
    cert, _ = _foreign("FR", "FRA1")
    (tmp_path / "fr.crt").write_bytes(cert.public_bytes(PEM))
    store = TrustStore.load(tmp_path)
    assert store.find_seal_signers("FRA1", "2A") == [cert]
    assert store.find_seal_signers("FRFR", "2A") == []


def test_find_idb_signer(dev_pki: DevPki) -> None:
    store = dev_pki.trust_store()
    ttd = store.find_seal_signers("LKTD", dev_pki.signers["TTD"].cert_reference)[0]
    ref5 = hashlib.sha1(_der(ttd), usedforsecurity=False).digest()[-5:]
    assert store.find_idb_signers(ref5) == [ttd]
    assert store.find_idb_signers(b"\x00" * 5) == []
    assert store.find_idb_signers(b"") == []


# -- validation codes ----------------------------------------------------------------------


def _ttd(dev_pki: DevPki) -> tuple[TrustStore, x509.Certificate]:
    store = dev_pki.trust_store()
    return store, store.find_seal_signers("LKTD", dev_pki.signers["TTD"].cert_reference)[0]


def test_ok(dev_pki: DevPki) -> None:
    store, cert = _ttd(dev_pki)
    status = store.validate_signer(cert, dev_pki.at + timedelta(days=3), "TTD")
    assert status.code == T.OK and status.ok
    assert status.data["signer_id"] == "LKTD"
    assert status.data["serial"] == dev_pki.signers["TTD"].cert_reference
    assert status.data["doc_types"] == ["TTD"]
    assert status.data["anchor"].startswith("root ")
    assert status.data["crl_stale"] is False
    assert store.validate_signer(cert, dev_pki.at + timedelta(days=3), None).ok


@pytest.mark.parametrize(
    ("delta", "doc_type", "code"),
    [
        (timedelta(days=-1), "TTD", T.SIGNER_NOT_YET_VALID),
        (timedelta(days=365 + 62), "TTD", T.SIGNER_EXPIRED),
        (timedelta(days=1), "LEG", T.SIGNER_NOT_ALLOWED),
        (timedelta(days=1), "PASSPORT", T.SIGNER_NOT_ALLOWED),
    ],
)
def test_codes(dev_pki: DevPki, delta: timedelta, doc_type: str, code: str) -> None:
    store, cert = _ttd(dev_pki)
    status = store.validate_signer(cert, dev_pki.at + delta, doc_type)
    assert status.code == code, status
    assert status.message


def test_stale_crl_flagged_not_failed(dev_pki: DevPki) -> None:
    store, cert = _ttd(dev_pki)
    status = store.validate_signer(cert, dev_pki.at + timedelta(days=45), "TTD")
    assert status.ok and status.data["crl_stale"] is True


def test_unknown_signer(dev_pki: DevPki) -> None:
    store = dev_pki.trust_store()
    stranger, _ = _foreign()
    status = store.validate_signer(stranger, datetime(2026, 6, 1, tzinfo=UTC), "TTD")
    assert status.code == T.SIGNER_UNKNOWN


def test_forged_issuer_name(dev_pki: DevPki) -> None:
    """A certificate naming our root as issuer but signed by another key."""
    store = dev_pki.trust_store()
    root = store.roots[0]
    forged, _ = _foreign(
        "LK", "TD", issuer_key=ec.generate_private_key(ec.SECP384R1()), issuer_name=root.subject
    )
    status = store.validate_signer(forged, datetime(2026, 6, 1, tzinfo=UTC), None)
    assert status.code == T.SIGNER_UNKNOWN
    assert "does not verify" in status.message


def test_forged_certificate_in_store_is_not_directly_trusted(
    dev_pki: DevPki, tmp_path: Path
) -> None:
    shutil.copytree(dev_pki.trust_dir, tmp_path / "t")
    root = TrustStore.load(tmp_path / "t").roots[0]
    forged, _ = _foreign(
        "LK", "TD", issuer_key=ec.generate_private_key(ec.SECP384R1()), issuer_name=root.subject
    )
    (tmp_path / "t" / "forged.crt").write_bytes(forged.public_bytes(PEM))
    status = TrustStore.load(tmp_path / "t").validate_signer(
        forged, datetime(2026, 6, 1, tzinfo=UTC), None
    )
    assert status.code == T.SIGNER_UNKNOWN


def test_directly_trusted_foreign_signer(tmp_path: Path) -> None:
    cert, _ = _foreign("DE", "TS")
    (tmp_path / "de.cer").write_bytes(_der(cert))
    store = TrustStore.load(tmp_path)
    assert store.find_seal_signers("DETS", "0002A") == [cert]
    status = store.validate_signer(cert, datetime(2026, 6, 1, tzinfo=UTC), "TTD")
    assert status.ok, status  # no document-type extension: any type
    assert status.data["anchor"].startswith("directly trusted")
    assert status.data["doc_types"] is None
    assert (
        store.validate_signer(cert, datetime(2028, 6, 1, tzinfo=UTC), "TTD").code
        == T.SIGNER_EXPIRED
    )


def test_foreign_chain(tmp_path: Path) -> None:
    csca_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.COMMON_NAME, "DE CSCA"),
        ]
    )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    csca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(csca_key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(csca_key, hashes.SHA256())
    )
    leaf, _ = _foreign("DE", "TS", issuer_key=csca_key, issuer_name=name)
    (tmp_path / "csca.pem").write_bytes(csca.public_bytes(PEM))
    store = TrustStore.load(tmp_path)  # the leaf is not in the store: found through its root
    assert store.validate_signer(leaf, datetime(2026, 6, 1, tzinfo=UTC), "TTD").ok


# -- revocation ----------------------------------------------------------------------------

START = datetime(2026, 2, 1, 8, tzinfo=UTC)
PASS = "test-pass"


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    auth = Authority.create(
        tmp_path_factory.mktemp("ca") / "keys", at=START, passphrase=PASS, iterations=1000
    )
    auth.issue_signer(PASS, doc_type="TTD", at=START, iterations=1000)
    auth.issue_signer(PASS, doc_type="LEG", at=START, iterations=1000)
    auth.issue_signer(
        PASS,
        doc_type="LEG",
        at=START,
        code="L2",
        post="Embassy Riyadh",
        curve_name="brainpoolP320r1",
        iterations=1000,
    )
    return auth


def _store(authority: Authority, path: Path) -> TrustStore:
    export_trust_store(authority, path)
    return TrustStore.load(path)


def test_revoked_from_revocation_date(authority: Authority, tmp_path: Path) -> None:
    record = authority.current_signer("LEG", START, post="Headquarters")
    cert = authority.certificate(record)
    when = START + timedelta(days=100)
    authority.revoke(PASS, record.serial, "cessationOfOperation", when)
    store = _store(authority, tmp_path / "t")
    before = store.validate_signer(cert, when - timedelta(days=1), "LEG")
    after = store.validate_signer(cert, when + timedelta(seconds=1), "LEG")
    assert before.ok, before
    assert after.code == T.SIGNER_REVOKED
    assert after.data["revocation_reason"] == "cessationOfOperation"
    # The brainpoolP320r1 signer of another post is untouched and validates through the chain.
    other = authority.certificate(authority.current_signer("LEG", START, post="Embassy Riyadh"))
    assert store.validate_signer(other, when + timedelta(days=1), "LEG").ok
    assert store.find_seal_signers("LKL2", format(other.serial_number, "x")) == [other]


def test_key_compromise_revokes_backwards(authority: Authority, tmp_path: Path) -> None:
    record = authority.current_signer("TTD", START)
    cert = authority.certificate(record)
    authority.revoke(PASS, format(record.serial, "x"), "keyCompromise", START + timedelta(days=200))
    store = _store(authority, tmp_path / "t")
    status = store.validate_signer(cert, START + timedelta(days=1), "TTD")
    assert status.code == T.SIGNER_REVOKED
    assert "keyCompromise" in status.message


def test_crl_signed_by_wrong_key_is_rejected(dev_pki: DevPki, tmp_path: Path) -> None:
    shutil.copytree(dev_pki.trust_dir, tmp_path / "t")
    store = TrustStore.load(tmp_path / "t")
    root = store.roots[0]
    _, cert = _ttd(dev_pki)
    impostor_key = ec.generate_private_key(ec.SECP384R1())
    # Same issuer name as our root, our signer on it as key-compromised, but the wrong key.
    fake = build_crl(
        root,
        impostor_key,
        [Revocation(cert.serial_number, dev_pki.at, x509.ReasonFlags.key_compromise)],
        number=99,
        at=dev_pki.at + timedelta(hours=1),
    )
    (tmp_path / "t" / "fake.crl").write_bytes(fake.public_bytes(DER))
    loaded = TrustStore.load(tmp_path / "t")
    assert len(loaded.crls) == 1
    assert [s.path.name for s in loaded.skipped] == ["fake.crl"]
    assert "signature" in loaded.skipped[0].reason
    assert loaded.validate_signer(cert, dev_pki.at + timedelta(days=2), "TTD").ok


def test_newest_crl_wins(authority: Authority, tmp_path: Path) -> None:
    old_crl = authority.crl
    record = authority.issue_signer(
        PASS, doc_type="TTD", at=START + timedelta(days=10), code="T9", iterations=1000
    )
    authority.revoke(PASS, record.serial, "superseded", START + timedelta(days=20))
    store_dir = tmp_path / "t"
    export_trust_store(authority, store_dir)
    (store_dir / "older.crl").write_bytes(old_crl.public_bytes(PEM))
    store = TrustStore.load(store_dir)
    assert len(store.crls) == 2
    cert = authority.certificate(record)
    assert store.validate_signer(cert, START + timedelta(days=21), "TTD").code == T.SIGNER_REVOKED


def test_naive_time_refused(dev_pki: DevPki) -> None:
    store, cert = _ttd(dev_pki)
    with pytest.raises(ValueError, match="timezone"):
        store.validate_signer(cert, datetime(2026, 6, 1), "TTD")


# -- issuers on curves cryptography lacks (other states' CSCAs) ----------------------------


def _resign(der: bytes, curve_name: str, scalar: int, spki: bytes | None = None) -> bytes:
    """Re-sign a certificate or CRL (built by cryptography with a placeholder key) with a
    pure-Python key; optionally replace the certificate's public key."""
    from asn1crypto import crl as asn1_crl
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from legalize.pki import ecdsa

    is_crl = spki is None and _looks_like_crl(der)
    outer = asn1_crl.CertificateList.load(der) if is_crl else asn1_x509.Certificate.load(der)
    field = "tbs_cert_list" if is_crl else "tbs_certificate"
    tbs = outer[field]
    if spki is not None:
        tbs["subject_public_key_info"] = asn1_keys.PublicKeyInfo.load(spki)
    tbs_der = tbs.dump(force=True)
    raw = ecdsa.sign_raw(curve_name, scalar, tbs_der, "sha256")
    half = len(raw) // 2
    signature = encode_dss_signature(
        int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
    )
    cls = asn1_crl.CertificateList if is_crl else asn1_x509.Certificate
    spec = {
        field: tbs.__class__.load(tbs_der),
        "signature_algorithm": outer["signature_algorithm"],
        "signature": signature,
    }
    if not is_crl:
        spec["signature_value"] = spec.pop("signature")
    return bytes(cls(spec).dump())


def _looks_like_crl(der: bytes) -> bool:
    try:
        x509.load_der_x509_crl(der)
        return True
    except ValueError:
        return False


@pytest.mark.parametrize("curve_name", ["brainpoolP224r1", "brainpoolP320r1"])
def test_foreign_csca_on_curve_cryptography_lacks(tmp_path: Path, curve_name: str) -> None:
    from legalize.pki import ecdsa

    scalar = ecdsa.generate_private_scalar(curve_name)
    placeholder = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.COMMON_NAME, "DE CSCA"),
        ]
    )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    csca_draft = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(placeholder.public_key())
        .serial_number(7)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(placeholder, hashes.SHA256())
    )
    csca = x509.load_der_x509_certificate(
        _resign(_der(csca_draft), curve_name, scalar, ecdsa.public_spki_der(curve_name, scalar))
    )
    leaf_draft, _ = _foreign("DE", "TS", issuer_key=placeholder, issuer_name=name)
    leaf = x509.load_der_x509_certificate(_resign(_der(leaf_draft), curve_name, scalar))
    (tmp_path / "csca.der").write_bytes(_der(csca))
    (tmp_path / "ts.crt").write_bytes(leaf.public_bytes(PEM))
    at = datetime(2026, 6, 1, tzinfo=UTC)
    store = TrustStore.load(tmp_path)
    assert store.roots == (csca,)
    status = store.validate_signer(leaf, at, "TTD")
    assert status.ok and status.data["anchor"].startswith("root "), status
    # The same leaf re-signed by the placeholder key is not the CSCA's: unknown.
    assert store.validate_signer(leaf_draft, at, None).code == T.SIGNER_UNKNOWN
    # A CRL signed with the pure-Python key is accepted and revokes the signer.
    crl_draft = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(name)
        .last_update(at - timedelta(days=2))
        .next_update(at + timedelta(days=30))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(leaf.serial_number)
            .revocation_date(at - timedelta(days=1))
            .add_extension(x509.CRLReason(x509.ReasonFlags.superseded), critical=False)
            .build()
        )
        .sign(placeholder, hashes.SHA256())
    )
    (tmp_path / "de.crl").write_bytes(_resign(crl_draft.public_bytes(DER), curve_name, scalar))
    (tmp_path / "forged.crl").write_bytes(crl_draft.public_bytes(DER))  # placeholder-signed
    store = TrustStore.load(tmp_path)
    assert len(store.crls) == 1
    assert [s.path.name for s in store.skipped] == ["forged.crl"]
    assert store.validate_signer(leaf, at, "TTD").code == T.SIGNER_REVOKED
    assert store.validate_signer(leaf, at - timedelta(days=1, hours=1), "TTD").ok


@pytest.mark.parametrize("form", ["0x{}", "{}_", "+{}", "{}h"])
def test_find_seal_signer_strict_hex(dev_pki: DevPki, form: str) -> None:
    ref = dev_pki.signers["TTD"].cert_reference
    assert dev_pki.trust_store().find_seal_signers("LKTD", form.format(ref)) == []


def test_find_idb_signer_needs_five_bytes(dev_pki: DevPki) -> None:
    store, cert = _ttd(dev_pki)
    digest = hashlib.sha1(_der(cert), usedforsecurity=False).digest()
    assert store.find_idb_signers(digest[-6:]) == []
    assert store.find_idb_signers(digest[-4:]) == []
