"""A running service sees a changed trust store without a restart
(legalize.cases.check.PublishedTrust): a signer revoked with ``legalize keys revoke`` is
refused by the QR link, the API and the task worker's photo checks within seconds."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from legalize.cases import check
from legalize.cases.check import PublishedTrust
from legalize.cli import main
from legalize.pki.devkeys import TRUST_DIR
from legalize.web.state import state
from tests.helpers.web_app import demo_site, qr_path


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keys(dev_pki, tmp_path: Path) -> Any:  # type: ignore[no-untyped-def]
    """A copy of the dev PKI this test may revoke signers in."""
    folder = tmp_path / "keys"
    shutil.copytree(dev_pki.dir, folder)
    return dataclasses.replace(dev_pki, dir=folder, trust_dir=folder / TRUST_DIR)


def _drop_signer(folder: Path) -> None:
    """Take the TTD signer's certificate out of the published folder."""
    (signer,) = (folder / TRUST_DIR).glob("*LKTD*")
    signer.unlink()


def test_a_changed_folder_is_read_again_after_the_recheck_time(keys: Any) -> None:
    ticks = Ticks()
    published = PublishedTrust(keys.dir, recheck_seconds=5.0, clock=ticks)
    first = published.store()
    assert first is not None and published.store() is first  # read once, then kept
    _drop_signer(keys.dir)
    ticks.now += 4.9
    assert published.store() is first  # not looked at again yet
    ticks.now += 0.2
    second = published.store()
    assert second is not None and second.version != first.version
    ticks.now += 60
    assert published.store() is second  # unchanged folder: not read again


def test_no_folder_is_none_until_one_is_published(keys: Any) -> None:
    shutil.rmtree(keys.dir / TRUST_DIR)
    ticks = Ticks()
    published = PublishedTrust(keys.dir, recheck_seconds=1.0, clock=ticks)
    assert published.store() is None
    assert main(["trust", "export", str(keys.dir / TRUST_DIR), "--keys-dir", str(keys.dir)]) == 0
    ticks.now += 1.5
    assert published.store() is not None


def test_a_folder_changed_while_it_was_read_is_read_again(
    keys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CRL replaced during the read: the store read may hold either version, so it is not
    taken as the folder's state and the next look reads the folder again."""
    read = check.published_trust
    calls: list[int] = []

    def racing(keys_dir: Path) -> Any:
        store = read(keys_dir)
        if not calls:  # the first read: the admin's export rewrites a file meanwhile
            crl = next((keys_dir / TRUST_DIR).glob("*crl*"))
            crl.write_bytes(crl.read_bytes())
            stat = crl.stat()
            os.utime(crl, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        calls.append(1)
        return store

    monkeypatch.setattr(check, "published_trust", racing)
    ticks = Ticks()
    published = PublishedTrust(keys.dir, recheck_seconds=1.0, clock=ticks)
    assert published.store() is not None and len(calls) == 1
    ticks.now += 1.5
    published.store()
    assert len(calls) == 2  # read again, though nothing changed after the first read
    ticks.now += 1.5
    published.store()
    assert len(calls) == 2  # now settled


@pytest.fixture
def site(keys: Any) -> Iterator[tuple[Flask, str]]:
    app, docs = demo_site(keys, f"sqlite:///{keys.dir.parent / 'register.sqlite3'}")
    # looked at on every request here; 5 s in service
    app.extensions["legalize"].services["published_trust"] = PublishedTrust(
        keys.dir, recheck_seconds=0.0
    )
    yield app, docs["readmission:issued"].seal_text
    state(app).close()


def test_a_signer_revoked_with_the_cli_is_refused_by_the_running_app(
    site: tuple[Flask, str], keys: Any
) -> None:
    app, seal_text = site
    client = app.test_client()
    before = client.get(qr_path(seal_text)).get_data(as_text=True)
    assert 'data-verdict="VALID"' in before
    serial = keys.signers["TTD"].cert_reference
    at = (keys.at + timedelta(hours=2)).isoformat()
    argv = ["keys", "revoke", serial, "--reason", "keyCompromise", "--dir", str(keys.dir)]
    assert main([*argv, "--at", at]) == 0
    after = client.get(qr_path(seal_text)).get_data(as_text=True)
    assert 'data-verdict="INVALID"' in after and "SIGNER_REVOKED" in after
