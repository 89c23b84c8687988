"""legalize.registry.accounts: password strength, session generations, TOTP secrets at rest."""

from __future__ import annotations

import pytest

from legalize.registry import accounts


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "          ",
        "ababababababab",
        "1111122222",
        "1234567890",
        "0987654321",
        "qwertyuiop",
        "Password123!",
        "password1234",
        "P@ssw0rd2026",
        "iloveyou!!!!",
        "letmein12345",
        "administrator",
        "Legalize2026!",
        "welcome12345",
        "1q2w3e4r5t",
        "abcdefghijkl",
    ],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(accounts.AccountError) as exc:
        accounts.check_password_policy(password)
    assert exc.value.field == "password"


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "a good long password", "demo-alice-dev-only", "Tr0ub4dor&3xyz"],
)
def test_reasonable_passwords_pass(password: str) -> None:
    accounts.check_password_policy(password)


def test_the_block_list_ships_with_the_package() -> None:
    from legalize.registry.passwords import BLOCKED

    assert len(BLOCKED) >= 200
    assert "password" in BLOCKED and "qwertyuiop" in BLOCKED


def test_each_active_change_starts_a_session_generation() -> None:
    from datetime import UTC, datetime

    user = accounts.User(
        username="erin",
        password_hash=accounts.hash_password("a good long password"),
        roles_text="border_officer",
        active=True,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    stamps = {accounts.credential_stamp(user)}
    accounts.set_active(user, True)  # no change, no new generation
    assert accounts.session_generation(user) == 0
    for active in (False, True, False, True):
        accounts.set_active(user, active)
        stamps.add(accounts.credential_stamp(user))
    assert len(stamps) == 5 and accounts.session_generation(user) == 4
    assert accounts.password_matches(user, "a good long password")
    accounts.set_password(user, "another good password")
    assert accounts.session_generation(user) == 4
    assert accounts.password_matches(user, "another good password")


def _totp_user(stored: str | None) -> accounts.User:
    from datetime import UTC, datetime

    return accounts.User(
        username="tina",
        password_hash=accounts.hash_password("a good long password"),
        roles_text="issuing_officer",
        totp_secret=stored,
        active=True,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_totp_secrets_are_stored_encrypted() -> None:
    from datetime import UTC, datetime

    import pyotp

    from legalize.registry.totp_cipher import TotpCipher, TotpKeyError

    cipher = TotpCipher("a configured key, random enough for a test 7Qz")
    secret = accounts.new_totp_secret()
    user = _totp_user(None)
    accounts.enable_totp(user, secret, cipher)
    assert user.totp_secret is not None and len(user.totp_secret) <= 64
    assert secret not in user.totp_secret and user.totp_secret.startswith("v1:")
    assert secret in accounts.totp_uri(user, cipher)
    at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert accounts.verify_totp(user, pyotp.TOTP(secret).at(at), at, cipher)
    with pytest.raises(TotpKeyError):  # another key (the secret key rotated)
        accounts.totp_uri(user, TotpCipher("another key entirely, also long enough"))


def test_a_plain_totp_secret_of_before_is_read_once_and_encrypted() -> None:
    from datetime import UTC, datetime, timedelta

    import pyotp

    from legalize.registry.totp_cipher import TotpCipher

    cipher = TotpCipher("a configured key, random enough for a test 7Qz")
    secret = accounts.new_totp_secret()
    user = _totp_user(secret)  # as earlier versions stored it
    at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert not accounts.verify_totp(
        user, "000000" if pyotp.TOTP(secret).at(at) != "000000" else "111111", at, cipher
    )
    assert user.totp_secret == secret  # a wrong code changes nothing
    assert accounts.verify_totp(user, pyotp.TOTP(secret).at(at), at, cipher)
    assert user.totp_secret != secret and user.totp_secret.startswith("v1:")
    later = at + timedelta(minutes=1)
    assert accounts.verify_totp(user, pyotp.TOTP(secret).at(later), later, cipher)


def test_users_seal_totp_encrypts_plain_secrets(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime
    from pathlib import Path

    from legalize.cli import main
    from legalize.config import Config
    from legalize.registry.db import make_engine, make_session_factory, upgrade
    from legalize.registry.totp_cipher import TotpCipher

    url = f"sqlite:///{Path(str(tmp_path)) / 'u.sqlite3'}"
    for key in ("LEGALIZE_ENV", "LEGALIZE_TOTP_KEY", "LEGALIZE_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    secret = accounts.new_totp_secret()
    with make_session_factory(engine)() as s:
        user = accounts.create_user(
            s, "tina", "a good long password", ["issuing_officer"], datetime(2026, 1, 1, tzinfo=UTC)
        )
        user.totp_secret = secret  # as an earlier version stored it
        s.commit()
    assert main(["users", "seal-totp"]) == 0
    assert "1 TOTP secrets encrypted" in capsys.readouterr().out
    with make_session_factory(engine)() as s:
        user = accounts.get_user(s, "tina")
        assert user is not None and user.totp_secret is not None
        assert user.totp_secret.startswith("v1:")
        assert TotpCipher.from_config(Config.from_env()).open(user.totp_secret) == secret
    engine.dispose()
