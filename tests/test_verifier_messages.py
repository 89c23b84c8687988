"""The message catalogs (verifier.messages): complete for every code the verifiers can emit,
in the right script, with matching placeholders; localize() and `verifier --lang`."""

from __future__ import annotations

import ast
import json
import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest

from legalize.documents.pades import sign_pdf
from legalize.pki.trust import SIGNER_CODES, TrustStore
from legalize.seal.errors import SealError
from tests.helpers.pdf_attacks import ATTACKS, make_pki, simple_pdf
from verifier.cli import main
from verifier.codes import REGISTER_CODES, Code
from verifier.messages import (
    LANGUAGES,
    SEPARATOR,
    catalog,
    localize,
    message_for,
    placeholders,
)
from verifier.pdf import verify_pdf
from verifier.report import Category, Check, Report, Status, Verdict
from verifier.seal import verify_seal

ROOT = Path(__file__).resolve().parent.parent
VECTORS = Path(__file__).parent / "vectors"
SOURCES = (
    *sorted((ROOT / "verifier").rglob("*.py")),
    ROOT / "legalize" / "cases" / "paper.py",
    ROOT / "legalize" / "cases" / "check.py",
)
"""Where check names are written (the verifiers, and the register's checks: of a seal, of a
photographed paper)."""

SCRIPTS = {"si": (0x0D80, 0x0DFF), "ta": (0x0B80, 0x0BFF)}
"""Unicode blocks: Sinhala, Tamil."""
LATIN_ALLOWED = {"PDF", "QR", "JPEG", "PNG", "HEIC"}
"""Latin words a translation may keep: names of file formats and of the QR code."""

# --- the registry ------------------------------------------------------------------------------

EMITTED = frozenset(Code)
"""Every reason code a report can carry: the registry, verifier.codes."""

CHECK_NAMES = frozenset(
    value
    for path in SOURCES
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    if isinstance(node, ast.Constant) and isinstance(node.value, str)
    for value in [node.value]
    if re.fullmatch(r"(seal|pdf|document|image|page|qr|print|register)(\.[a-z_]+)+", value)
)
"""Check names as the verifiers spell them (``seal.signature``, ``pdf.coverage``, …)."""


def _subclasses(cls: type) -> list[type]:
    return [cls, *(sub for direct in cls.__subclasses__() for sub in _subclasses(direct))]


def test_codes_born_below_the_verifier_are_registered() -> None:
    # pki and seal cannot import verifier.codes; their values must still be members
    seal_codes = {cls.code for cls in _subclasses(SealError)}
    assert {"SEAL_UNREADABLE", "SEAL_MALFORMED", "SEAL_UNSUPPORTED"} <= seal_codes
    assert seal_codes <= EMITTED
    assert {"OK", "SIGNER_REVOKED"} <= SIGNER_CODES <= EMITTED


def test_codes_are_stable_strings() -> None:
    for code in Code:
        assert code == code.name and re.fullmatch(r"[A-Z][A-Z0-9_]*", code), code
    assert json.dumps({"code": Code.PDF_NOT_SIGNED}) == '{"code": "PDF_NOT_SIGNED"}'
    assert f"{Code.OK}" == "OK"
    assert not EMITTED & {"TTD", "LEG", "VALID", "INVALID"}  # doc types and statuses aren't codes


@pytest.mark.parametrize("value", ["NO_SUCH_CODE", "ok", ""])
def test_an_unregistered_code_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        Code(value)


def test_a_signer_code_becomes_the_pdf_signers() -> None:
    assert Code.SIGNER_REVOKED.pdf_signer is Code.PDF_SIGNER_REVOKED
    assert Code.SIGNER_NOT_ALLOWED.pdf_signer is Code.PDF_SIGNER_NOT_ALLOWED
    assert Code.OK.pdf_signer is Code.PDF_SIGNER_UNKNOWN
    for code in SIGNER_CODES - {"OK"}:
        assert Code(code).pdf_signer == "PDF_" + code


def test_the_check_names_are_found() -> None:
    assert {"seal.signature", "seal.trust", "document.validity", "pdf.coverage"} <= CHECK_NAMES


# --- the catalogs ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_emitted_code_has_a_message(lang: str) -> None:
    missing = sorted(code for code in EMITTED if code not in catalog(lang))
    assert not missing, f"{lang}: no message for {missing}"


def test_languages() -> None:
    assert LANGUAGES == ("en", "si", "ta")


@pytest.mark.parametrize("lang", ["si", "ta"])
def test_translations_have_exactly_the_english_keys(lang: str) -> None:
    assert set(catalog(lang)) == set(catalog("en"))


def test_catalog_keys_name_real_codes_and_checks() -> None:
    for key in catalog("en"):
        code, _, check = key.partition(SEPARATOR)
        assert code in EMITTED, key
        assert not check or check in CHECK_NAMES, key
    assert REGISTER_CODES <= EMITTED


@pytest.mark.parametrize("lang", LANGUAGES)
def test_templates_are_well_formed(lang: str) -> None:
    for key, templates in catalog(lang).items():
        assert templates, key
        assert not placeholders(templates[-1]), f"{lang} {key}: the last template needs no data"
        for template in templates:
            assert template.strip() == template and template, (lang, key)
            for _, name, spec, conversion in string.Formatter().parse(template):
                if name is not None:
                    assert name.isidentifier() and not spec and conversion is None, (lang, key)


@pytest.mark.parametrize("lang", ["si", "ta"])
def test_placeholders_match_the_english(lang: str) -> None:
    english = catalog("en")
    for key, templates in catalog(lang).items():
        assert len(templates) == len(english[key]), (lang, key)
        for mine, theirs in zip(templates, english[key], strict=True):
            assert placeholders(mine) == placeholders(theirs), (lang, key, mine)


def _in_block(text: str, block: tuple[int, int]) -> int:
    return sum(block[0] <= ord(ch) <= block[1] for ch in text)


@pytest.mark.parametrize("lang", ["si", "ta"])
def test_translations_are_in_their_script(lang: str) -> None:
    other = next(block for code, block in SCRIPTS.items() if code != lang)
    english = catalog("en")
    for key, templates in catalog(lang).items():
        for template, source in zip(templates, english[key], strict=True):
            assert template != source, (lang, key)
            assert _in_block(template, SCRIPTS[lang]) >= 3, (lang, key, template)
            assert _in_block(template, other) == 0, (lang, key, template)
            bare = re.sub(r"\{[a-z_]+\}", "", template)
            latin = set(re.findall(r"[A-Za-z]+", bare)) - LATIN_ALLOWED
            assert not latin, f"{lang} {key}: English left in the translation: {latin}"


# --- message_for and localize ------------------------------------------------------------------


def _check(
    code: str, name: str = "x.check", status: Status = Status.INVALID, **data: object
) -> Check:
    return Check(name, Category.STATUS, status, code, f"own message for {code}", data)


def test_placeholders_are_filled_from_the_data() -> None:
    expired = _check("DOCUMENT_EXPIRED", "document.validity", expiry_date="2026-01-31")
    assert message_for(expired, "en") == "The document expired on 2026-01-31."
    assert "2026-01-31" in message_for(expired, "si")
    assert "2026-01-31" in message_for(expired, "ta")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("data", [{}, {"expiry_date": None}, {"expiry_date": ""}])
def test_missing_data_falls_back_to_the_plain_message(lang: str, data: dict[str, object]) -> None:
    check = Check(
        "document.validity", Category.STATUS, Status.INVALID, "DOCUMENT_EXPIRED", "m", data
    )
    assert message_for(check, lang) == catalog(lang)["DOCUMENT_EXPIRED"][-1]


def test_times_and_dates_read_as_such() -> None:
    revoked = _check("SIGNER_REVOKED", "seal.trust", revocation_date="2026-03-01T10:00:00+00:00")
    assert message_for(revoked, "en").endswith("was revoked on 2026-03-01.")
    trusted = _check("OK", "pdf.signer", Status.VALID, validated_at="2026-11-24T17:30:00+05:30")
    assert (
        message_for(trusted, "en") == "The document's signer was trusted at 2026-11-24 12:00 UTC."
    )
    mismatch = _check("PDF_NUMBER_MISMATCH", "pdf.number", seal="T00000001", pdf=None)
    assert message_for(mismatch, "en") == catalog("en")["PDF_NUMBER_MISMATCH"][-1]


def test_the_most_specific_entry_wins() -> None:
    assert message_for(_check("OK", "seal.signature", Status.VALID), "en") == (
        "The seal's signature is valid."
    )
    assert message_for(_check("OK", "some.new.check", Status.VALID), "en") == "The check passed."
    # In a PDF report the seal's checks are prefixed "seal.": they share the seal's entries.
    inside_pdf = _check("OK", "seal.document.validity", Status.VALID, expiry_date="2027-01-01")
    assert message_for(inside_pdf, "en") == "The document is valid until 2027-01-01."


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unknown_code_keeps_its_own_message(lang: str) -> None:
    check = _check("NO_SUCH_CODE_YET")
    assert message_for(check, lang) == "own message for NO_SUCH_CODE_YET"
    assert localize(Report.of([check]), lang).checks[0].message == check.message


@pytest.mark.parametrize("lang", ["fr", "", "EN", "sinhala"])
def test_unknown_language_is_refused(lang: str) -> None:
    with pytest.raises(ValueError, match="no message catalog"):
        localize(Report.of([_check("OK", status=Status.VALID)]), lang)


@pytest.fixture(scope="module")
def vectors() -> list[tuple[str, Report]]:
    """The published conformance vectors' reports: every code a real seal report carries."""
    manifest = json.loads((VECTORS / "manifest.json").read_text())
    store = TrustStore.load(VECTORS / manifest["trust_store"])
    reports = []
    for vector in manifest["vectors"]:
        data = bytes.fromhex(vector["value"]) if vector["input"] == "hex" else vector["value"]
        at = datetime.fromisoformat(vector["at"]).replace(hour=12, tzinfo=UTC)
        reports.append((vector["name"], verify_seal(data, store, at)))
    return reports


@pytest.mark.parametrize("lang", LANGUAGES)
def test_localize_changes_only_the_messages(lang: str, vectors: list[tuple[str, Report]]) -> None:
    for name, report in vectors:
        local = localize(report, lang)
        assert local.verdict is report.verdict, name
        assert local.data == report.data, name
        assert len(local.checks) == len(report.checks)
        for before, after in zip(report.checks, local.checks, strict=True):
            assert (after.name, after.category, after.status, after.code, after.data) == (
                before.name,
                before.category,
                before.status,
                before.code,
                before.data,
            ), name
            assert after.code in catalog(lang), (name, after.code)
            if lang in SCRIPTS:
                assert _in_block(after.message, SCRIPTS[lang]) >= 3, (name, after.message)


def test_localize_leaves_the_original_alone() -> None:
    report = Report.of([_check("SEAL_UNREADABLE", "seal.format")])
    localize(report, "si")
    assert report.checks[0].message == "own message for SEAL_UNREADABLE"


def test_a_real_unreadable_seal_in_sinhala_and_tamil() -> None:
    report = verify_seal("NOT A SEAL", TrustStore([]), datetime(2026, 2, 1, 12, tzinfo=UTC))
    assert report.verdict is Verdict.INVALID
    for lang in ("si", "ta"):
        local = localize(report, lang)
        assert local.checks[0].message == catalog(lang)["SEAL_UNREADABLE"][0]
        skipped = {c.name: c.message for c in local.checks[1:]}
        assert (
            skipped.pop("document.validity")
            == (catalog(lang)["PRECONDITION_FAILED/document.validity"][0])
        )
        assert set(skipped.values()) == {catalog(lang)["PRECONDITION_FAILED"][0]}


@pytest.fixture(scope="module")
def pdf_reports() -> list[tuple[str, Report]]:
    """A genuine signed PDF and every known attack on it: the codes a real PDF report carries."""
    at = datetime(2026, 1, 15, 12, tzinfo=UTC)
    pki = make_pki(at)
    genuine = sign_pdf(simple_pdf(), pki.signer, at, chain=[pki.root]).pdf
    trust = TrustStore([pki.root])
    reports = [("genuine", verify_pdf(genuine, trust, at))]
    reports += [(name, verify_pdf(attack(genuine), trust, at)) for name, attack in ATTACKS.items()]
    return reports


@pytest.mark.parametrize("lang", LANGUAGES)
def test_real_pdf_reports_are_fully_translated(
    lang: str, pdf_reports: list[tuple[str, Report]]
) -> None:
    codes = {c.code for _, r in pdf_reports for c in r.checks}
    assert {"OK", "PDF_MODIFIED_AFTER_SIGNING", "PDF_SEAL_MISSING"} <= codes
    for name, report in pdf_reports:
        for check in localize(report, lang).checks:
            assert check.code in catalog(lang), (name, check.code)
            if lang in SCRIPTS:
                assert _in_block(check.message, SCRIPTS[lang]) >= 3, (name, check.message)


# --- the CLI --------------------------------------------------------------------------------


def _first_vector() -> dict[str, str]:
    manifest = json.loads((VECTORS / "manifest.json").read_text())
    first: dict[str, str] = manifest["vectors"][0]
    return first


def test_cli_seal_lang_si_prints_sinhala(capsys: pytest.CaptureFixture[str]) -> None:
    vector = _first_vector()
    argv = [
        "seal",
        f"--{vector['input']}",
        vector["value"],
        "--trust-store",
        str(VECTORS / "trust"),
        "--at",
        vector["at"],
    ]
    assert main([*argv, "--lang", "si"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("verdict: VALID")
    assert catalog("si")["OK/seal.signature"][0] in out
    assert _in_block(out, SCRIPTS["si"]) > 50
    assert main(argv) == 0  # default: English, the verifiers' own (more specific) messages
    english = capsys.readouterr().out
    assert "The signature verifies." in english
    assert _in_block(english, SCRIPTS["si"]) == 0


def test_cli_json_lang_ta_keeps_the_shape(capsys: pytest.CaptureFixture[str]) -> None:
    vector = _first_vector()
    argv = [
        "seal",
        f"--{vector['input']}",
        vector["value"],
        "--trust-store",
        str(VECTORS / "trust"),
    ]
    argv += ["--at", vector["at"], "--json"]
    assert main(argv) == 0
    english = json.loads(capsys.readouterr().out)
    assert main([*argv, "--lang", "ta"]) == 0
    tamil = json.loads(capsys.readouterr().out)
    assert set(tamil) == set(english)
    assert tamil["verdict"] == english["verdict"] == "VALID"
    assert tamil["data"] == english["data"]
    for en_check, ta_check in zip(english["checks"], tamil["checks"], strict=True):
        assert set(ta_check) == set(en_check)
        assert {k: v for k, v in ta_check.items() if k != "message"} == {
            k: v for k, v in en_check.items() if k != "message"
        }
        assert _in_block(ta_check["message"], SCRIPTS["ta"]) >= 3


def test_cli_pdf_lang_si(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot really a PDF\n%%EOF\n")
    argv = ["pdf", str(broken), "--trust-store", str(VECTORS / "trust"), "--lang", "si"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert catalog("si")["PDF_UNREADABLE"][0] in out
    assert "PDF_UNREADABLE" in out  # the code itself never changes


def test_cli_refuses_an_unknown_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["seal", "--text", "X", "--trust-store", str(VECTORS / "trust"), "--lang", "fr"])
    assert exit_info.value.code == 2
    assert "--lang" in capsys.readouterr().err
