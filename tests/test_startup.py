"""Start-up of the console scripts (issue 9): what each command loads, and a closed pipe.

Timings belong to bench/startup.sh; these tests pin the causes instead: the modules a
command imports, read from ``sys.modules`` of a fresh interpreter after the command ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from legalize.cli import main as legalize_main
from legalize.console import BROKEN_PIPE_STATUS

EXAMPLES = Path(__file__).parent.parent / "examples"
HEAVY = ("cv2", "numpy", "aiohttp", "reportlab", "sqlalchemy", "flask", "PIL", "argon2")
"""Libraries no verification of a seal or a PDF and no ``--help`` needs."""
SEAL_UNNEEDED = (
    "asn1crypto",
    "tomllib",
    "importlib.resources",
    "cryptography.hazmat.primitives.serialization",
    "verifier.messages.si",
    "verifier.messages.ta",
)
"""What ``verifier seal`` (in English) did import before issue 9 and does without: its keys,
signatures and document types are read by legalize.pki.der, the profile catalog from its
compiled JSON, certificate bytes without the SSH-key code, no other language's messages."""


def _after(code: str, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``code`` (which sets ``status``) in a fresh interpreter; its status and the
    top-level packages and legalize modules then imported."""
    probe = (
        f"{code}\n"
        "import json, sys\n"
        "print(json.dumps({'status': status, 'modules': sorted(sys.modules)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def _loaded(result: dict[str, object], names: tuple[str, ...]) -> list[str]:
    modules = result["modules"]
    assert isinstance(modules, list)
    return [n for n in names if any(m == n or m.startswith(f"{n}.") for m in modules)]


@pytest.fixture(scope="module")
def issued(dev_pki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """A TTD issued today through the CLI: its PDF, its QR text in a file, its environment."""
    folder = tmp_path_factory.mktemp("startup")
    today = datetime.now(UTC).date()
    request = json.loads((EXAMPLES / "ttd.json").read_text())
    request.update(
        photo=str(EXAMPLES / "holder.jpg"),
        issue_date=today.isoformat(),
        expiry_date=(today + timedelta(days=30)).isoformat(),
    )
    (folder / "ttd.json").write_text(json.dumps(request))
    env = {
        "LEGALIZE_KEYS_DIR": str(dev_pki.dir),
        "LEGALIZE_KEY_PASSPHRASE": dev_pki.passphrase,
        "DATABASE_URL": f"sqlite:///{folder / 'register.sqlite3'}",
    }
    pdf = folder / "ttd.pdf"
    argv = ["issue", "ttd", "--json", str(folder / "ttd.json"), "--out", str(pdf)]
    out = subprocess.run(
        [sys.executable, "-m", "legalize.cli", *argv, "--number", "T26000001"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=True,
    ).stdout
    (folder / "seal.txt").write_text(json.loads(out)["qr_text"])
    return {"pdf": pdf, "seal": folder / "seal.txt", "trust": dev_pki.trust_dir, "dir": folder}


def test_verifier_seal_loads_no_image_pdf_or_network_code(issued: dict[str, Path]) -> None:
    result = _after(
        "from verifier.cli import main\n"
        f"status = main(['seal', '--file', {str(issued['seal'])!r},"
        f" '--trust-store', {str(issued['trust'])!r}])"
    )
    assert result["status"] == 0  # the seal verified: the imports below were enough
    assert _loaded(result, (*HEAVY, "pyhanko", "legalize.pki.authority")) == []
    assert _loaded(result, SEAL_UNNEEDED) == []


def test_verifier_seal_in_another_language_loads_that_catalog_only(
    issued: dict[str, Path],
) -> None:
    result = _after(
        "from verifier.cli import main\n"
        f"status = main(['seal', '--file', {str(issued['seal'])!r},"
        f" '--trust-store', {str(issued['trust'])!r}, '--lang', 'ta'])"
    )
    assert result["status"] == 0
    assert _loaded(result, ("verifier.messages.ta", "verifier.messages.si")) == [
        "verifier.messages.ta"
    ]


def test_verifier_pdf_loads_pyhankos_validation_only(issued: dict[str, Path]) -> None:
    result = _after(
        "from verifier.cli import main\n"
        f"status = main(['pdf', {str(issued['pdf'])!r},"
        f" '--trust-store', {str(issued['trust'])!r}])"
    )
    assert result["status"] == 0  # VALID through the deferred pyhanko.sign package
    assert _loaded(result, (*HEAVY, "pyhanko.sign.signers", "pyhanko.sign.timestamps")) == []
    assert _loaded(result, ("pyhanko.sign.validation",)) == ["pyhanko.sign.validation"]


def test_deferred_pyhanko_sign_still_answers_its_names() -> None:
    """A process that verified and then signs (a web worker) gets pyHanko's own package."""
    result = _after(
        "import sys\n"
        "import verifier.pdf\n"
        "import pyhanko.sign.validation\n"
        "before = 'aiohttp' in sys.modules\n"
        "from pyhanko.sign import PdfSigner\n"
        "from pyhanko.sign.signers import PdfSigner as Signers\n"
        "status = [before, PdfSigner is Signers, 'aiohttp' in sys.modules]"
    )
    assert result["status"] == [False, True, True]


def test_legalize_help_imports_no_command_group() -> None:
    result = _after(
        "from legalize.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
    )
    assert result["status"] == 0
    assert _loaded(result, (*HEAVY, "cryptography", "legalize.commands.keys")) == []


def test_legalize_issue_ttd_loads_no_workflow_web_or_database(issued: dict[str, Path]) -> None:
    pdf = issued["dir"] / "again.pdf"
    env = {
        "LEGALIZE_KEYS_DIR": str(issued["trust"].parent),
        "LEGALIZE_KEY_PASSPHRASE": "legalize-dev-only",
        "DATABASE_URL": f"sqlite:///{issued['dir'] / 'unused.sqlite3'}",
    }
    result = _after(
        "from legalize.cli import main\n"
        f"status = main(['issue', 'ttd', '--json', {str(issued['dir'] / 'ttd.json')!r},"
        f" '--out', {str(pdf)!r}, '--number', 'T26000002'])",
        env,
    )
    assert result["status"] == 0 and pdf.exists()
    # (OpenCV stays: the photo hash in the seal is computed from the normalised picture.)
    unwanted = ("flask", "sqlalchemy", "argon2", "legalize.cases", "legalize.web")
    assert _loaded(result, unwanted) == []


def test_every_group_still_registers(capsys: pytest.CaptureFixture[str]) -> None:
    """Loading groups on demand keeps each group's own help and sub-commands."""
    for group, sub_command in (("issue", "batch"), ("keys", "rollover"), ("users", "add")):
        with pytest.raises(SystemExit) as exit_:
            legalize_main([group, "--help"])
        assert exit_.value.code == 0
        assert sub_command in capsys.readouterr().out
    with pytest.raises(SystemExit):
        legalize_main(["--help"])
    listing = capsys.readouterr().out
    assert all(name in listing for name in ("keys", "trust", "registry", "audit", "dev"))


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "argv",
    [
        ["verifier.cli", "seal", "--file", "{seal}", "--trust-store", "{trust}", "--json"],
        ["verifier.cli", "pdf", "{pdf}", "--trust-store", "{trust}"],
        ["verifier.cli", "--help"],
        ["legalize.cli", "--help"],
        ["legalize.cli", "keys", "--help"],
    ],
    ids=["verifier-seal", "verifier-pdf", "verifier-help", "legalize-help", "legalize-keys"],
)
def test_closed_pipe_ends_quietly(argv: list[str], buffered: bool, issued: dict[str, Path]) -> None:
    """``… | head``: the reader is gone before the output is written (its end of the pipe is
    closed before the process starts, so the race is always lost). No traceback, and the
    status a shell gives a program that SIGPIPE ended (as ``yes | head``)."""
    words = [w.format(**{k: str(v) for k, v in issued.items()}) for w in argv]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-m", *words],
            stdout=writer,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        os.close(writer)
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    if "--help" in words and not buffered:
        # argparse writes its help itself and ignores a failed write: a quiet success.
        assert done.returncode == 0, stderr
    else:
        assert done.returncode == BROKEN_PIPE_STATUS, stderr
