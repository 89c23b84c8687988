"""`legalize issue ttd|legalization` on the committed examples, as the README shows them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from legalize.cli import main
from legalize.pki.trust import TrustStore
from verifier.cli import main as verifier_main
from verifier.pdf import verify_pdf
from verifier.report import Verdict

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def workdir(dev_pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    """A folder for the command's files, with its environment naming the dev PKI and a SQLite
    register there (a CLI's working folder, not the web tests' ``env``)."""
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(dev_pki.dir))
    monkeypatch.setenv("LEGALIZE_KEY_PASSPHRASE", dev_pki.passphrase)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'register.sqlite3'}")
    monkeypatch.delenv("LEGALIZE_TSA_URL", raising=False)
    return tmp_path


def _issued(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_examples_issue_and_verify(
    workdir: Path, dev_pki, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    ttd = workdir / "ttd.pdf"
    assert main(["issue", "ttd", "--json", str(EXAMPLES / "ttd.json"), "--out", str(ttd)]) == 0
    first = _issued(capsys)
    leg = workdir / "legal.pdf"
    args = ["issue", "legalization", "--json", str(EXAMPLES / "legalization.json")]
    args += ["--document", str(EXAMPLES / "underlying.pdf"), "--out", str(leg)]
    assert main(args) == 0
    second = _issued(capsys)

    # numbers come from the register's counter: distinct, never reused
    assert first["number"] != second["number"]
    assert str(first["number"]).startswith("T") and str(second["number"]).startswith("L")
    trust = TrustStore.load(dev_pki.trust_dir)
    for path in (ttd, leg):
        report = verify_pdf(path.read_bytes(), trust, dev_pki.at.replace(hour=23))
        assert report.verdict is Verdict.VALID, report.to_text()
    assert verifier_main(["pdf", str(leg), "--trust-store", str(dev_pki.trust_dir)]) == 0
    assert "verdict: VALID" in capsys.readouterr().out

    # a second TTD gets the next number
    assert main(["issue", "ttd", "--json", str(EXAMPLES / "ttd.json"), "--out", str(ttd)]) == 0
    assert _issued(capsys)["number"] != first["number"]
    # every number the tool took has its fate in the audit log (issue 12, item 8)
    assert main(["audit", "numbers"]) == 0
    assert "without a final audit entry: 0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ("[]", "must be a JSON object"),
        ('{"surname": "X"}', "missing"),
    ],
)
def test_bad_requests_get_a_clear_error(
    workdir: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    request = workdir / "bad.json"
    request.write_text(content)
    assert main(["issue", "ttd", "--json", str(request), "--out", str(workdir / "x.pdf")]) == 1
    assert message in capsys.readouterr().err
    assert not (workdir / "x.pdf").exists()


def test_missing_photo_and_document_are_named(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = workdir / "req"
    folder.mkdir()
    shutil.copy(EXAMPLES / "ttd.json", folder / "ttd.json")  # names holder.jpg, not copied
    assert (
        main(["issue", "ttd", "--json", str(folder / "ttd.json"), "--out", str(workdir / "t.pdf")])
        == 1
    )
    assert "photo" in capsys.readouterr().err
    args = ["issue", "legalization", "--json", str(EXAMPLES / "legalization.json")]
    args += ["--document", str(workdir / "nothing.pdf"), "--out", str(workdir / "l.pdf")]
    assert main(args) == 1
    assert "document" in capsys.readouterr().err


def test_hostile_underlying_is_refused(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = workdir / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really a PDF\n")
    args = ["issue", "legalization", "--json", str(EXAMPLES / "legalization.json")]
    args += ["--document", str(bad), "--out", str(workdir / "l.pdf")]
    assert main(args) == 1
    assert capsys.readouterr().err.startswith("legalize: ")
    assert not (workdir / "l.pdf").exists()
