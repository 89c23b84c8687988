"""legalize.config: production mode is stated exactly, and what it needs is really there."""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import pytest

from legalize.config import Config, ConfigError, secret_strength_problem
from legalize.pki.devkeys import DEV_PASSPHRASE
from tests.helpers import support

STRONG = support.PRODUCTION_SECRET
"""A secret that passes the entropy rule (tests of production configs use it)."""


def production(tmp_path: Path, **changes: object) -> Config:
    good = Config(
        production=True,
        secret_key=STRONG,
        database_url="postgresql://nobody@127.0.0.1:1/none",
        redis_url="redis://127.0.0.1:1/0",
        keys_dir=tmp_path / "prodkeys",
    )
    return replace(good, **changes)  # type: ignore[arg-type]


def test_a_good_production_config_validates(tmp_path: Path) -> None:
    production(tmp_path).validate()


@pytest.mark.parametrize("value", ["development", "production"])
def test_known_modes(value: str) -> None:
    env = {"LEGALIZE_ENV": value, "LEGALIZE_SECRET_KEY": STRONG, "REDIS_URL": "redis://x/0"}
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    env["LEGALIZE_KEYS_DIR"] = "/nonexistent-keys"
    assert Config.from_env(env).production is (value == "production")


def test_unset_mode_is_development() -> None:
    assert Config.from_env({}).production is False


@pytest.mark.parametrize(
    "value", ["prod", "production ", " production", "Production", "PRODUCTION", "dev", "", "test"]
)
def test_unknown_modes_are_an_error(value: str) -> None:
    """A misspelt production mode used to run development mode silently (default secret,
    SQLite, the dev passphrase, no Secure cookie, no HSTS)."""
    with pytest.raises(ConfigError, match="LEGALIZE_ENV"):
        Config.from_env({"LEGALIZE_ENV": value})


@pytest.mark.parametrize(
    "secret",
    [
        " " * 32,
        "a" * 40,
        "ab" * 20,
        "abcabcabcabcabcabcabcabcabcabcabc",
        "0000000000000000000000000000000011111111",
        "short-but-random-Xq7vR2",
    ],
)
def test_production_refuses_weak_secrets(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigError, match="LEGALIZE_SECRET_KEY"):
        production(tmp_path, secret_key=secret).validate()


def test_random_secrets_pass_the_rule() -> None:
    for _ in range(200):
        assert secret_strength_problem(secrets.token_urlsafe(32)) is None
        assert secret_strength_problem(secrets.token_hex(32)) is None
    assert secret_strength_problem(STRONG) is None


def test_production_refuses_the_dev_passphrase_without_the_marker(tmp_path: Path) -> None:
    """A copy of the dev keys without the DEV_ONLY marker, with the published passphrase."""
    keys = tmp_path / "copied-dev-keys"
    keys.mkdir()
    config = production(tmp_path, keys_dir=keys, key_passphrase=DEV_PASSPHRASE)
    assert not (keys / "DEV_ONLY").exists()
    with pytest.raises(ConfigError, match="passphrase"):
        config.validate()


def test_production_requires_redis(tmp_path: Path) -> None:
    """Rate limits counted per process let N workers take N times the limit."""
    with pytest.raises(ConfigError, match="REDIS_URL"):
        production(tmp_path, redis_url=None).validate()


def test_totp_key_defaults_to_the_secret_key_and_is_checked(tmp_path: Path) -> None:
    env = {"LEGALIZE_SECRET_KEY": STRONG}
    assert Config.from_env(env).totp_key is None
    assert Config.from_env({**env, "LEGALIZE_TOTP_KEY": "k" * 40}).totp_key == "k" * 40
    with pytest.raises(ConfigError, match="LEGALIZE_TOTP_KEY"):
        production(tmp_path, totp_key="k" * 40).validate()
    production(tmp_path, totp_key=STRONG[::-1]).validate()
