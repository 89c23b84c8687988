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
