"""The browser's offline seal check agrees with the server's: both against the shared vectors
of tests/vectors/offline/ (the JavaScript under node:test, the server's verifier here)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from legalize.pki.trust import TrustStore
from tests.helpers import support
from tests.vectors.offline import expected, profile_fields, validation_time
from verifier.seal import verify_seal

ROOT = Path(__file__).resolve().parents[1]
OFFLINE = ROOT / "tests" / "vectors" / "offline"
MANIFEST: dict[str, Any] = json.loads((OFFLINE / "manifest.json").read_text())


def test_javascript_check_passes_the_vectors() -> None:
    node = support.need_tool("node")
    done = subprocess.run(
        [node, "--test", "tests/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"# pass {len(MANIFEST['vectors']) + 8}" in done.stdout, done.stdout[-2000:]


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return TrustStore.load(OFFLINE / MANIFEST["trust_store"])


def test_offline_trust_list_is_signed_and_summarises_the_signers(store: TrustStore) -> None:
    assert store.trust_list is not None and store.trust_list.verified, store.trust_list
    listed = json.loads((OFFLINE / "trust" / "trust-list.json").read_text())
    assert listed["signers"] == store.signer_summary()
    revoked = [s["signer_id"] for s in listed["signers"] if s["revoked"]]
    assert revoked == ["LKTR"]


@pytest.mark.parametrize("vector", MANIFEST["vectors"], ids=lambda v: v["name"])
def test_server_gives_what_the_vectors_say(vector: dict[str, Any], store: TrustStore) -> None:
    value = vector["value"]
    data: bytes | str = bytes.fromhex(value) if vector["input"] == "hex" else value
    report = verify_seal(data, store, validation_time(vector["at"]))
    assert expected(report) == {"verdict": vector["verdict"], "codes": vector["codes"]}
    assert profile_fields(report) == vector["fields"]
