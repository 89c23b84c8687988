"""The keys folder: dev PKI, current signer, overlapping rollover, revocation, load_signer."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from legalize.config import Config, ConfigError
from legalize.pki import ecdsa
from legalize.pki import trust as T
from legalize.pki.authority import Authority
from legalize.pki.certificates import key_usage_period
from legalize.pki.devkeys import DEV_MARKER, DEV_PASSPHRASE, DevPki, init_dev
from legalize.pki.ecdsa import PublicKey
from legalize.pki.errors import KeyFileError, PkiError, PkiExistsError
from legalize.pki.keyfile import KeyFileSigner
from legalize.pki.signer import Signer
from legalize.pki.trust import TrustStore, export_trust_store
from legalize.signers import load_signer
from tests.helpers import support

T0 = datetime(2026, 1, 10, 9, tzinfo=UTC)
PASS = "pass-for-tests"


def test_dev_pki_layout(dev_pki: DevPki) -> None:
    assert (dev_pki.dir / "DEV_ONLY").is_file()
    assert "DEV ONLY" in (dev_pki.dir / "README.md").read_text()
    assert DEV_PASSPHRASE in (dev_pki.dir / "README.md").read_text()
    assert dev_pki.root_cert.is_file() and dev_pki.crl.is_file()
    assert set(dev_pki.signers) == {"TTD", "LEG"}
    assert dev_pki.signers["TTD"].signer_id == "LKTD"
    assert dev_pki.signers["LEG"].signer_id == "LKLG"
    assert dev_pki.root_key.stat().st_mode & 0o077 == 0  # keys readable by the owner only
    assert b"ENCRYPTED PRIVATE KEY" in dev_pki.signers["TTD"].key.read_bytes()
    root = dev_pki.authority().root_certificate
    assert root.public_key().curve.name == "secp384r1"  # type: ignore[union-attr]
    signer = dev_pki.signer("TTD")
    assert isinstance(signer, Signer)
    assert signer.curve == "secp256r1"


def test_production_refuses_dev_keys(dev_pki: DevPki) -> None:
    config = replace(
        _config(dev_pki),
        production=True,
        secret_key=support.PRODUCTION_SECRET,
        redis_url=support.PRODUCTION_REDIS,
        database_url="postgresql://localhost/x",
    )
    with pytest.raises(ConfigError, match="dev keys"):
        config.validate()


def test_init_dev_refuses_to_overwrite(dev_pki: DevPki) -> None:
    before = dev_pki.root_key.read_bytes()
    with pytest.raises(PkiExistsError, match="refusing to overwrite"):
        init_dev(dev_pki.dir, dev_pki.at)
    assert dev_pki.root_key.read_bytes() == before


def test_init_dev_over_committed_readme(tmp_path: Path) -> None:
    """keys/dev holds its committed README before the keys exist: that is not 'keys'."""
    (tmp_path / "README.md").write_text("placeholder")
    pki = init_dev(tmp_path, T0)
    assert "DEV ONLY" in (tmp_path / "README.md").read_text()
    assert pki.signer("LEG").signer_id == "LKLG"


def test_load_signer_signs_verifiably(dev_pki: DevPki) -> None:
    signer = load_signer(_config(dev_pki), "TTD", dev_pki.at + timedelta(hours=1))
    assert signer.signer_id == "LKTD"
    assert signer.cert_reference == dev_pki.signers["TTD"].cert_reference
    data = b"seal header + message"
    spki = PublicKey.of_certificate(signer.certificate).spki_der
    assert ecdsa.verify_raw(spki, data, signer.sign(data))
    store = dev_pki.trust_store()
    found = store.find_seal_signers(signer.signer_id, signer.cert_reference)
    assert found == [signer.certificate]


@pytest.mark.parametrize(
    ("doc_type", "delta", "message"),
    [
        ("TTD", timedelta(days=-1), "no usable TTD signer"),
        ("TTD", timedelta(days=366), "no usable TTD signer"),
        ("PASSPORT", timedelta(days=1), "no usable PASSPORT signer"),
    ],
)
def test_load_signer_none_usable(
    dev_pki: DevPki, doc_type: str, delta: timedelta, message: str
) -> None:
    with pytest.raises(PkiError, match=message):
        load_signer(_config(dev_pki), doc_type, dev_pki.at + delta)


def test_load_signer_wrong_passphrase(dev_pki: DevPki) -> None:
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        load_signer(
            _config(dev_pki, key_passphrase="not-it"), "LEG", dev_pki.at + timedelta(days=1)
        )


def test_load_signer_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(PkiError, match="no keys"):
        load_signer(Config(keys_dir=tmp_path / "nothing"), "TTD", T0)


def test_load_signer_hsm_key_without_module(tmp_path: Path) -> None:
    authority = Authority.create(tmp_path, at=T0, passphrase=PASS, iterations=1000)
    from legalize.pki.eckeys import PrivateKey

    public = PrivateKey.generate("secp256r1").public_key()
    authority.issue_signer(
        PASS, doc_type="TTD", at=T0, public_key=public, pkcs11_id="01", pkcs11_label="x"
    )
    with pytest.raises(PkiError, match="HSM"):
        load_signer(Config(keys_dir=tmp_path, key_passphrase=PASS), "TTD", T0)


def test_dev_passphrase_only_for_dev_keys_in_development(dev_pki: DevPki, tmp_path: Path) -> None:
    """Without LEGALIZE_KEY_PASSPHRASE, the published passphrase opens a DEV ONLY folder in
    development mode, and nothing else: not a real folder, not in production mode."""
    later = dev_pki.at + timedelta(hours=1)
    unset = _config(dev_pki, key_passphrase=None)
    assert load_signer(unset, "TTD", later).cert_reference == dev_pki.signers["TTD"].cert_reference

    # the same keys without the marker: a real folder, whose passphrase must be configured
    copy = tmp_path / "copy"
    shutil.copytree(dev_pki.dir, copy)
    (copy / DEV_MARKER).unlink()
    with pytest.raises(KeyFileError, match="LEGALIZE_KEY_PASSPHRASE"):
        load_signer(replace(unset, keys_dir=copy), "TTD", later)
    assert load_signer(replace(unset, keys_dir=copy, key_passphrase=DEV_PASSPHRASE), "TTD", later)

    # production mode: the dev folder is refused even with its passphrase given
    for passphrase in (None, DEV_PASSPHRASE):
        production = replace(unset, production=True, key_passphrase=passphrase)
        with pytest.raises(PkiError, match="production mode refuses the dev keys"):
            load_signer(production, "TTD", later)
    # and a real folder in production needs its passphrase: no dev fallback
    with pytest.raises(KeyFileError, match="LEGALIZE_KEY_PASSPHRASE"):
        load_signer(replace(unset, keys_dir=copy, production=True), "TTD", later)


def test_rollover_overlap(tmp_path: Path) -> None:
    authority = Authority.create(tmp_path, at=T0, passphrase=PASS, iterations=1000)
    first = authority.issue_signer(PASS, doc_type="TTD", at=T0, iterations=1000)
    roll_at = T0 + timedelta(days=330)
    second = authority.rollover(PASS, doc_type="TTD", at=roll_at, iterations=1000)
    assert second.signer_id == first.signer_id == "LKTD"
    assert second.serial != first.serial
    old, new = authority.certificate(first), authority.certificate(second)
    # Overlap: the old certificate is still valid when the new one takes over.
    assert old.not_valid_before_utc < new.not_valid_before_utc < old.not_valid_after_utc
    assert authority.current_signer("TTD", T0 + timedelta(days=100)).serial == first.serial
    assert authority.current_signer("TTD", roll_at - timedelta(seconds=1)).serial == first.serial
    assert authority.current_signer("TTD", roll_at).serial == second.serial
    assert authority.current_signer("TTD", T0 + timedelta(days=600)).serial == second.serial
    with pytest.raises(PkiError):
        authority.current_signer("TTD", roll_at + timedelta(days=366))
    # Both verify during the overlap: seals signed by the old key stay good.
    store = TrustStore.load(export_trust_store(authority, tmp_path / "trust")[0].parent)
    overlap = roll_at + timedelta(days=40)
    assert store.validate_signer(old, overlap, "TTD").ok
    assert store.validate_signer(new, overlap, "TTD").ok
    config = Config(keys_dir=tmp_path, key_passphrase=PASS)
    assert load_signer(config, "TTD", T0 + timedelta(days=1)).cert_reference == first.cert_reference
    assert load_signer(config, "TTD", overlap).cert_reference == second.cert_reference
    _, usage_end = key_usage_period(old)
    assert usage_end == T0 + timedelta(days=365)


def test_rollover_to_other_curve(tmp_path: Path) -> None:
    authority = Authority.create(tmp_path, at=T0, passphrase=PASS, iterations=1000)
    authority.issue_signer(PASS, doc_type="LEG", at=T0, iterations=1000)
    record = authority.rollover(
        PASS,
        doc_type="LEG",
        at=T0 + timedelta(days=1),
        curve_name="brainpoolP224r1",
        iterations=1000,
    )
    signer = load_signer(
        Config(keys_dir=tmp_path, key_passphrase=PASS), "LEG", T0 + timedelta(days=2)
    )
    assert isinstance(signer, KeyFileSigner) and signer.curve == "brainpoolP224r1"
    assert signer.cert_reference == record.cert_reference
    spki = PublicKey.of_certificate(signer.certificate).spki_der
    assert ecdsa.verify_raw(spki, b"x", signer.sign(b"x"))


def test_revoked_signer_is_not_current(tmp_path: Path) -> None:
    authority = Authority.create(tmp_path, at=T0, passphrase=PASS, iterations=1000)
    first = authority.issue_signer(PASS, doc_type="TTD", at=T0, iterations=1000)
    second = authority.issue_signer(
        PASS, doc_type="TTD", at=T0 + timedelta(days=1), iterations=1000
    )
    crl = authority.revoke(PASS, second.cert_reference, "keyCompromise", T0 + timedelta(days=2))
    entry = crl.get_revoked_certificate_by_serial_number(second.serial)
    assert entry is not None
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        == x509.ReasonFlags.key_compromise
    )
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2
    assert crl.is_signature_valid(authority.root_certificate.public_key())  # type: ignore[arg-type]
    assert authority.current_signer("TTD", T0 + timedelta(days=1, hours=1)).serial == second.serial
    assert authority.current_signer("TTD", T0 + timedelta(days=3)).serial == first.serial
    store = TrustStore.load(export_trust_store(authority, tmp_path / "trust")[0].parent)
    assert (
        store.validate_signer(authority.certificate(second), T0 + timedelta(days=1), "TTD").code
        == T.SIGNER_REVOKED
    )


@pytest.mark.parametrize(
    ("serial", "reason", "message"),
    [
        ("FFFFF", "keyCompromise", "no signer certificate"),
        (None, "bored", "unknown revocation reason"),
    ],
)
def test_revoke_bad_input(tmp_path: Path, serial: str | None, reason: str, message: str) -> None:
    authority = Authority.create(tmp_path, at=T0, passphrase=PASS, iterations=1000)
    record = authority.issue_signer(PASS, doc_type="TTD", at=T0, iterations=1000)
    with pytest.raises(PkiError, match=message):
        authority.revoke(PASS, serial or record.cert_reference, reason, T0)


def test_revoke_wrong_passphrase_changes_nothing(tmp_path: Path) -> None:
    authority = Authority.create(tmp_path, at=T0, passphrase=PASS, iterations=1000)
    record = authority.issue_signer(PASS, doc_type="TTD", at=T0, iterations=1000)
    before = (tmp_path / "pki.json").read_text()
    with pytest.raises(KeyFileError):
        authority.revoke("wrong", record.cert_reference, "superseded", T0)
    assert (tmp_path / "pki.json").read_text() == before
    assert json.loads(before)["revocations"] == []


def test_crl_next_update(tmp_path: Path) -> None:
    authority = Authority.create(tmp_path, at=T0, passphrase=PASS, iterations=1000)
    first = authority.crl
    later = authority.issue_crl(PASS, T0 + timedelta(days=29))
    assert first.next_update_utc == T0 + timedelta(days=30)
    assert later.next_update_utc == T0 + timedelta(days=59)
    assert later.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2


def test_naive_time_refused(tmp_path: Path) -> None:
    with pytest.raises(PkiError, match="timezone"):
        Authority.create(tmp_path, at=datetime(2026, 1, 1), passphrase=PASS)


def test_damaged_index(tmp_path: Path) -> None:
    (tmp_path / "pki.json").write_text("{not json")
    with pytest.raises(PkiError, match="damaged"):
        Authority.open(tmp_path)


def test_committed_dev_readme_matches_template() -> None:
    from legalize.pki.devkeys import README

    committed = Path(__file__).resolve().parents[1] / "keys" / "dev" / "README.md"
    assert committed.read_text() == README


def test_openssl_agrees(tmp_path: Path) -> None:
    """An independent implementation accepts our chain (any leaf curve) and our CRL."""
    import subprocess

    from tests.helpers.support import need_tool

    openssl = need_tool("openssl")
    authority = Authority.create(tmp_path, at=T0, passphrase=PASS, iterations=1000)
    good = authority.issue_signer(
        PASS, doc_type="TTD", at=T0, curve_name="brainpoolP320r1", iterations=1000
    )
    bad = authority.issue_signer(PASS, doc_type="LEG", at=T0, iterations=1000)
    authority.revoke(PASS, bad.serial, "keyCompromise", T0 + timedelta(days=1))

    def verify(record_file: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                openssl,
                "verify",
                "-attime",
                str(int((T0 + timedelta(days=2)).timestamp())),
                "-CAfile",
                str(tmp_path / "root.crt.pem"),
                "-crl_check",
                "-CRLfile",
                str(tmp_path / "crl.pem"),
                str(tmp_path / record_file),
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    assert verify(good.cert_file).returncode == 0
    revoked = verify(bad.cert_file)
    assert revoked.returncode != 0 and "revoked" in revoked.stdout + revoked.stderr
    key = subprocess.run(
        [
            openssl,
            "pkey",
            "-in",
            str(tmp_path / str(good.key_file)),
            "-passin",
            f"pass:{PASS}",
            "-noout",
            "-text",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "brainpoolP320r1" in key.stdout


def _config(dev_pki: DevPki, **overrides: Any) -> Config:
    """The service configuration that signs with the dev PKI's keys."""
    values: dict[str, Any] = {"keys_dir": dev_pki.dir, "key_passphrase": dev_pki.passphrase}
    values.update(overrides)
    return replace(Config(), **values)
