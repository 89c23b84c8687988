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
