"""`legalize keys issue|rollover` never encrypt a real signer key with the dev passphrase.

Outside production mode the signer passphrase defaults to the published dev one; before this
test, `keys init --root-passphrase-file F` followed by `keys issue` (as the README shows it)
wrote the new signer's key file encrypted with `legalize-dev-only`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from legalize.cli import main

AT = ["--at", "2026-05-01"]


@pytest.fixture
def real_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    folder = tmp_path / "keys"
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(folder))
    monkeypatch.delenv("LEGALIZE_ENV", raising=False)
    monkeypatch.delenv("LEGALIZE_KEY_PASSPHRASE", raising=False)
    monkeypatch.delenv("LEGALIZE_PKCS11_MODULE", raising=False)
    root_file = tmp_path / "root-pass"
    root_file.write_text("offline root secret")
    common = [*AT, "--root-passphrase-file", str(root_file)]
    assert main(["keys", "init", *common]) == 0
    return folder, common


@pytest.mark.parametrize(
    "argv",
    [
        ["keys", "issue", "--doc-type", "TTD", "--code", "T2", "--post", "Embassy Riyadh"],
        ["keys", "issue", "--doc-type", "LEG"],
    ],
)
def test_issue_in_real_folder_needs_own_passphrase(
    real_root: tuple[Path, list[str]],
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, common = real_root
    capsys.readouterr()
    assert main([*argv, *common]) == 1
    assert "set LEGALIZE_KEY_PASSPHRASE" in capsys.readouterr().err
    assert not list((folder / "signers").glob("*.key.pem"))
    # Naming the dev passphrase explicitly is refused too.
    monkeypatch.setenv("LEGALIZE_KEY_PASSPHRASE", "legalize-dev-only")
    assert main([*argv, *common]) == 1
    assert "set LEGALIZE_KEY_PASSPHRASE" in capsys.readouterr().err
    monkeypatch.setenv("LEGALIZE_KEY_PASSPHRASE", "a signer secret of its own")
    assert main([*argv, *common]) == 0
    (key_file,) = (folder / "signers").glob("*.key.pem")
    assert key_file.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_rollover_in_real_folder_needs_own_passphrase(
    real_root: tuple[Path, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, common = real_root
    monkeypatch.setenv("LEGALIZE_KEY_PASSPHRASE", "a signer secret of its own")
    assert main(["keys", "issue", "--doc-type", "TTD", *common]) == 0
    monkeypatch.delenv("LEGALIZE_KEY_PASSPHRASE")
    capsys.readouterr()
    assert main(["keys", "rollover", "--doc-type", "TTD", *common]) == 1
    assert "set LEGALIZE_KEY_PASSPHRASE" in capsys.readouterr().err
    assert len(list((folder / "signers").glob("*.key.pem"))) == 1


def test_dev_folder_keeps_the_dev_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "dev"
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(folder))
    monkeypatch.delenv("LEGALIZE_ENV", raising=False)
    monkeypatch.delenv("LEGALIZE_KEY_PASSPHRASE", raising=False)
    monkeypatch.delenv("LEGALIZE_PKCS11_MODULE", raising=False)
    assert main(["keys", "init-dev", *AT]) == 0
    assert main(["keys", "rollover", "--doc-type", "TTD", *AT]) == 0
    assert main(["keys", "issue", "--doc-type", "LEG", "--code", "L2", *AT]) == 0
    assert len(list((folder / "signers").glob("*.key.pem"))) == 4
