"""``legalize keys``: the dev PKI, signer rollover, revocation, CRLs, listing."""

from __future__ import annotations

import argparse
import contextlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from legalize.commands import CommandError
from legalize.config import Config, ConfigError
from legalize.kinds import CERT_CODES
from legalize.pki.authority import Authority, SignerRecord
from legalize.pki.certificates import key_usage_period
from legalize.pki.devkeys import DEV_MARKER, DEV_PASSPHRASE, TRUST_DIR, init_dev
from legalize.pki.errors import PkiError
from legalize.pki.trust import export_trust_store


def register(sub: Any) -> None:
    keys: argparse.ArgumentParser = sub.add_parser("keys", help="root CA, document signers, CRLs")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="SUBCOMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="keys folder (default: LEGALIZE_KEYS_DIR or keys/dev)",
    )
    common.add_argument(
        "--at",
        type=parse_when,
        default=None,
        metavar="WHEN",
        help="ISO date/time (default: now, UTC)",
    )
    common.add_argument(
        "--root-passphrase-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="passphrase of the root key (default: the signer key passphrase)",
    )

    p = keys_sub.add_parser("init-dev", parents=[common], help="make the DEV ONLY PKI")
    p.set_defaults(handler=init_dev_command)

    p = keys_sub.add_parser("init", parents=[common], help="make a root CA (no signers yet)")
    p.add_argument("--country", default="LK", help="ISO 3166 alpha-2 (default: LK)")
    p.add_argument("--organization", default=None, help="O of the root and signer subjects")
    p.add_argument("--name", default="Document Signing Root CA", help="CN of the root")
    p.add_argument("--curve", default="secp384r1", help="root curve (default: secp384r1)")
    p.set_defaults(handler=init_command)

    p = keys_sub.add_parser("issue", parents=[common], help="issue a signer for a post")
    p.add_argument("--doc-type", required=True, choices=CERT_CODES)
    p.add_argument("--code", default=None, help="2 characters after the country in the signer id")
    p.add_argument("--post", default="Headquarters", help="issuing post (subject OU)")
    p.add_argument("--curve", default="secp256r1", help="signer curve (default: secp256r1)")
    p.set_defaults(handler=issue_command)

    p = keys_sub.add_parser("list", parents=[common], help="list signer certificates")
    p.set_defaults(handler=list_command)

    p = keys_sub.add_parser("revoke", parents=[common], help="revoke a signer certificate")
    p.add_argument("serial", metavar="SERIAL", help="certificate serial (reference) in hex")
    p.add_argument(
        "--reason",
        required=True,
        help="keyCompromise, superseded, cessationOfOperation, affiliationChanged, "
        "privilegeWithdrawn, cACompromise or unspecified",
    )
    p.set_defaults(handler=revoke_command)

    p = keys_sub.add_parser("rollover", parents=[common], help="issue a successor signer")
    p.add_argument("--doc-type", required=True, choices=CERT_CODES)
    p.add_argument("--curve", default=None, help="curve of the new key (default: as before)")
    p.set_defaults(handler=rollover_command)

    p = keys_sub.add_parser("crl", parents=[common], help="issue a fresh CRL (next update)")
    p.set_defaults(handler=crl_command)


def parse_when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or time: {text!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _config() -> Config:
    try:
        return Config.from_env()
    except ConfigError as exc:
        raise CommandError(str(exc)) from None


def _context(args: argparse.Namespace) -> tuple[Config, Path, datetime]:
    config = _config()
    folder = args.dir if args.dir is not None else config.keys_dir
    at = args.at if args.at is not None else datetime.now(UTC)
    return config, folder, at


def signer_passphrase(config: Config) -> str:
    if config.key_passphrase:
        return config.key_passphrase
    if config.production:
        raise CommandError("set LEGALIZE_KEY_PASSPHRASE")
    return DEV_PASSPHRASE


def root_passphrase(args: argparse.Namespace, config: Config) -> str:
    """The root key is offline in production and has its own passphrase; dev uses one."""
    if args.root_passphrase_file is None:
        return signer_passphrase(config)
    path: Path = args.root_passphrase_file
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise CommandError(f"cannot read {args.root_passphrase_file}: {exc.strerror}") from None
    if not text:
        raise CommandError(f"{args.root_passphrase_file} is empty")
    return text


def _republish(authority: Authority, passphrase: str, at: datetime) -> None:
    """Keep the folder's own trust export (the verifier's default) in step with changes,
    with a freshly signed trust list."""
    if (authority.path / TRUST_DIR).is_dir():
        export_trust_store(authority, authority.path / TRUST_DIR, passphrase=passphrase, at=at)


def init_dev_command(args: argparse.Namespace) -> int:
    config, folder, at = _context(args)
    if config.production:
        raise CommandError("refusing to make dev keys in production mode")
    try:
        pki = init_dev(folder, at)
    except PkiError as exc:
        raise CommandError(str(exc)) from None
    print(f"dev PKI (DEV ONLY) made in {pki.dir}")
    for doc_type, signer in pki.signers.items():
        print(f"  {doc_type}: signer {signer.signer_id}, certificate {signer.cert_reference}")
    print(f"  trust store: {pki.trust_dir}")
    return 0


def init_command(args: argparse.Namespace) -> int:
    """A real (not dev) root: needs its own passphrase; signers follow with `keys issue`."""
    config, folder, at = _context(args)
    passphrase = root_passphrase(args, config)
    if passphrase == DEV_PASSPHRASE:
        raise CommandError("a real root needs a passphrase of its own, not the dev passphrase")
    extra: dict[str, Any] = {}
    if args.organization:
        extra["organization"] = args.organization
    try:
        authority = Authority.create(
            folder,
            at=at,
            passphrase=passphrase,
            country=args.country.upper(),
            root_name=args.name,
            root_curve=args.curve,
            **extra,
        )
        export_trust_store(authority, authority.path / TRUST_DIR, passphrase=passphrase, at=at)
    except PkiError as exc:
        raise CommandError(str(exc)) from None
    print(f"root CA made in {authority.path}; issue signers with `legalize keys issue`")
    return 0


def issue_command(args: argparse.Namespace) -> int:
    def hsm_key(authority: Authority, at: datetime) -> tuple[str, str]:
        return f"{authority.country}{args.code or ''}", args.curve

    def make(
        authority: Authority, root_pass: str, at: datetime, extra: dict[str, Any]
    ) -> SignerRecord:
        return authority.issue_signer(
            root_pass,
            doc_type=args.doc_type,
            at=at,
            code=args.code,
            post=args.post,
            curve_name=args.curve,
            **extra,
        )

    record, _ = _new_signer(args, hsm_key, make)
    print(
        f"new {record.doc_type} signer {record.signer_id} {record.cert_reference} for "
        f"{record.post} ({record.curve}, {_key_kind(record)})"
    )
    return 0


def list_command(args: argparse.Namespace) -> int:
    _, folder, at = _context(args)
    try:
        authority = Authority.open(folder)
        rows = []
        current: dict[str, int] = {}
        for doc_type in CERT_CODES:
            with contextlib.suppress(PkiError):  # no current signer of that type: fine here
                current[doc_type] = authority.current_signer(doc_type, at).serial
        for record, cert in authority.certificates():
            _, usage_end = key_usage_period(cert)
            revoked = authority.revocation(record.serial)
            if revoked is not None:
                state = f"revoked {revoked.date.date().isoformat()} ({revoked.reason.value})"
            elif current.get(record.doc_type) == record.serial:
                state = "current"
            elif at > cert.not_valid_after_utc:
                state = "expired"
            elif at >= usage_end:
                state = "verifies only"
            else:
                state = "valid"
            rows.append(
                (
                    record.signer_id,
                    record.cert_reference,
                    record.doc_type,
                    record.curve,
                    "hsm" if record.key_file is None else "file",
                    cert.not_valid_before_utc.date().isoformat(),
                    usage_end.date().isoformat(),
                    cert.not_valid_after_utc.date().isoformat(),
                    state,
                )
            )
    except PkiError as exc:
        raise CommandError(str(exc)) from None
    header = ("SIGNER", "SERIAL", "TYPE", "CURVE", "KEY", "FROM", "SIGNS TO", "VALID TO", "STATE")
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def revoke_command(args: argparse.Namespace) -> int:
    config, folder, at = _context(args)
    try:
        authority = Authority.open(folder)
        root_pass = root_passphrase(args, config)
        crl = authority.revoke(root_pass, args.serial.strip(), args.reason, at)
        _republish(authority, root_pass, at)
    except PkiError as exc:
        raise CommandError(str(exc)) from None
    number = crl.extensions.get_extension_for_class(x509.CRLNumber)
    print(f"revoked {args.serial.upper()}; CRL number {number.value.crl_number} written")
    return 0


def rollover_command(args: argparse.Namespace) -> int:
    def hsm_key(authority: Authority, at: datetime) -> tuple[str, str]:
        previous = authority.current_signer(args.doc_type, at)
        return previous.signer_id, args.curve or previous.curve

    def make(
        authority: Authority, root_pass: str, at: datetime, extra: dict[str, Any]
    ) -> SignerRecord:
        if args.curve:
            extra = {**extra, "curve_name": args.curve}
        return authority.rollover(root_pass, doc_type=args.doc_type, at=at, **extra)

    record, at = _new_signer(args, hsm_key, make)
    print(
        f"new {record.doc_type} signer {record.signer_id} {record.cert_reference} "
        f"({record.curve}, {_key_kind(record)}), in use from {at.isoformat()}"
    )
    return 0


def _new_signer(
    args: argparse.Namespace,
    hsm_key: Callable[[Authority, datetime], tuple[str, str]],
    make: Callable[[Authority, str, datetime, dict[str, Any]], SignerRecord],
) -> tuple[SignerRecord, datetime]:
    """What `keys issue` and `keys rollover` share: the signer's key goes into the HSM when
    one is configured (``hsm_key`` gives its label prefix and curve) or into a key file;
    ``make`` certifies it; the trust store is published again."""
    config, folder, at = _context(args)
    root_pass = root_passphrase(args, config)
    try:
        authority = Authority.open(folder)
        extra: dict[str, Any] = {"key_passphrase": _new_key_passphrase(config, folder)}
        if config.pkcs11_module:
            extra.update(_hsm_key(config, *hsm_key(authority, at)))
        record = make(authority, root_pass, at, extra)
        _republish(authority, root_pass, at)
    except PkiError as exc:
        raise CommandError(str(exc)) from None
    return record, at


def _new_key_passphrase(config: Config, folder: Path) -> str:
    """The passphrase of a new signer key file. Outside production mode signer_passphrase()
    falls back to the published dev passphrase; that is only right for a DEV ONLY folder,
    so a real one (made by `keys init`) needs LEGALIZE_KEY_PASSPHRASE of its own."""
    passphrase = signer_passphrase(config)
    if (
        passphrase == DEV_PASSPHRASE
        and not config.pkcs11_module
        and not (folder / DEV_MARKER).exists()
    ):
        raise CommandError(
            f"set LEGALIZE_KEY_PASSPHRASE: {folder} is not a DEV ONLY keys folder, and its "
            "signer keys must not be encrypted with the published dev passphrase"
        )
    return passphrase


def _key_kind(record: SignerRecord) -> str:
    return "HSM" if record.key_file is None else "key file"


def _hsm_key(config: Config, label_prefix: str, curve: str) -> dict[str, Any]:
    """Generate a signer key in the HSM; the certificate names it by CKA_ID."""
    from legalize.pki.pkcs11 import generate_key

    assert config.pkcs11_module is not None
    key_id = secrets.token_bytes(8)
    label = f"{label_prefix}-{key_id.hex()}"
    public = generate_key(
        config.pkcs11_module,
        config.pkcs11_token_label,
        config.pkcs11_pin,
        curve,
        label=label,
        key_id=key_id,
    )
    return {"public_key": public, "pkcs11_label": label, "pkcs11_id": key_id.hex()}


def crl_command(args: argparse.Namespace) -> int:
    config, folder, at = _context(args)
    try:
        authority = Authority.open(folder)
        root_pass = root_passphrase(args, config)
        crl = authority.issue_crl(root_pass, at)
        _republish(authority, root_pass, at)
    except PkiError as exc:
        raise CommandError(str(exc)) from None
    next_update = crl.next_update_utc
    print(f"CRL issued; next update {next_update.isoformat() if next_update else 'none'}")
    return 0
