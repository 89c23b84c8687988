"""`legalize keys …` and `legalize trust export` through legalize.cli.main."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from legalize.cli import main
from legalize.pki import trust as T
from legalize.pki.authority import Authority
from legalize.pki.trust import TrustStore
from tests.helpers import support


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "keys"
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(folder))
    monkeypatch.delenv("LEGALIZE_ENV", raising=False)
    monkeypatch.delenv("LEGALIZE_KEY_PASSPHRASE", raising=False)
    assert main(["keys", "init-dev", "--at", "2026-01-15"]) == 0
    return folder


def test_init_dev_and_refuse(keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (keys / "DEV_ONLY").exists()
    assert (keys / "trust" / "LK-root.crt").exists()
    capsys.readouterr()
    before = (keys / "root.key.pem").read_bytes()
    assert main(["keys", "init-dev", "--dir", str(keys)]) == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    assert (keys / "root.key.pem").read_bytes() == before


def test_init_dev_refused_in_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEGALIZE_ENV", "production")
    monkeypatch.setenv("LEGALIZE_SECRET_KEY", support.PRODUCTION_SECRET)
    monkeypatch.setenv("REDIS_URL", support.PRODUCTION_REDIS)
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/x")
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(tmp_path / "k"))
    assert main(["keys", "init-dev"]) == 1
    assert "production" in capsys.readouterr().err
    assert not (tmp_path / "k").exists()


def test_list(keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["keys", "list", "--at", "2026-02-01"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["SIGNER", "SERIAL", "TYPE"]
    assert sorted(line.split()[0] for line in out[1:]) == ["LKLG", "LKTD"]
    assert all(line.rstrip().endswith("current") for line in out[1:])


def test_rollover_and_revoke(keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    authority = Authority.open(keys)
    old = authority.current_signer("TTD", datetime(2026, 2, 1, tzinfo=UTC))
    assert main(["keys", "rollover", "--doc-type", "TTD", "--at", "2026-11-20"]) == 0
    authority = Authority.open(keys)
    new = authority.current_signer("TTD", datetime(2026, 11, 21, tzinfo=UTC))
    assert new.serial != old.serial and new.signer_id == "LKTD"
    capsys.readouterr()
    assert (
        main(
            [
                "keys",
                "revoke",
                old.cert_reference.lower(),
                "--reason",
                "superseded",
                "--at",
                "2026-12-01",
            ]
        )
        == 0
    )
    assert "revoked" in capsys.readouterr().out
    # The folder's own trust export follows: the verifier's default store sees both changes.
    store = TrustStore.load(keys / "trust")
    old_cert = store.find_seal_signers("LKTD", old.cert_reference)[0]
    new_cert = store.find_seal_signers("LKTD", new.cert_reference)[0]
    assert store.validate_signer(old_cert, datetime(2026, 11, 25, tzinfo=UTC), "TTD").ok
    assert (
        store.validate_signer(old_cert, datetime(2026, 12, 2, tzinfo=UTC), "TTD").code
        == T.SIGNER_REVOKED
    )
    assert store.validate_signer(new_cert, datetime(2026, 12, 2, tzinfo=UTC), "TTD").ok
    assert main(["keys", "list", "--at", "2026-12-02"]) == 0
    assert "revoked 2026-12-01 (superseded)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["keys", "revoke", "FFFFF", "--reason", "superseded"], "no signer certificate"),
        (["keys", "revoke", "ZZZ", "--reason", "superseded"], "not a certificate serial"),
        (["keys", "revoke", "00001", "--reason", "boredom"], "unknown revocation reason"),
        (["keys", "rollover", "--doc-type", "TTD", "--curve", "secp256k1"], "unsupported curve"),
        (["keys", "rollover", "--doc-type", "TTD", "--at", "2030-01-01"], "no usable TTD signer"),
    ],
)
def test_bad_input(
    keys: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    capsys.readouterr()
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_wrong_passphrase(
    keys: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEGALIZE_KEY_PASSPHRASE", "nope")
    capsys.readouterr()
    assert main(["keys", "rollover", "--doc-type", "LEG", "--at", "2026-03-01"]) == 1
    assert "wrong passphrase" in capsys.readouterr().err


def test_crl(keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["keys", "crl", "--at", "2026-02-10"]) == 0
    assert "next update 2026-03-12" in capsys.readouterr().out
    crl = Authority.open(keys).crl
    assert crl.next_update_utc == datetime(2026, 2, 10, tzinfo=UTC) + timedelta(days=30)


def test_trust_export(keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "published"
    capsys.readouterr()
    assert main(["trust", "export", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(Path(p).name for p in printed) == sorted(p.name for p in out.iterdir())
    store = TrustStore.load(out)
    assert len(store.roots) == 1 and len(store.certificates) == 3 and len(store.crls) == 1


def test_trust_export_without_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trust", "export", str(tmp_path / "o"), "--keys-dir", str(tmp_path / "none")]) == 1
    assert "no keys" in capsys.readouterr().err


def test_bad_date_is_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["keys", "list", "--at", "yesterday"])
    assert exc.value.code == 2


def test_separate_root_passphrase(
    keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from legalize.config import Config
    from legalize.pki.devkeys import DEV_PASSPHRASE
    from legalize.signers import load_signer

    root_file = tmp_path / "root-pass"
    root_file.write_text(DEV_PASSPHRASE + "\n")
    monkeypatch.setenv("LEGALIZE_KEY_PASSPHRASE", "signer-secret")
    argv = ["keys", "rollover", "--doc-type", "LEG", "--at", "2026-03-01"]
    assert main([*argv, "--root-passphrase-file", str(root_file)]) == 0
    signer = load_signer(Config.from_env(), "LEG", datetime(2026, 3, 2, tzinfo=UTC))
    assert signer.signer_id == "LKLG" and len(signer.sign(b"x")) == 64
    root_file.write_text("wrong\n")
    capsys.readouterr()
    assert main(["keys", "crl", "--root-passphrase-file", str(root_file)]) == 1
    assert "wrong passphrase" in capsys.readouterr().err
    assert main(["keys", "crl", "--root-passphrase-file", str(tmp_path / "missing")]) == 1


def test_real_root_then_signers_per_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from legalize.config import Config
    from legalize.signers import load_signer

    folder = tmp_path / "prod-keys"
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(folder))
    monkeypatch.delenv("LEGALIZE_KEY_PASSPHRASE", raising=False)
    assert main(["keys", "init"]) == 1  # the dev passphrase is refused for a real root
    assert "passphrase of its own" in capsys.readouterr().err
    root_file = tmp_path / "root-pass"
    root_file.write_text("offline root secret")
    monkeypatch.setenv("LEGALIZE_KEY_PASSPHRASE", "signer secret")
    common = ["--at", "2026-05-01", "--root-passphrase-file", str(root_file)]
    assert main(["keys", "init", "--country", "lk", *common]) == 0
    assert not (folder / "DEV_ONLY").exists()
    assert main(["keys", "issue", "--doc-type", "TTD", *common]) == 0
    argv = ["keys", "issue", "--doc-type", "TTD", "--code", "T2", "--post", "Embassy Riyadh"]
    assert main([*argv, "--curve", "brainpoolP384r1", *common]) == 0
    at = datetime(2026, 5, 2, tzinfo=UTC)
    config = Config.from_env()
    assert load_signer(config, "TTD", at, post="Headquarters").signer_id == "LKTD"
    riyadh = load_signer(config, "TTD", at, post="Embassy Riyadh")
    assert riyadh.signer_id == "LKT2" and len(riyadh.sign(b"x")) == 96
    store = TrustStore.load(folder / "trust")
    assert store.validate_signer(riyadh.certificate, at, "TTD").ok
    assert main(["keys", "init", *common]) == 1  # never over an existing root
    assert "refusing to overwrite" in capsys.readouterr().err
    assert main(["keys", "issue", "--doc-type", "LEG", "--code", "L-", *common]) == 1
    assert "signer code" in capsys.readouterr().err
