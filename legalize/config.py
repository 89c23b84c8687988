"""The one typed, frozen configuration object (DESIGN §8).

Built from the environment in exactly one place, :func:`Config.from_env`; everything else takes
a ``Config`` (or the values it needs) as an argument.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEV_SECRET_KEY = "dev-secret-key-not-for-production"  # noqa: S105 - refused in production


class ConfigError(ValueError):
    """The configuration cannot be used (e.g. dev keys or SQLite in production mode)."""


@dataclass(frozen=True)
class Config:
    production: bool = False
    """Production mode refuses dev keys, the default secret key and SQLite."""
    secret_key: str = DEV_SECRET_KEY
    database_url: str = "sqlite:///instance/legalize.sqlite3"
    redis_url: str | None = None
    """Rate-limit storage; memory when unset (one process only)."""
    keys_dir: Path = Path("keys/dev")
    """Folder of the PKI: root certificate, signer certificates and keys, CRLs."""
    key_passphrase: str | None = None
    """Passphrase of encrypted signer key files."""
    pkcs11_module: str | None = None
    """Path of the PKCS#11 module; when set, signers live in the HSM."""
    pkcs11_token_label: str | None = None
    pkcs11_pin: str | None = None
    tsa_url: str | None = None
    """RFC 3161 time-stamping authority; documents are issued without a timestamp when unset."""
    check_url: str = "HTTPS://CHECK.LEGALIZE.EXAMPLE/V/"
    """Web-check URL printed in front of the seal in the QR, in capitals (QR alphanumeric mode)."""
    issuing_country: str = "LKA"
    trusted_proxies: int = 0
    """How many reverse proxies (TLS terminators, load balancers) stand in front of the app.
    Their X-Forwarded-For/-Proto are believed for that many hops, so rate limits count the
    real client and HTTPS is recognised; 0 (the default) believes no forwarded header."""
    instance_dir: Path = Path("instance")
    paper_verifications: int = 2
    """Photo-of-the-paper verifications (about 1 s of CPU each) one process runs at once; past
    them a request waits briefly, then is answered 503 (until the task queue takes them)."""
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        production = env.get("LEGALIZE_ENV", "development").lower() == "production"
        cfg = cls(
            production=production,
            secret_key=env.get("LEGALIZE_SECRET_KEY", DEV_SECRET_KEY),
            database_url=env.get("DATABASE_URL", cls.database_url),
            redis_url=env.get("REDIS_URL") or None,
            keys_dir=Path(env.get("LEGALIZE_KEYS_DIR", str(cls.keys_dir))),
            key_passphrase=env.get("LEGALIZE_KEY_PASSPHRASE") or None,
            pkcs11_module=env.get("LEGALIZE_PKCS11_MODULE") or None,
            pkcs11_token_label=env.get("LEGALIZE_PKCS11_TOKEN") or None,
            pkcs11_pin=env.get("LEGALIZE_PKCS11_PIN") or None,
            tsa_url=env.get("LEGALIZE_TSA_URL") or None,
            check_url=env.get("LEGALIZE_CHECK_URL", cls.check_url).upper(),
            issuing_country=env.get("LEGALIZE_COUNTRY", cls.issuing_country),
            trusted_proxies=_count(
                env.get("LEGALIZE_TRUSTED_PROXIES", "0"), "LEGALIZE_TRUSTED_PROXIES", 0, 10
            ),
            instance_dir=Path(env.get("LEGALIZE_INSTANCE_DIR", str(cls.instance_dir))),
            paper_verifications=_count(
                env.get("LEGALIZE_PAPER_VERIFICATIONS", "2"), "LEGALIZE_PAPER_VERIFICATIONS", 1, 16
            ),
        )
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if not self.production:
            return
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            raise ConfigError("production mode needs LEGALIZE_SECRET_KEY of 32 characters or more")
        if self.database_url.startswith("sqlite"):
            raise ConfigError("production mode refuses SQLite; set DATABASE_URL to PostgreSQL")
        if (self.keys_dir / "DEV_ONLY").exists():
            raise ConfigError(f"production mode refuses the dev keys in {self.keys_dir}")


def _count(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}")
    return value
