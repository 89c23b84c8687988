"""The one typed, frozen configuration object (DESIGN §8).

Built from the environment in exactly one place, :func:`Config.from_env`; everything else takes
a ``Config`` (or the values it needs) as an argument.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEV_SECRET_KEY = "dev-secret-key-not-for-production"  # noqa: S105 - refused in production
MODES = {"development": False, "production": True}
"""The values of ``LEGALIZE_ENV``, exactly: anything else (``prod``, ``production `` with a
space, ``Production``) is an error, never a silent development mode."""
SECRET_MIN_LENGTH = 32
SECRET_MIN_DISTINCT = 10
SECRET_MIN_BITS_PER_CHAR = 3.0
"""The secret rule (see :func:`secret_strength_problem`)."""


QUEUES = ("redis", "sqlite", "immediate")
"""Where long work (batch steps) is queued (``LEGALIZE_QUEUE``; legalize.tasks.queue):
``redis`` — the broker of production and CI, workers on any machine; ``sqlite`` — a file under
the instance folder, for ``legalize dev run``'s embedded worker (no extra server);
``immediate`` — the task runs at once in the caller (tests, library use)."""


_PRODUCTION_QUEUE = (
    "production mode queues long work on Redis (LEGALIZE_QUEUE=redis and REDIS_URL): "
    "workers on several machines share one broker"
)


class ConfigError(ValueError):
    """The configuration cannot be used (e.g. dev keys or SQLite in production mode)."""


@dataclass(frozen=True)
class RateLimits:
    """Request limits of the web tier (legalize.web.security) in the ``limits`` notation:
    one limit each, such as ``10/minute``, ``10 per minute`` or ``100/2 hours``. Counted in
    Redis when ``REDIS_URL`` is set, so every worker shares one count."""

    public: str = "30/minute"
    """Public check pages and QR links, per client address (``LEGALIZE_RATE_PUBLIC``)."""
    api: str = "300/minute"
    """API requests, per client address and per API client (``LEGALIZE_RATE_API``)."""
    signin: str = "10/minute"
    """Staff sign-in attempts per client address (``LEGALIZE_RATE_SIGNIN``)."""
    signin_user: str = "10/hour"
    """Failed sign-ins per user name, whatever the address (``LEGALIZE_RATE_SIGNIN_USER``)."""
    totp: str = "10/hour"
    """TOTP codes tried per user (``LEGALIZE_RATE_TOTP``)."""
    border: str = "600/minute"
    """Public checks per signed-in border officer (``LEGALIZE_RATE_BORDER``), counted per
    user, not per address: a border post's officers share one address behind its NAT."""
    prefix: str = "legalize"
    """Names this deployment's counters in a Redis that several share (``LEGALIZE_RATE_PREFIX``)."""

    def __post_init__(self) -> None:
        for name, variable in RATE_VARIABLES.items():
            text = getattr(self, name)
            # The defaults are known good (tests/test_config.py parses them): only a value
            # someone set loads the parser, which costs a command-line tool 80 ms.
            if text != getattr(RateLimits, name):
                _check_rate(text, variable)
        if not _PREFIX.fullmatch(self.prefix):
            raise ConfigError(
                "LEGALIZE_RATE_PREFIX must be 1-64 letters, digits, '.', '_' or '-', "
                f"not {self.prefix!r}"
            )


RATE_VARIABLES = {
    "public": "LEGALIZE_RATE_PUBLIC",
    "api": "LEGALIZE_RATE_API",
    "signin": "LEGALIZE_RATE_SIGNIN",
    "signin_user": "LEGALIZE_RATE_SIGNIN_USER",
    "totp": "LEGALIZE_RATE_TOTP",
    "border": "LEGALIZE_RATE_BORDER",
}
"""The limits of :class:`RateLimits` and the environment variables that set them."""
_PREFIX = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _check_rate(text: str, variable: str) -> None:
    from limits import parse_many

    problem = f"{variable} must be one limit such as '10/minute' or '100 per hour', not {text!r}"
    try:
        items = parse_many(text)
    except ValueError:
        raise ConfigError(problem) from None
    if len(items) != 1:
        raise ConfigError(problem)
    if items[0].amount < 1:
        raise ConfigError(f"{variable} must allow at least one request, not {text!r}")


@dataclass(frozen=True)
class CheckWatch:
    """How long public checks are kept and when their failures raise an alert on the risk
    dashboard (:mod:`legalize.cases.checks_log`)."""

    retention_days: int = 90
    """Days a recorded check is kept (``LEGALIZE_CHECKS_RETENTION_DAYS``); older ones are
    deleted by ``legalize registry expire``."""
    document_failures: int = 5
    """Failed checks of one document number within the window that raise an alert
    (``LEGALIZE_ALERT_DOCUMENT_FAILURES``)."""
    source_failures: int = 20
    """Failed checks from one client address within the window that raise an alert
    (``LEGALIZE_ALERT_SOURCE_FAILURES``)."""
    window_hours: int = 24
    """The alerts' window (``LEGALIZE_ALERT_WINDOW_HOURS``). A source is only known within
    one UTC day (its address hash changes daily), so a source alert counts within the day."""


@dataclass(frozen=True)
class Config:
    production: bool = False
    """Production mode refuses dev keys, the default secret key and SQLite."""
    secret_key: str = DEV_SECRET_KEY
    database_url: str = "sqlite:///instance/legalize.sqlite3"
    redis_url: str | None = None
    """Rate-limit storage shared by all workers, and the task queue's broker; memory when
    unset (development only: production refuses to start without it)."""
    queue: str = "immediate"
    """One of :data:`QUEUES`. From the environment the default is ``redis`` when REDIS_URL
    is set, else ``sqlite``; production accepts ``redis`` only."""
    queue_name: str = "legalize"
    """Name of the queue on the broker (its Redis keys start with it): two deployments may
    share one Redis under different names."""
    job_stall_seconds: int = 120
    """A document claimed by a worker and unfinished this long is handed to another worker
    (the first one is taken for dead); a worker that finds the claimant's process gone on
    its own machine hands it over at once."""
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
    ttd_seal: str = "vds"
    """The form of a TTD's seal (``LEGALIZE_TTD_SEAL``): ``vds`` (the binary ICAO VDS in
    Base32) or ``idb`` (the same content as an ICAO IDB barcode, ``RDB1B…``). The default is
    the form the capture measurements support (docs/seal-format.md §5). The IDB with the
    holder's face image is not offered: it needs a QR version 22 that the page's 48 mm
    square can only print below the 0.5 mm module floor."""
    trusted_proxies: int = 0
    """How many reverse proxies (TLS terminators, load balancers) stand in front of the app.
    Their X-Forwarded-For/-Proto are believed for that many hops, so rate limits count the
    real client and HTTPS is recognised; 0 (the default) believes no forwarded header."""
    instance_dir: Path = Path("instance")
    totp_key: str | None = None
    """Key that encrypts the users' TOTP secrets in the database; when unset, a key derived
    (HKDF) from ``secret_key``. Set it to rotate the session key without re-enrolling TOTP."""
    sanitizations: int = 2
    """Underlying documents one process sanitizes at once (each may hold about 100 MB while
    it decodes an image and a core while it renders); past them a filing waits its turn."""
    rates: RateLimits = field(default_factory=RateLimits)
    """Rate limits of the public pages, the API and sign-in (``LEGALIZE_RATE_*``)."""
    watch: CheckWatch = field(default_factory=CheckWatch)
    """Retention of the public checks and the dashboard's alert thresholds."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        mode = env.get("LEGALIZE_ENV", "development")
        if mode not in MODES:
            known = " or ".join(repr(m) for m in MODES)
            raise ConfigError(f"LEGALIZE_ENV must be {known} exactly, not {mode!r}")
        production = MODES[mode]
        redis_url = env.get("REDIS_URL") or None
        queue = env.get("LEGALIZE_QUEUE") or ("redis" if redis_url else "sqlite")
        if queue not in QUEUES:
            raise ConfigError(f"LEGALIZE_QUEUE must be one of {', '.join(QUEUES)}, not {queue!r}")
        if production and queue != "redis":
            # ``immediate`` would run a 200-document flight inside a web request.
            raise ConfigError(_PRODUCTION_QUEUE)
        cfg = cls(
            production=production,
            secret_key=env.get("LEGALIZE_SECRET_KEY", DEV_SECRET_KEY),
            database_url=env.get("DATABASE_URL", cls.database_url),
            redis_url=redis_url,
            queue=queue,
            queue_name=_name(env.get("LEGALIZE_QUEUE_NAME", cls.queue_name), "LEGALIZE_QUEUE_NAME"),
            job_stall_seconds=_count(
                env.get("LEGALIZE_JOB_STALL_SECONDS", str(cls.job_stall_seconds)),
                "LEGALIZE_JOB_STALL_SECONDS",
                1,
                86400,
            ),
            keys_dir=Path(env.get("LEGALIZE_KEYS_DIR", str(cls.keys_dir))),
            key_passphrase=env.get("LEGALIZE_KEY_PASSPHRASE") or None,
            pkcs11_module=env.get("LEGALIZE_PKCS11_MODULE") or None,
            pkcs11_token_label=env.get("LEGALIZE_PKCS11_TOKEN") or None,
            pkcs11_pin=env.get("LEGALIZE_PKCS11_PIN") or None,
            tsa_url=env.get("LEGALIZE_TSA_URL") or None,
            check_url=env.get("LEGALIZE_CHECK_URL", cls.check_url).upper(),
            issuing_country=env.get("LEGALIZE_COUNTRY", cls.issuing_country),
            ttd_seal=_choice(env.get("LEGALIZE_TTD_SEAL", cls.ttd_seal), "LEGALIZE_TTD_SEAL"),
            trusted_proxies=_count(
                env.get("LEGALIZE_TRUSTED_PROXIES", "0"), "LEGALIZE_TRUSTED_PROXIES", 0, 10
            ),
            instance_dir=Path(env.get("LEGALIZE_INSTANCE_DIR", str(cls.instance_dir))),
            totp_key=env.get("LEGALIZE_TOTP_KEY") or None,
            sanitizations=_count(
                env.get("LEGALIZE_SANITIZATIONS", "2"), "LEGALIZE_SANITIZATIONS", 1, 16
            ),
            rates=_rates(env),
            watch=CheckWatch(
                retention_days=_count(
                    env.get("LEGALIZE_CHECKS_RETENTION_DAYS", "90"),
                    "LEGALIZE_CHECKS_RETENTION_DAYS",
                    1,
                    3650,
                ),
                document_failures=_count(
                    env.get("LEGALIZE_ALERT_DOCUMENT_FAILURES", "5"),
                    "LEGALIZE_ALERT_DOCUMENT_FAILURES",
                    1,
                    1_000_000,
                ),
                source_failures=_count(
                    env.get("LEGALIZE_ALERT_SOURCE_FAILURES", "20"),
                    "LEGALIZE_ALERT_SOURCE_FAILURES",
                    1,
                    1_000_000,
                ),
                window_hours=_count(
                    env.get("LEGALIZE_ALERT_WINDOW_HOURS", "24"),
                    "LEGALIZE_ALERT_WINDOW_HOURS",
                    1,
                    720,
                ),
            ),
        )
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if self.queue == "redis" and not self.redis_url:
            raise ConfigError("LEGALIZE_QUEUE=redis needs REDIS_URL")
        if not self.production:
            return
        if self.secret_key == DEV_SECRET_KEY:
            raise ConfigError("production mode refuses the default LEGALIZE_SECRET_KEY")
        problem = secret_strength_problem(self.secret_key)
        if problem:
            raise ConfigError(f"production mode needs a random LEGALIZE_SECRET_KEY: {problem}")
        if self.totp_key is not None:
            problem = secret_strength_problem(self.totp_key)
            if problem:
                raise ConfigError(f"production mode needs a random LEGALIZE_TOTP_KEY: {problem}")
        if self.database_url.startswith("sqlite"):
            raise ConfigError("production mode refuses SQLite; set DATABASE_URL to PostgreSQL")
        if not self.redis_url:
            raise ConfigError(
                "production mode needs REDIS_URL: rate limits counted per worker process "
                "multiply every limit by the number of workers"
            )
        if self.queue == "sqlite":
            raise ConfigError(_PRODUCTION_QUEUE)
        if (self.keys_dir / "DEV_ONLY").exists():
            raise ConfigError(f"production mode refuses the dev keys in {self.keys_dir}")
        from legalize.pki.devkeys import DEV_PASSPHRASE

        # Whatever the folder says: a copy of the dev keys without its marker is still dev keys.
        if self.key_passphrase == DEV_PASSPHRASE:
            raise ConfigError(
                "production mode refuses the published dev passphrase (LEGALIZE_KEY_PASSPHRASE)"
            )


def secret_strength_problem(secret: str) -> str | None:
    """Why ``secret`` is too weak to sign sessions or wrap keys, or None.

    The rule: at least 32 characters, at least 10 distinct ones, and at least 3 bits per
    character of Shannon entropy over the secret's own character frequencies (so at least
    96 bits in all). It refuses padding, one repeated letter, short cycles and mostly-one-
    character strings; a secret made by ``secrets.token_urlsafe(32)`` (about 5.2 bits per
    character by this measure) or ``secrets.token_hex(32)`` (about 3.9) passes. It cannot
    see that a long English sentence is guessable: make the secret with a random generator.
    """
    if len(secret) < SECRET_MIN_LENGTH:
        return f"it has {len(secret)} characters, fewer than {SECRET_MIN_LENGTH}"
    if not secret.strip():
        return "it is white space only"
    counts = Counter(secret)
    if len(counts) < SECRET_MIN_DISTINCT:
        return f"it uses {len(counts)} distinct characters, fewer than {SECRET_MIN_DISTINCT}"
    total = len(secret)
    bits = -sum(n / total * math.log2(n / total) for n in counts.values())
    if bits < SECRET_MIN_BITS_PER_CHAR:
        return (
            f"its characters carry {bits:.1f} bits each (Shannon), "
            f"fewer than {SECRET_MIN_BITS_PER_CHAR:.0f}"
        )
    return None


def _name(text: str, name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", text):
        raise ConfigError(f"{name} must be 1-64 letters, digits or . _ -, not {text!r}")
    return text


TTD_SEAL_FORMS = ("vds", "idb")


def _choice(text: str, name: str) -> str:
    if text not in TTD_SEAL_FORMS:
        raise ConfigError(f"{name} must be one of {', '.join(TTD_SEAL_FORMS)}, not {text!r}")
    return text


def _rates(env: Mapping[str, str]) -> RateLimits:
    values = {name: env[var].strip() for name, var in RATE_VARIABLES.items() if env.get(var)}
    prefix = env.get("LEGALIZE_RATE_PREFIX")
    if prefix:
        values["prefix"] = prefix.strip()
    return RateLimits(**values)


def _count(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}")
    return value
