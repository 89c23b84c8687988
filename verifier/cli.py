"""The ``verifier`` console script: a contract other tools call exactly so.

    verifier seal (--text STRING | --hex HEX | --file PATH) [--trust-store DIR] [--at DATE] [--json]
                  [--lang {en,si,ta}] [--photo-out FILE]
    verifier pdf FILE [--trust-store DIR] [--at DATE] [--json] [--lang {en,si,ta}]
    verifier image FILE [--trust-store DIR] [--at DATE] [--json] [--lang {en,si,ta}]
                   [--annotate OUT.png] [--debug DIR]
    verifier trust sync URL [--root-sha256 HEX | --root FILE] [--into DIR] [--allow-stale]

Exit status: 0 when the verdict is VALID, 1 otherwise, 2 for a usage error. ``trust sync``:
0 when the store was updated, 1 when it was not (nothing changed), 2 for a usage error.

The trust store: ``--trust-store DIR``; without it, the one ``verifier trust sync`` keeps in
the user's data folder (:func:`verifier.trustsync.default_folder`); without that, a
development checkout's ``keys/dev/trust`` under the current folder.
"""

from __future__ import annotations

import argparse
import base64
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from legalize.console import run_console
from verifier.messages import LANGUAGES, localize
from verifier.report import Report

DEV_TRUST_STORE = Path("keys/dev/trust")
"""The last resort, for a development checkout (``make run`` writes it)."""
USAGE_ERROR = 2


class UsageError(Exception):
    pass


def _date(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    # Noon UTC: the same calendar day in every time zone a border post is likely to be in.
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="verifier", description="Verify seals and documents.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--trust-store",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of trusted certificates and CRLs (default: the one `verifier trust sync` "
        f"keeps, else {DEV_TRUST_STORE})",
    )
    common.add_argument(
        "--at",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="validation date (default: now)",
    )
    common.add_argument("--json", action="store_true", help="print the report as JSON")
    common.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="en",
        help="language of the messages: en, si (Sinhala) or ta (Tamil) (default: en)",
    )

    seal = sub.add_parser("seal", parents=[common], help="verify a seal (QR text, IDB or bytes)")
    source = seal.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the QR text as scanned (URL prefix optional) or RDB1…")
    source.add_argument("--hex", help="the raw bytes of a binary VDS, in hex")
    source.add_argument("--file", type=Path, help="a file holding the text or the raw bytes")
    seal.add_argument(
        "--photo-out",
        type=Path,
        metavar="FILE",
        help="write the face image the seal carries (JPEG or JPEG 2000, as carried) to FILE",
    )
    seal.set_defaults(handler=_seal)

    pdf = sub.add_parser("pdf", parents=[common], help="verify a signed PDF document")
    pdf.add_argument("file", type=Path, metavar="FILE")
    pdf.set_defaults(handler=_pdf)

    image = sub.add_parser(
        "image",
        parents=[common],
        help="verify a photo or scan of a printed document (JPEG, PNG, HEIC, WebP, TIFF, PDF)",
    )
    image.add_argument("file", type=Path, metavar="FILE")
    image.add_argument(
        "--annotate",
        type=Path,
        metavar="OUT.png",
        help="write the rectified page with every checked region outlined and labelled",
    )
    image.add_argument(
        "--debug", type=Path, metavar="DIR", help="write every intermediate image into DIR"
    )
    image.set_defaults(handler=_image)

    trust = sub.add_parser("trust", help="keep the trust store up to date")
    trust_sub = trust.add_subparsers(dest="trust_command", required=True, metavar="SUBCOMMAND")
    sync = trust_sub.add_parser(
        "sync",
        help="fetch the published trust store (the web check's /trust/), check its signature "
        "and freshness, and store it as the default trust store",
    )
    sync.add_argument("url", metavar="URL", help="e.g. https://check.example.lk/trust/")
    pin = sync.add_mutually_exclusive_group()
    pin.add_argument(
        "--root-sha256",
        metavar="HEX",
        help="SHA-256 of the root certificate you trust (needed on the first sync)",
    )
    pin.add_argument("--root", type=Path, metavar="FILE", help="the root certificate you trust")
    sync.add_argument(
        "--into",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to keep it (default: the user data folder)",
    )
    sync.add_argument(
        "--allow-stale", action="store_true", help="store a list whose next update has passed"
    )
    sync.set_defaults(handler=_trust_sync)
    return parser


def _trust_sync(args: argparse.Namespace) -> int:
    from verifier import trustsync

    target: Path = args.into if args.into is not None else trustsync.default_folder()
    try:
        pin = trustsync.read_root(args.root) if args.root is not None else args.root_sha256
        result = trustsync.sync(
            args.url, target, datetime.now(UTC), pin_sha256=pin, allow_stale=args.allow_stale
        )
    except trustsync.SyncError as exc:
        print(f"verifier: trust sync failed, nothing changed: {exc}", file=sys.stderr)
        return 1
    print(
        f"trust store {result.folder}: {len(result.files)} files, root {result.root_sha256}, "
        f"issued {result.issued_at.isoformat()}, next update {result.next_update.isoformat()}"
    )
    return 0


def _trust(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from legalize.pki.trust import TrustStore, TrustStoreError

    path = args.trust_store
    if path is None:
        from verifier.trustsync import default_folder

        synced = default_folder()
        path = synced if synced.is_dir() else DEV_TRUST_STORE
        if not path.is_dir():
            raise UsageError(
                f"no trust store: run `verifier trust sync URL` (it keeps one in {synced}) "
                "or pass --trust-store DIR"
            )
    if not path.is_dir():
        raise UsageError(f"trust store not found: {path}")
    try:
        return TrustStore.load(path)
    except TrustStoreError as exc:
        raise UsageError(f"trust store unusable: {exc}") from None


MAX_SEAL_FILE = 1024 * 1024
"""Bytes read from a seal file: four times the longest seal text (UTF-8), far above any
binary VDS."""


def _read(path: Path, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes: enough for the verifier to refuse a larger file, while a
    device or an endless pipe (``/dev/zero``) is never read into memory."""
    try:
        with path.open("rb") as file:
            return file.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _seal(args: argparse.Namespace) -> Report:
    from verifier.seal import verify_seal

    data: bytes | str
    if args.text is not None:
        data = args.text
    elif args.hex is not None:
        try:
            data = bytes.fromhex("".join(args.hex.split()))
        except ValueError:
            raise UsageError("--hex is not hexadecimal") from None
    else:
        data = _read(args.file, MAX_SEAL_FILE)
    if args.photo_out is not None and not args.photo_out.parent.is_dir():
        raise UsageError(f"folder not found for --photo-out: {args.photo_out.parent}")
    report = verify_seal(data, _trust(args), at=args.at or datetime.now(UTC))
    if args.photo_out is not None:
        _write_photo(report, args.photo_out)
    return report


def _write_photo(report: Report, path: Path) -> None:
    """Write the seal's face image as carried. Whatever the verdict: the officer compares the
    face with the holder, and the report says whether the seal that carried it is genuine."""
    image = report.data.get("face_image")
    if not isinstance(image, dict) or not isinstance(image.get("base64"), str):
        print("verifier: the seal carries no face image; nothing written", file=sys.stderr)
        return
    try:
        path.write_bytes(base64.b64decode(image["base64"]))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def _pdf(args: argparse.Namespace) -> Report:
    from verifier.pdf import MAX_PDF_BYTES, verify_pdf

    return verify_pdf(
        _read(args.file, MAX_PDF_BYTES), _trust(args), at=args.at or datetime.now(UTC)
    )


def _image(args: argparse.Namespace) -> Report:
    from legalize.imaging.decode import CAPTURE_LIMITS
    from verifier.image import Debug, annotated_png, verify_image

    if args.annotate is not None and not args.annotate.parent.is_dir():
        raise UsageError(f"folder not found for --annotate: {args.annotate.parent}")
    data = _read(args.file, CAPTURE_LIMITS.max_bytes)
    trust = _trust(args)
    try:
        debug = Debug(args.debug)
    except OSError as exc:
        raise UsageError(f"cannot write --debug folder {args.debug}: {exc.strerror}") from None
    result = verify_image(data, trust, at=args.at or datetime.now(UTC), debug=debug)
    if args.annotate is not None:
        if result.page is None:
            print("verifier: the page was not located; no annotated picture", file=sys.stderr)
        else:
            try:
                args.annotate.write_bytes(annotated_png(result.report, result.page))
            except OSError as exc:
                raise UsageError(f"cannot write {args.annotate}: {exc.strerror}") from None
    return result.report


def main(argv: Sequence[str] | None = None) -> int:
    return run_console(lambda: _run(argv))


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "trust":
        code: int = args.handler(args)
        return code
    try:
        report: Report = args.handler(args)
    except UsageError as exc:
        print(f"verifier: {exc}", file=sys.stderr)
        return USAGE_ERROR
    if args.lang != "en":
        # English keeps the verifiers' own messages: they can be more specific than the
        # catalog's (e.g. "the PDF is encrypted" against "could not be read as a PDF").
        report = localize(report, args.lang)
    print(report.to_json() if args.json else report.to_text(args.lang))
    return 0 if report.verdict.value == "VALID" else 1


if __name__ == "__main__":
    sys.exit(main())
