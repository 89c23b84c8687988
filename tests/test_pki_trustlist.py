"""The signed trust list: issue time and next update for offline verifiers, tamper evidence."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from legalize.cli import main
from legalize.pki import trustlist
from legalize.pki.authority import Authority
from legalize.pki.certificates import make_root
from legalize.pki.devkeys import DevPki
from legalize.pki.eckeys import PrivateKey
from legalize.pki.errors import PkiError
from legalize.pki.trust import TrustStore, export_trust_store


@pytest.fixture
def store_dir(dev_pki: DevPki, tmp_path: Path) -> Path:
    target = tmp_path / "trust"
    shutil.copytree(dev_pki.trust_dir, target)
    return target


def test_dev_trust_list(dev_pki: DevPki) -> None:
    store = dev_pki.trust_store()
    listed = store.trust_list
    assert listed is not None and listed.verified, listed
    assert listed.issued_at == dev_pki.at
    assert listed.next_update == dev_pki.at + timedelta(days=30)
    assert not listed.is_stale(dev_pki.at + timedelta(days=29))
    assert listed.is_stale(dev_pki.at + timedelta(days=31))
    assert store.skipped == ()  # the list is not junk


def test_the_list_is_checked_when_first_asked_for(store_dir: Path) -> None:
    store = TrustStore.load(store_dir)
    assert "trust_list" not in vars(store)  # loading (for a seal's check) leaves it unread
    listed = store.trust_list
    assert listed is not None and listed.verified, listed
    assert store.trust_list is listed  # checked once
    assert TrustStore([*store.certificates]).trust_list is None  # no folder, no list


def test_changed_file(store_dir: Path) -> None:
    crt = next(store_dir.glob("LKTD-*.crt"))
    crt.write_bytes(crt.read_bytes() + b"\n")  # still a valid PEM, but not what was signed
    listed = TrustStore.load(store_dir).trust_list
    assert listed is not None and not listed.verified
    assert listed.problems == (f"file changed since the list was signed: {crt.name}",)


def test_added_and_removed_files(store_dir: Path, dev_pki: DevPki) -> None:
    next(store_dir.glob("LKLG-*.crt")).unlink()
    (store_dir / "extra.crt").write_bytes(dev_pki.root_cert.read_bytes())
    listed = TrustStore.load(store_dir).trust_list
    assert listed is not None and not listed.verified
    assert any(p.startswith("listed file missing: LKLG-") for p in listed.problems)
    assert "file not on the signed list: extra.crt" in listed.problems


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(next_update="2099-01-01T00:00:00+00:00"),
        lambda d: d["files"].pop(),
        lambda d: d["signature"].update(value=d["signature"]["value"][:-8] + "AAAAAAA="),
        lambda d: d["signature"].update(signer_sha256="00" * 32),
        lambda d: d["signature"].update(algorithm="rsa"),
    ],
)
def test_tampered_list(store_dir: Path, edit) -> None:  # type: ignore[no-untyped-def]
    path = store_dir / trustlist.FILE_NAME
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    listed = TrustStore.load(store_dir).trust_list
    assert listed is not None and not listed.verified
    assert listed.problems


@pytest.mark.parametrize(
    "content", ["{", "[]", '{"format": "other/9"}', '{"format": "legalize-trust-list/1"}']
)
def test_unreadable_list(store_dir: Path, content: str) -> None:
    (store_dir / trustlist.FILE_NAME).write_text(content)
    store = TrustStore.load(store_dir)  # the certificates still load
    assert len(store.roots) == 1
    assert store.trust_list is not None and not store.trust_list.verified


def test_signed_by_another_root(store_dir: Path, dev_pki: DevPki) -> None:
    key = PrivateKey.generate("secp384r1")
    assert key.native is not None
    other = make_root(
        key.native, country="LK", organization="X", common_name="Other", at=dev_pki.at
    )
    trustlist.write_trust_list(store_dir, other, key.native, dev_pki.at)
    listed = TrustStore.load(store_dir).trust_list
    assert listed is not None and not listed.verified
    assert "signature" in listed.problems[0]


def test_write_refuses_mismatched_key(store_dir: Path, dev_pki: DevPki) -> None:
    root = dev_pki.trust_store().roots[0]
    other = PrivateKey.generate("secp384r1").native
    assert other is not None
    with pytest.raises(PkiError, match="does not match"):
        trustlist.write_trust_list(store_dir, root, other, dev_pki.at)


def test_unsigned_export_drops_stale_list(dev_pki: DevPki, store_dir: Path) -> None:
    assert (store_dir / trustlist.FILE_NAME).exists()
    export_trust_store(dev_pki.dir, store_dir)
    assert not (store_dir / trustlist.FILE_NAME).exists()
    assert TrustStore.load(store_dir).trust_list is None
    with pytest.raises(PkiError, match="issue time"):
        export_trust_store(dev_pki.dir, store_dir, passphrase=dev_pki.passphrase)


def test_cli_signed_export(
    dev_pki: DevPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(dev_pki.dir))
    monkeypatch.delenv("LEGALIZE_KEY_PASSPHRASE", raising=False)
    out = tmp_path / "pub"
    assert main(["trust", "export", str(out), "--sign", "--at", "2026-06-01T08:00"]) == 0
    listed = TrustStore.load(out).trust_list
    assert listed is not None and listed.verified
    assert listed.issued_at == datetime(2026, 6, 1, 8, tzinfo=UTC)
    wrong = tmp_path / "wrong"
    wrong.write_text("nope")
    assert main(["trust", "export", str(out), "--sign", "--root-passphrase-file", str(wrong)]) == 1


def test_signed_summary_must_agree_with_the_files(store_dir: Path, dev_pki: DevPki) -> None:
    """The browser trusts the signer summary alone: a list whose summary says something the
    certificates and CRLs do not (here: a signer not revoked that is, or vice versa) is not
    verified, even when the root signed it."""
    store = TrustStore.load(store_dir)
    assert store.trust_list is not None and store.trust_list.verified
    summary = store.signer_summary()
    assert {s["signer_id"] for s in summary} == {"LKTD", "LKLG"}
    assert all(s["revoked"] is None and s["curve"] == "secp256r1" for s in summary)
    assert list(store.trust_list.signers or ()) == summary
    wrong = [{**summary[0], "doc_types": ["TTD", "LEG"]}, *summary[1:]]
    authority = Authority.open(dev_pki.dir)
    trustlist.write_trust_list(
        store_dir,
        authority.root_certificate,
        authority.root_key(dev_pki.passphrase),
        dev_pki.at,
        signers=wrong,
    )
    listed = TrustStore.load(store_dir).trust_list
    assert listed is not None and not listed.verified
    assert listed.problems == ("the signer summary disagrees with the certificates and CRLs",)
