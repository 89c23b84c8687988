"""PKCS#11 signer against a real SoftHSM2 token made in a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from legalize.cli import main
from legalize.config import Config
from legalize.pki import ecdsa
from legalize.pki import pkcs11 as p11
from legalize.pki.authority import Authority
from legalize.pki.ecdsa import PublicKey
from legalize.pki.errors import Pkcs11Error, PkiError
from legalize.pki.signer import Signer
from legalize.pki.trust import TrustStore, export_trust_store
from legalize.signers import load_signer
from tests.helpers.support import need_tool, unavailable

pytestmark = pytest.mark.softhsm

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN = "legalize-test"
PIN = "123456"
T0 = datetime(2026, 4, 1, 10, tzinfo=UTC)
PASS = "hsm-tests"


@dataclass(frozen=True)
class Hsm:
    module: str
    token: str
    pin: str

    def config(self, keys_dir: Path, **extra: object) -> Config:
        return Config(
            keys_dir=keys_dir,
            key_passphrase=PASS,
            pkcs11_module=self.module,
            pkcs11_token_label=self.token,
            pkcs11_pin=self.pin,
            **extra,  # type: ignore[arg-type]
        )


@pytest.fixture(scope="module")
def hsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hsm]:
    util = need_tool("softhsm2-util")
    if not Path(MODULE).exists():
        unavailable(f"SoftHSM2 module {MODULE} missing")
    home = tmp_path_factory.mktemp("softhsm")
    (home / "tokens").mkdir()
    conf = home / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [util, "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "654321"],
        check=True,
        capture_output=True,
    )
    p11.reset()  # a module loaded earlier in this process re-reads the config: ours
    yield Hsm(MODULE, TOKEN, PIN)
    p11.reset()
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous
    shutil.rmtree(home, ignore_errors=True)


def _hsm_signer(hsm: Hsm, folder: Path, curve_name: str, doc_type: str = "TTD") -> Signer:
    authority = Authority.create(folder, at=T0, passphrase=PASS, iterations=1000)
    key_id = os.urandom(8)
    public = p11.generate_key(
        hsm.module, hsm.token, hsm.pin, curve_name, label=f"test-{key_id.hex()}", key_id=key_id
    )
    assert public.curve.name == curve_name
    record = authority.issue_signer(
        PASS, doc_type=doc_type, at=T0, public_key=public, pkcs11_id=key_id.hex(), pkcs11_label="t"
    )
    assert record.key_file is None
    assert not list((folder / "signers").glob("*.key.pem"))
    return load_signer(hsm.config(folder), doc_type, T0 + timedelta(days=1))


@pytest.mark.parametrize("curve_name", ["secp256r1", "brainpoolP256r1", "brainpoolP320r1"])
def test_hsm_seal_signature_verifies(hsm: Hsm, tmp_path: Path, curve_name: str) -> None:
    signer = _hsm_signer(hsm, tmp_path / "keys", curve_name)
    assert isinstance(signer, p11.Pkcs11Signer) and isinstance(signer, Signer)
    assert signer.signer_id == "LKTD"
    data = b"\xdc\x03 seal header and message zone"
    signature = signer.sign(data)
    size = {"secp256r1": 32, "brainpoolP256r1": 32, "brainpoolP320r1": 40}[curve_name]
    assert len(signature) == 2 * size
    spki = PublicKey.of_certificate(signer.certificate).spki_der
    assert ecdsa.verify_raw(spki, data, signature)
    assert not ecdsa.verify_raw(spki, data + b".", signature)
    if curve_name != "brainpoolP320r1":  # independent check with OpenSSL through cryptography
        key = signer.certificate.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    # The exported trust store finds and accepts the HSM signer's certificate.
    store = TrustStore.load(export_trust_store(tmp_path / "keys", tmp_path / "trust")[0].parent)
    assert store.find_seal_signers("LKTD", signer.cert_reference) == [signer.certificate]
    assert store.validate_signer(signer.certificate, T0 + timedelta(days=1), "TTD").ok


def test_hsm_other_hash(hsm: Hsm, tmp_path: Path) -> None:
    signer = _hsm_signer(hsm, tmp_path / "keys", "secp256r1")
    spki = PublicKey.of_certificate(signer.certificate).spki_der
    assert ecdsa.verify_raw(spki, b"d", signer.sign(b"d", "sha384"), "sha384")
    with pytest.raises(Pkcs11Error, match="unsupported hash"):
        signer.sign(b"d", "md5")


def test_hsm_key_is_not_extractable(hsm: Hsm, tmp_path: Path) -> None:
    import pkcs11 as lib

    signer = _hsm_signer(hsm, tmp_path / "keys", "secp256r1")
    assert isinstance(signer, p11.Pkcs11Signer)

    def flags(session: object) -> tuple[bool, bool]:
        key = session.get_key(  # type: ignore[attr-defined]
            object_class=lib.ObjectClass.PRIVATE_KEY, key_type=lib.KeyType.EC, id=signer._key_id
        )
        return key[lib.Attribute.SENSITIVE], key[lib.Attribute.EXTRACTABLE]

    assert p11._with_session(hsm.module, hsm.token, hsm.pin, flags) == (True, False)


def test_hsm_wrong_pin(hsm: Hsm, tmp_path: Path) -> None:
    signer = _hsm_signer(hsm, tmp_path / "keys", "secp256r1")
    assert isinstance(signer, p11.Pkcs11Signer)
    # While this process is logged in with the right PIN, another PIN is refused outright.
    with pytest.raises(Pkcs11Error, match="another PIN"):
        p11.Pkcs11Signer(hsm.module, hsm.token, "000000", signer.certificate, signer._key_id)
    p11.reset()  # logged out: now the token itself judges the PIN
    with pytest.raises(Pkcs11Error, match="wrong PKCS#11 user PIN"):
        p11.Pkcs11Signer(hsm.module, hsm.token, "000000", signer.certificate, signer._key_id)
    assert len(signer.sign(b"after")) == 64  # the right PIN logs in again


def test_hsm_concurrent_signing(hsm: Hsm, tmp_path: Path) -> None:
    """Threads of one process share the token's login; none may log the others out."""
    from concurrent.futures import ThreadPoolExecutor

    signer = _hsm_signer(hsm, tmp_path / "keys", "secp256r1")
    spki = PublicKey.of_certificate(signer.certificate).spki_der
    messages = [f"document {i}".encode() for i in range(40)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        signatures = list(pool.map(signer.sign, messages))
    assert all(ecdsa.verify_raw(spki, m, sig) for m, sig in zip(messages, signatures, strict=True))


def test_hsm_session_reopened_after_reset(hsm: Hsm, tmp_path: Path) -> None:
    signer = _hsm_signer(hsm, tmp_path / "keys", "brainpoolP256r1")
    p11.reset()
    spki = PublicKey.of_certificate(signer.certificate).spki_der
    assert ecdsa.verify_raw(spki, b"x", signer.sign(b"x"))


def test_hsm_unknown_key_and_token(hsm: Hsm, tmp_path: Path) -> None:
    signer = _hsm_signer(hsm, tmp_path / "keys", "secp256r1")
    with pytest.raises(Pkcs11Error, match="no unique key"):
        p11.Pkcs11Signer(hsm.module, hsm.token, hsm.pin, signer.certificate, b"\xff" * 8)
    with pytest.raises(Pkcs11Error, match="no PKCS#11 token"):
        p11.Pkcs11Signer(hsm.module, "no-such-token", hsm.pin, signer.certificate, b"\x01")


def test_hsm_key_must_match_certificate(hsm: Hsm, tmp_path: Path) -> None:
    first = _hsm_signer(hsm, tmp_path / "a", "secp256r1")
    second = _hsm_signer(hsm, tmp_path / "b", "secp256r1")
    assert isinstance(second, p11.Pkcs11Signer)
    with pytest.raises(Pkcs11Error, match="does not belong"):
        p11.Pkcs11Signer(hsm.module, hsm.token, hsm.pin, first.certificate, second._key_id)


def test_key_file_signer_refused_in_hsm_mode(hsm: Hsm, tmp_path: Path) -> None:
    authority = Authority.create(tmp_path, at=T0, passphrase=PASS, iterations=1000)
    authority.issue_signer(PASS, doc_type="LEG", at=T0, iterations=1000)
    with pytest.raises(PkiError, match="key file"):
        load_signer(hsm.config(tmp_path), "LEG", T0)


def test_cli_rollover_into_hsm(
    hsm: Hsm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys"
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(keys))
    monkeypatch.delenv("LEGALIZE_KEY_PASSPHRASE", raising=False)
    assert main(["keys", "init-dev", "--at", "2026-04-01"]) == 0
    monkeypatch.setenv("LEGALIZE_PKCS11_MODULE", hsm.module)
    monkeypatch.setenv("LEGALIZE_PKCS11_TOKEN", hsm.token)
    monkeypatch.setenv("LEGALIZE_PKCS11_PIN", hsm.pin)
    capsys.readouterr()
    assert main(["keys", "rollover", "--doc-type", "TTD", "--at", "2026-05-01"]) == 0
    assert "HSM" in capsys.readouterr().out
    config = Config.from_env()
    signer = load_signer(config, "TTD", datetime(2026, 5, 2, tzinfo=UTC))
    assert isinstance(signer, p11.Pkcs11Signer)
    spki = PublicKey.of_certificate(signer.certificate).spki_der
    assert ecdsa.verify_raw(spki, b"abc", signer.sign(b"abc"))
    assert main(["keys", "list", "--at", "2026-05-02"]) == 0
    assert "hsm" in capsys.readouterr().out
    store = TrustStore.load(keys / "trust")
    assert store.validate_signer(signer.certificate, datetime(2026, 5, 2, tzinfo=UTC), "TTD").ok
