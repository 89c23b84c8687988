"""/trust/ (the published trust store) and `verifier trust sync` against it on a live server on
127.0.0.1: pinning, signature, freshness, rollback, tampering, and the CLI's default store."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from legalize.config import Config
from legalize.pki import trustlist
from legalize.pki.authority import Authority
from legalize.pki.devkeys import DevPki
from legalize.pki.trust import TrustStore, export_trust_store
from legalize.web import create_app
from verifier import trustsync
from verifier.cli import main as verifier_main


@pytest.fixture
def keys(dev_pki: DevPki, tmp_path: Path) -> Path:
    """A copy of the dev keys whose published trust/ the test may change."""
    target = tmp_path / "keys"
    shutil.copytree(dev_pki.dir, target)
    return target


@pytest.fixture
def app(keys: Path, tmp_path: Path) -> Flask:
    config = replace(Config(), database_url=f"sqlite:///{tmp_path / 'w.sqlite3'}", keys_dir=keys)
    return create_app(config)


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/trust/"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def root_pin(dev_pki: DevPki) -> str:
    return trustsync.read_root(dev_pki.root_cert)


def republish(keys: Path, dev_pki: DevPki, at: datetime) -> None:
    export_trust_store(Authority.open(keys), keys / "trust", passphrase=dev_pki.passphrase, at=at)


def test_trust_files_are_served_cacheable_with_their_types(app: Flask, keys: Path) -> None:
    client = app.test_client()
    listed = client.get("/trust/")
    assert listed.status_code == 200 and listed.mimetype == "application/json"
    assert listed.data == (keys / "trust" / trustlist.FILE_NAME).read_bytes()
    assert listed.headers["Cache-Control"] == "public, max-age=300"
    assert listed.headers["X-Content-Type-Options"] == "nosniff"
    names = [f["name"] for f in json.loads(listed.data)["files"]]
    assert "LK-root.crt" in names and "LK-root.crl" in names
    for name in names:
        served = client.get(f"/trust/{name}")
        assert served.status_code == 200
        assert served.mimetype == "application/x-pem-file"
        assert served.data == (keys / "trust" / name).read_bytes()  # byte for byte: hashed
    again = client.get("/trust/trust-list.json", headers={"If-None-Match": listed.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "name", ["nothing.crt", "..%2Fkeys.json", ".hidden.crt", "x.key", "root.key.pem"]
)
def test_only_published_files_are_served(app: Flask, name: str) -> None:
    answer = app.test_client().get(f"/trust/{name}")
    assert answer.status_code == 404


def test_missing_trust_list_is_a_clear_404(app: Flask, keys: Path) -> None:
    (keys / "trust" / trustlist.FILE_NAME).unlink()
    answer = app.test_client().get("/trust/")
    assert answer.status_code == 404
    assert "no signed trust list" in answer.get_data(as_text=True)


def test_sync_pins_checks_and_stores(live: str, dev_pki: DevPki, tmp_path: Path) -> None:
    target = tmp_path / "data" / "trust"
    with pytest.raises(trustsync.SyncError, match="first sync needs the root"):
        trustsync.sync(live, target, dev_pki.at)
    with pytest.raises(trustsync.SyncError, match="not signed by the pinned root"):
        trustsync.sync(live, target, dev_pki.at, pin_sha256="ab" * 32)
    assert not target.exists()
    done = trustsync.sync(live, target, dev_pki.at, pin_sha256=root_pin(dev_pki))
    assert done.issued_at == dev_pki.at
    store = TrustStore.load(target)
    assert store.trust_list is not None and store.trust_list.verified
    assert sorted(p.name for p in target.iterdir()) == sorted(
        p.name for p in dev_pki.trust_dir.iterdir()
    )
    # Later syncs are pinned to the stored root; the list's own URL works as well.
    again = trustsync.sync(live + trustlist.FILE_NAME, target, dev_pki.at + timedelta(days=1))
    assert again.root_sha256 == root_pin(dev_pki)


def test_sync_refuses_stale_tampered_and_older_lists(
    live: str, dev_pki: DevPki, keys: Path, tmp_path: Path
) -> None:
    target = tmp_path / "trust"
    pin = root_pin(dev_pki)
    with pytest.raises(trustsync.SyncError, match="out of date"):
        trustsync.sync(live, target, dev_pki.at + timedelta(days=31), pin_sha256=pin)
    stale = trustsync.sync(
        live, target, dev_pki.at + timedelta(days=31), pin_sha256=pin, allow_stale=True
    )
    assert stale.next_update == dev_pki.at + timedelta(days=30)
    before = (target / trustlist.FILE_NAME).read_bytes()

    republish(keys, dev_pki, dev_pki.at + timedelta(days=2))
    assert trustsync.sync(live, target, dev_pki.at + timedelta(days=2)).issued_at == (
        dev_pki.at + timedelta(days=2)
    )
    newer = (target / trustlist.FILE_NAME).read_bytes()
    assert newer != before

    # A server handing out the older list (from before a revocation, say) is refused.
    republish(keys, dev_pki, dev_pki.at + timedelta(days=1))
    with pytest.raises(trustsync.SyncError, match="older than the stored one"):
        trustsync.sync(live, target, dev_pki.at + timedelta(days=2))
    assert (target / trustlist.FILE_NAME).read_bytes() == newer  # nothing changed

    crt = next((keys / "trust").glob("LKTD-*.crt"))
    crt.write_bytes(crt.read_bytes() + b"\n")
    with pytest.raises(trustsync.SyncError, match="file changed since the list was signed"):
        trustsync.sync(live, target, dev_pki.at + timedelta(days=3), pin_sha256=pin)
    assert (target / trustlist.FILE_NAME).read_bytes() == newer


def test_sync_of_an_unreachable_or_wrong_url(dev_pki: DevPki, tmp_path: Path, app: Flask) -> None:
    pin = root_pin(dev_pki)
    with pytest.raises(trustsync.SyncError, match="not an http"):
        trustsync.sync("file:///etc/passwd", tmp_path / "t", dev_pki.at, pin_sha256=pin)
    with pytest.raises(trustsync.SyncError, match=r"127\.0\.0\.1:9"):
        trustsync.sync("http://127.0.0.1:9/trust/", tmp_path / "t", dev_pki.at, pin_sha256=pin)


def test_cli_sync_becomes_the_default_trust_store(
    live: str,
    dev_pki: DevPki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)  # no keys/dev/trust here
    from legalize.pki.keyfile import KeyFileSigner
    from legalize.seal.profiles import seal_ttd
    from tests.vectors.build import sample_ttd

    signer = dev_pki.signers["TTD"]
    seal = seal_ttd(
        sample_ttd(),
        KeyFileSigner.load(signer.cert, signer.key, dev_pki.passphrase),
        datetime.now(UTC),
    )
    assert verifier_main(["seal", "--hex", seal.hex()]) == 2
    assert "verifier trust sync" in capsys.readouterr().err
    assert verifier_main(["trust", "sync", live, "--root", str(dev_pki.root_cert)]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "xdg" / "legalize-verifier" / "trust") in out
    assert root_pin(dev_pki) in out
    # The sample TTD's MRZ expired in March 2026: verdict 1, but verified against the store.
    verifier_main(["seal", "--hex", seal.hex(), "--json"])
    checks = {c["name"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["seal.signature"] == "VALID" and checks["seal.trust"] == "VALID"
    assert verifier_main(["trust", "sync", "http://127.0.0.1:9/trust/"]) == 1
    assert "nothing changed" in capsys.readouterr().err
