"""``legalize issue ttd|legalization``: produce a sealed, signed PDF from a JSON request.

This is the document-production tool (issue 3): it seals, renders and signs with the signer
the configuration names (key file or HSM). A number not given in the request or with
``--number`` is taken from the register's counter, so it is never handed out twice; the
document itself is recorded in a case only through the workflows (web pages, API,
``legalize issue batch``), which add four eyes and the audit log.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from legalize.commands import CommandError
from legalize.config import Config
from legalize.kinds import DocumentType

_PROVISIONAL_NUMBER = "T00000000"
"""Stands in for the number while a request is validated, before the register gives one."""


def register(sub: Any) -> None:
    issue: argparse.ArgumentParser = sub.add_parser("issue", help="issue documents")
    issue_sub = issue.add_subparsers(dest="issue_command", required=True, metavar="SUBCOMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", type=Path, required=True, metavar="FILE", help="the request")
    common.add_argument("--out", type=Path, required=True, metavar="PDF", help="where to write")
    common.add_argument("--number", help="document number (default: the register's next)")
    common.add_argument("--check-code", help="check code (default: a new random one)")
    common.add_argument("--at", help="issuing time, ISO 8601 (default: now)")

    ttd = issue_sub.add_parser(
        "ttd", parents=[common], help="a temporary travel document (photo named in the JSON)"
    )
    ttd.set_defaults(handler=run_ttd)

    leg = issue_sub.add_parser(
        "legalization", parents=[common], help="a legalization of an underlying document"
    )
    leg.add_argument(
        "--document",
        type=Path,
        required=True,
        metavar="FILE",
        help="the underlying document: PDF, JPEG or PNG",
    )
    leg.add_argument(
        "--document-country",
        metavar="CODE",
        help="ICAO code of the state the document comes from (default: ours)",
    )
    leg.set_defaults(handler=run_legalization)


def _at(args: argparse.Namespace) -> datetime:
    if not args.at:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(args.at)
    except ValueError:
        raise CommandError(f"--at is not an ISO 8601 time: {args.at!r}", 2) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _request(path: Path) -> dict[str, Any]:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path} is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise CommandError(f"{path}: the request must be a JSON object")
    return obj


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {what} {path}: {exc.strerror}") from None


def _number(config: Config, kind: str, at: datetime) -> str:
    """The register's next number of ``kind`` (a gap-tolerant counter, never repeated), its
    reservation on record in the audit log (legalize.registry.numbers)."""
    from legalize.registry.counters import next_document_number
    from legalize.registry.db import make_engine, make_session_factory, upgrade

    engine = make_engine(config.database_url)
    try:
        upgrade(engine)
        with make_session_factory(engine)() as session, session.begin():
            doc_type = DocumentType(kind)
            number = next_document_number(session, doc_type, at)
            _audit(session, "document.number_taken", number, at, type=doc_type.value)
            return number
    finally:
        engine.dispose()


def _audit(session: Any, action: str, number: str, at: datetime, **details: Any) -> None:
    from legalize.registry import audit

    audit.append(
        session,
        actor="system:cli",
        action=action,
        subject_type="number",
        subject_id=number,
        at=at,
        details={"number": number, "tool": "legalize issue", **details},
    )


def _fate(config: Config, action: str, number: str, at: datetime, **details: Any) -> None:
    """The end of a number this command took: produced (outside any case) or failed (the
    action names of legalize.registry.numbers, not imported: the CLI starts light)."""
    from legalize.registry.db import make_engine, make_session_factory

    engine = make_engine(config.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            _audit(session, action, number, at, **details)
    finally:
        engine.dispose()


def _signing(config: Config, kind: str, at: datetime) -> tuple[Any, list[Any]]:
    from cryptography.x509 import load_pem_x509_certificate

    from legalize.pki.authority import ROOT_CERT
    from legalize.pki.errors import PkiError
    from legalize.signers import load_signer

    try:
        signer = load_signer(config, DocumentType(kind).cert_code, at)
        root = load_pem_x509_certificate((config.keys_dir / ROOT_CERT).read_bytes())
    except PkiError as exc:
        raise CommandError(f"no signer: {exc}") from None
    except (OSError, ValueError) as exc:
        raise CommandError(
            f"cannot read the root certificate in {config.keys_dir}: {exc}"
        ) from None
    return signer, [root]


def _document_country(value: str) -> str:
    from legalize import countries

    try:
        return countries.normalize(value)
    except countries.UnknownCountry as exc:
        raise CommandError(f"--document-country: {exc}", 2) from None


def _write(path: Path, doc: Any) -> int:
    try:
        path.write_bytes(doc.pdf)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}") from None
    print(
        json.dumps(
            {
                "number": doc.number,
                "sha256": doc.sha256,
                "level": doc.level,
                "seal_bytes": len(doc.seal),
                "qr_text": doc.seal_text,
                "out": str(path),
            },
            indent=2,
        )
    )
    if doc.timestamp_error:
        print(f"legalize: no timestamp ({doc.timestamp_error}); level {doc.level}", file=sys.stderr)
    return 0


def run_ttd(args: argparse.Namespace) -> int:
    from legalize.documents.errors import DocumentError
    from legalize.documents.issue import issue_ttd
    from legalize.documents.schema import ttd_from_json, ttd_photo_path
    from legalize.seal.checkcode import new_check_code
    from legalize.seal.profiles import ProfileError

    config = Config.from_env()
    at = _at(args)
    obj = _request(args.json)
    try:
        ttd_from_json(obj, _PROVISIONAL_NUMBER, "-")  # the whole request, before a number is taken
        photo = _read(ttd_photo_path(obj, args.json.parent), "the photo")
        given = args.number or obj.get("document_number")
        number = given or _number(config, "ttd", at)
    except (DocumentError, ProfileError) as exc:
        raise CommandError(f"{args.json}: {exc}") from None

    def produce() -> Any:
        data = ttd_from_json(
            obj, number, args.check_code or obj.get("check_code") or new_check_code()
        )
        signer, chain = _signing(config, "ttd", at)
        return issue_ttd(
            data, photo, signer, at, check_url=config.check_url, chain=chain, tsa_url=config.tsa_url
        )

    return _produce(config, args, number, given is None, at, produce)


def _produce(
    config: Config,
    args: argparse.Namespace,
    number: str,
    taken: bool,
    at: datetime,
    produce: Any,
) -> int:
    """Produce and write the document; when this command took ``number`` from the register,
    record its end (produced, with the PDF's SHA-256, or failed) in the audit log."""
    from legalize.documents.errors import DocumentError
    from legalize.seal.profiles import ProfileError

    try:
        doc = produce()
        status = _write(args.out, doc)
    except BaseException as exc:
        if taken:
            _fate(config, "document.issue_failed", number, at, error=type(exc).__name__)
        if isinstance(exc, DocumentError | ProfileError):
            raise CommandError(f"{args.json}: {exc}") from None
        raise
    if taken:
        _fate(config, "document.produced", number, at, pdf_sha256=doc.sha256)
    return status


def run_legalization(args: argparse.Namespace) -> int:
    from legalize.documents.errors import DocumentError
    from legalize.documents.issue import issue_legalization
    from legalize.documents.sanitize import sanitize_underlying
    from legalize.documents.schema import legalization_from_json
    from legalize.seal.checkcode import new_check_code
    from legalize.seal.profiles import ProfileError

    config = Config.from_env()
    at = _at(args)
    obj = _request(args.json)
    try:
        legalization_from_json(obj, _PROVISIONAL_NUMBER, "-", at.date())  # validate first
        underlying = sanitize_underlying(_read(args.document, "the document"), args.document.name)
        given = args.number or obj.get("number")
        number = given or _number(config, "legalization", at)
    except (DocumentError, ProfileError) as exc:
        raise CommandError(f"{args.json}: {exc}") from None

    def produce() -> Any:
        data = legalization_from_json(
            obj, number, args.check_code or obj.get("check_code") or new_check_code(), at.date()
        )
        signer, chain = _signing(config, "legalization", at)
        return issue_legalization(
            data,
            underlying,
            signer,
            at,
            check_url=config.check_url,
            issuing_country=config.issuing_country,
            document_country=_document_country(args.document_country or config.issuing_country),
            chain=chain,
            tsa_url=config.tsa_url,
        )

    return _produce(config, args, number, given is None, at, produce)
