"""Staff users and API clients: who may sign in, with which roles, and how that is checked.

Passwords are kept only as argon2id hashes; API tokens (256 random bits) only as their
SHA-256, which is enough for a secret of that entropy and lets a token be looked up by its
hash. Optional TOTP (RFC 6238) per user, with the last accepted time step stored so a code
cannot be replayed. Time is a parameter everywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from legalize import countries
from legalize.kinds import STAFF_ROLES, Role
from legalize.registry import passwords
from legalize.registry.base import Base
from legalize.registry.models import Signatory
from legalize.registry.timestamps import UtcDateTime
from legalize.registry.totp_cipher import TotpCipher, is_plain

_STAFF_VALUES = frozenset(r.value for r in STAFF_ROLES)


class AccountError(ValueError):
    """An account could not be created or changed; ``field`` names the offending input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Scope(StrEnum):
    """What an API client may do. A host-country client typically holds the readmission scopes."""

    READMISSION_WRITE = "readmission:write"
    READMISSION_READ = "readmission:read"
    LEGALIZATION_WRITE = "legalization:write"
    LEGALIZATION_READ = "legalization:read"
    STATUS_READ = "status:read"


USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
TOKEN_BYTES = 32
"""256 random bits per API token (the brief asks at least 128)."""

# argon2id with the library's RFC 9106 low-memory profile: ~50 ms per check on this machine.
_HASHER = PasswordHasher()
# A hash to verify against when the user does not exist, so a login for an unknown name
# costs the same time as one with a wrong password (no user enumeration by timing).
_DUMMY_HASH = _HASHER.hash("not-a-password-of-anyone")


class User(Base):
    """A staff member who signs in to the staff pages."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    """The argon2id hash, prefixed ``g<N>$`` once the account was disabled or enabled: its
    session generation (:func:`set_active`), kept here so it needs no column of its own."""
    roles_text: Mapped[str] = mapped_column("roles", String(200), default="")
    """Space-separated :class:`Role` values."""
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The TOTP secret encrypted (:mod:`legalize.registry.totp_cipher`; plain Base32 from
    earlier versions until the next sign-in); None when the user has no second factor."""
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The last accepted TOTP time step: a code is accepted once."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.roles_text.split() if r in _STAFF_VALUES)

    def has_role(self, role: Role) -> bool:
        return role in self.roles


class ClientKind(StrEnum):
    """What an API client is. An issuing authority (a registrar, a university, a court) files
    the documents it issued itself: the strongest origin evidence a legalization can have."""

    HOST_COUNTRY = "host_country"
    ISSUING_AUTHORITY = "issuing_authority"


class ApiClient(Base):
    """A machine client of the JSON API, e.g. a host country's immigration service."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    country: Mapped[str] = mapped_column(String(3))
    """ICAO 3-letter code of the country the client speaks for."""
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """Hex SHA-256 of the bearer token; the token itself is shown once and never stored."""
    scopes_text: Mapped[str] = mapped_column("scopes", String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(
        String(30), default="host_country", server_default="host_country"
    )
    """One of :class:`ClientKind`."""
    signatory_id: Mapped[int | None] = mapped_column(ForeignKey("signatories.id"), nullable=True)
    """For an issuing authority: the signatory (register entry) it speaks for."""

    @property
    def scopes(self) -> frozenset[Scope]:
        return frozenset(
            Scope(s) for s in self.scopes_text.split() if s in Scope._value2member_map_
        )

    def has_scope(self, scope: Scope) -> bool:
        return scope in self.scopes


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise AccountError("time must be timezone-aware", "at")
    return at


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    roles: set[Role] = set()
    for value in values:
        try:
            role = Role(value.strip())
        except ValueError:
            raise AccountError(f"unknown role {value!r}", "roles") from None
        if not role.is_staff:  # an API client's role, not a user's
            raise AccountError(f"not a staff role: {value!r}", "roles")
        roles.add(role)
    return frozenset(roles)


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    scopes: set[Scope] = set()
    for value in values:
        try:
            scopes.add(Scope(value.strip()))
        except ValueError:
            raise AccountError(f"unknown scope {value!r}", "scopes") from None
    return frozenset(scopes)


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _HASHER.hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", "password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"password longer than {MAX_PASSWORD_LENGTH} characters", "password")
    problem = passwords.weakness(password)
    if problem:
        raise AccountError(problem, "password")


_GENERATION = re.compile(r"^g([0-9]{1,9})\$(?=\$)")


def _argon2_part(stored: str) -> str:
    """The argon2 hash of a stored ``password_hash`` (without its generation prefix)."""
    return _GENERATION.sub("", stored, count=1)


def session_generation(user: User) -> int:
    """How many times the account was disabled or enabled (0: never)."""
    match = _GENERATION.match(user.password_hash)
    return int(match.group(1)) if match else 0


def _with_generation(argon2_hash: str, generation: int) -> str:
    return f"g{generation}${argon2_hash}" if generation else argon2_hash


def _verify(hash_: str, password: str) -> bool:
    try:
        return _HASHER.verify(_argon2_part(hash_), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    username: str,
    password: str,
    roles: Iterable[Role | str],
    at: datetime,
    *,
    totp_secret: str | None = None,
    cipher: TotpCipher | None = None,
) -> User:
    """Add a user (flushed, not committed). Raises :class:`AccountError` on bad input."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError(
            "username must be 3-64 characters: lowercase letters, digits, '.', '_' or '-'",
            "username",
        )
    role_set = parse_roles(str(r) for r in roles)
    if not role_set:
        raise AccountError("a user needs at least one role", "roles")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} exists already", "username")
    stored_secret = None
    if totp_secret is not None:
        stored_secret = _seal_totp(totp_secret, cipher)
    user = User(
        username=username,
        password_hash=hash_password(password),
        roles_text=" ".join(sorted(role_set)),
        totp_secret=stored_secret,
        active=True,
        created_at=_aware(at),
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (same cost either way)."""
    user = get_user(session, username) if len(username) <= 64 else None
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password):
        return None
    if _HASHER.check_needs_rehash(_argon2_part(user.password_hash)):
        user.password_hash = _with_generation(_HASHER.hash(password), session_generation(user))
    return user


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is the user's, whatever the account's state (no rehash)."""
    return len(password) <= MAX_PASSWORD_LENGTH and _verify(user.password_hash, password)


def credential_stamp(user: User) -> str:
    """A short digest of the user's credentials (password hash with its session generation,
    and TOTP secret). A signed-in session carries the stamp of its sign-in; when a password is
    reset, a new second factor is set or the account is disabled or enabled, the stamp
    changes, and every earlier session of the user ends with it. It reveals
    nothing: a SHA-256 of an argon2 hash and a secret the session holder cannot invert."""
    material = f"{user.password_hash}\x00{user.totp_secret or ''}".encode()
    return hashlib.sha256(b"legalize-session\x00" + material).hexdigest()[:32]


def set_password(user: User, password: str) -> None:
    user.password_hash = _with_generation(hash_password(password), session_generation(user))


def set_roles(user: User, roles: Iterable[Role | str]) -> None:
    role_set = parse_roles(str(r) for r in roles)
    if not role_set:
        raise AccountError("a user needs at least one role", "roles")
    user.roles_text = " ".join(sorted(role_set))


def set_active(user: User, active: bool) -> None:
    """Disable or enable. Each change starts a new session generation, which changes the
    :func:`credential_stamp`: re-enabling a user does not revive a cookie of before the
    disabling (one stolen while the account was suspended, say)."""
    if user.active is not None and bool(user.active) == active:
        return
    generation = session_generation(user) + 1
    user.password_hash = _with_generation(_argon2_part(user.password_hash), generation)
    user.active = active


def new_totp_secret() -> str:
    return pyotp.random_base32()


def _check_totp_secret(secret: str) -> None:
    if not re.fullmatch(r"[A-Z2-7]{16,40}", secret):
        raise AccountError("TOTP secret must be 16-40 Base32 characters", "totp_secret")


def _seal_totp(secret: str, cipher: TotpCipher | None) -> str:
    _check_totp_secret(secret)
    if cipher is None:
        raise AccountError("a TOTP secret is stored encrypted: no key given", "totp_secret")
    return cipher.seal(secret)


def enable_totp(user: User, secret: str, cipher: TotpCipher) -> None:
    user.totp_secret = _seal_totp(secret, cipher)
    user.totp_last_step = None


def disable_totp(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None


def totp_uri(user: User, cipher: TotpCipher, issuer: str = "legalize") -> str:
    if user.totp_secret is None:
        raise AccountError("user has no TOTP secret", "totp_secret")
    secret = cipher.open(user.totp_secret)
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def verify_totp(user: User, code: str, at: datetime, cipher: TotpCipher) -> bool:
    """Check a 6-digit code at ``at`` (±1 step of 30 s); each step is accepted only once.
    A secret stored in plain by an earlier version is encrypted once a code was accepted.
    Raises :class:`~legalize.registry.totp_cipher.TotpKeyError` when the stored secret
    cannot be decrypted (the key changed)."""
    if user.totp_secret is None:
        return True
    code = code.strip().replace(" ", "")
    if not re.fullmatch(r"\d{6}", code):
        return False
    secret = cipher.open(user.totp_secret)
    totp = pyotp.TOTP(secret)
    now_step = int(_aware(at).timestamp()) // totp.interval
    for step in (now_step, now_step - 1, now_step + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected, code):
            user.totp_last_step = step
            if is_plain(user.totp_secret):
                with contextlib.suppress(ValueError):  # too long to fit encrypted: stays
                    user.totp_secret = cipher.seal(secret)
            return True
    return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_client(
    session: Session,
    name: str,
    country: str,
    scopes: Iterable[Scope | str],
    at: datetime,
    *,
    signatory_id: int | None = None,
) -> tuple[ApiClient, str]:
    """Add an API client; returns it and its bearer token (shown once, stored hashed). With
    ``signatory_id`` the client is that signatory's issuing authority
    (:attr:`ClientKind.ISSUING_AUTHORITY`), which may only file legalizations."""
    name = name.strip()
    if not (1 <= len(name) <= 100):
        raise AccountError("client name must have 1-100 characters", "name")
    try:
        country = countries.normalize(country)
    except countries.UnknownCountry as exc:
        raise AccountError(str(exc), "country") from None
    scope_set = parse_scopes(str(s) for s in scopes)
    if not scope_set:
        raise AccountError("a client needs at least one scope", "scopes")
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise AccountError(f"client {name!r} exists already", "name")
    kind = ClientKind.HOST_COUNTRY
    if signatory_id is not None:
        kind = ClientKind.ISSUING_AUTHORITY
        if session.get(Signatory, signatory_id) is None:
            raise AccountError(f"there is no signatory {signatory_id}", "signatory")
        # An issuing authority files the documents it issued, nothing else: the readmission
        # scopes belong to host countries.
        allowed = {Scope.LEGALIZATION_WRITE, Scope.LEGALIZATION_READ, Scope.STATUS_READ}
        extra = sorted(str(s) for s in scope_set - allowed)
        if extra:
            raise AccountError(
                f"an issuing authority may hold only legalization and status scopes, not "
                f"{', '.join(extra)}",
                "scopes",
            )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    client = ApiClient(
        name=name,
        country=country,
        token_hash=token_hash(token),
        scopes_text=" ".join(sorted(scope_set)),
        active=True,
        created_at=_aware(at),
        kind=kind.value,
        signatory_id=signatory_id,
    )
    session.add(client)
    session.flush()
    return client, token


def client_for_token(session: Session, token: str) -> ApiClient | None:
    """The active client holding this bearer token, or None."""
    if not token or len(token) > 200:
        return None
    client = session.scalar(select(ApiClient).where(ApiClient.token_hash == token_hash(token)))
    if client is None or not client.active:
        return None
    return client


def list_api_clients(session: Session) -> list[ApiClient]:
    return list(session.scalars(select(ApiClient).order_by(ApiClient.name)))
