"""The one-way arrows of docs/architecture.md, enforced on the source (beside the
`lint-imports` contracts in pyproject.toml, which check layers and cycles).

Every ``import`` statement of the library packages is read with ``ast`` (no module is run),
and an import that crosses an arrow the wrong way fails the test with the file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN: dict[str, tuple[str, ...]] = {
    # framework-free library code: no Flask, no web layer
    "legalize/seal": (
        "flask",
        "legalize.web",
        "legalize.cases",
        "legalize.registry",
        "legalize.imaging",
        "legalize.documents",
    ),
    "legalize/pki": (
        "flask",
        "legalize.web",
        "legalize.cases",
        "legalize.registry",
        "legalize.documents",
        "legalize.imaging",
    ),
    "legalize/imaging": (
        "flask",
        "legalize.web",
        "legalize.cases",
        "legalize.registry",
        "legalize.documents",
        "legalize.seal",
        "verifier",
    ),
    "legalize/documents": (
        "flask",
        "legalize.web",
        "legalize.cases",
        "legalize.registry",
        "verifier",
    ),
    "legalize/registry": ("flask", "legalize.web"),
    "legalize/cases": ("flask", "legalize.web"),
    # the verifier works offline, without the service, its rules or its database
    "verifier": (
        "flask",
        "legalize.web",
        "legalize.cases",
        "legalize.registry",
        "legalize.tasks",
        "legalize.commands",
        "legalize.cli",
        "sqlalchemy",
    ),
}
PURE_DOCUMENT_MODULES = ("layout", "guilloche", "mrz", "qr", "errors")
"""The modules of legalize.documents the verifier may import: geometry and formats, no
reportlab drawing (DESIGN §2)."""


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # from legalize.documents import ttd
                yield node.lineno, f"{module}.{alias.name}"


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_library_code_imports_only_downstream(folder: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _files(folder)
        for line, module in _imports(path)
        for banned in FORBIDDEN[folder]
        if module == banned or module.startswith(banned + ".")
    ]
    assert not wrong, "\n".join(wrong)


def test_verifier_uses_only_the_pure_document_modules() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _files("verifier")
        for line, module in _imports(path)
        if module.startswith("legalize.documents.")
        and module.split(".")[2] not in PURE_DOCUMENT_MODULES
        # "from legalize.documents.layout import Rect" also yields ...layout.Rect
        and not (len(module.split(".")) > 3 and module.split(".")[2] in PURE_DOCUMENT_MODULES)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_contract_sees_imports() -> None:
    # the scanner itself: a contract that reads no imports would pass vacuously
    found = {m for p in _files("verifier/image") for _, m in _imports(p)}
    assert "legalize.documents.layout" in found
    assert "verifier.report" in found or "verifier.report.Check" in found


def test_pki_does_not_import_seal() -> None:
    # keys and signatures are pki's; the seal formats use them (one-way, not even lazily)
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _files("legalize/pki")
        for line, module in _imports(path)
        if module == "legalize.seal" or module.startswith("legalize.seal.")
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("leaf", ["legalize/kinds.py", "verifier/codes.py"])
def test_the_shared_vocabulary_imports_nothing_of_ours(leaf: str) -> None:
    # every part may import these, so they may import no part (else a cycle waits)
    ours = [
        f"{leaf}:{line} imports {module}"
        for line, module in _imports(ROOT / leaf)
        if module.split(".")[0] in ("legalize", "verifier")
    ]
    assert not ours, "\n".join(ours)
    assert any(module == "enum" for _, module in _imports(ROOT / leaf))  # the scan saw it
