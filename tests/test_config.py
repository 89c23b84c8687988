"""legalize.config: production mode is stated exactly, and what it needs is really there."""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import pytest

from legalize.config import (
    RATE_VARIABLES,
    Config,
    ConfigError,
    RateLimits,
    secret_strength_problem,
)
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


def test_the_queue_follows_redis_and_production_takes_redis_only(tmp_path: Path) -> None:
    assert Config.from_env({}).queue == "sqlite"  # make run: no extra server
    with_redis = Config.from_env({"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert (with_redis.queue, with_redis.queue_name) == ("redis", "legalize")
    with pytest.raises(ConfigError, match="LEGALIZE_QUEUE=redis needs REDIS_URL"):
        Config.from_env({"LEGALIZE_QUEUE": "redis"})
    for bad in ("Redis", "celery", " redis"):
        with pytest.raises(ConfigError, match="LEGALIZE_QUEUE must be"):
            Config.from_env({"LEGALIZE_QUEUE": bad})
    prod = {"LEGALIZE_ENV": "production", "LEGALIZE_SECRET_KEY": STRONG, "REDIS_URL": "redis://x/0"}
    for queue in ("sqlite", "immediate"):
        with pytest.raises(ConfigError, match="production mode queues long work on Redis"):
            Config.from_env({**prod, "LEGALIZE_QUEUE": queue})
    with pytest.raises(ConfigError, match="production mode queues long work on Redis"):
        production(tmp_path, queue="sqlite").validate()
    for name, value in (("LEGALIZE_QUEUE_NAME", "a b"), ("LEGALIZE_JOB_STALL_SECONDS", "0")):
        with pytest.raises(ConfigError, match=name):
            Config.from_env({name: value})


def test_ttd_seal_form() -> None:
    assert Config.from_env({}).ttd_seal == "vds"
    assert Config.from_env({"LEGALIZE_TTD_SEAL": "idb"}).ttd_seal == "idb"
    for bad in ("IDB", "idb-face", "", "qr"):
        with pytest.raises(ConfigError, match="LEGALIZE_TTD_SEAL"):
            Config.from_env({"LEGALIZE_TTD_SEAL": bad})


# --- rate limits (LEGALIZE_RATE_*) ---------------------------------------------------------


def test_rate_limits_come_from_the_environment() -> None:
    env = {
        "LEGALIZE_RATE_PUBLIC": "5/minute",
        "LEGALIZE_RATE_API": "1000 per hour",
        "LEGALIZE_RATE_SIGNIN": " 3/minute ",
        "LEGALIZE_RATE_SIGNIN_USER": "20/day",
        "LEGALIZE_RATE_TOTP": "4/hour",
        "LEGALIZE_RATE_PREFIX": "post-rome",
    }
    rates = Config.from_env(env).rates
    assert rates == RateLimits(
        public="5/minute",
        api="1000 per hour",
        signin="3/minute",
        signin_user="20/day",
        totp="4/hour",
        prefix="post-rome",
    )
    assert Config.from_env({}).rates == RateLimits()  # unset or empty: the defaults
    assert Config.from_env({"LEGALIZE_RATE_API": ""}).rates.api == RateLimits.api


def test_default_rate_limits_parse() -> None:
    """RateLimits skips checking its defaults (the parser costs a CLI 80 ms): they are checked
    here, with the parser the web tier uses."""
    from limits import parse_many

    for name in RATE_VARIABLES:
        items = parse_many(getattr(RateLimits(), name))
        assert len(items) == 1 and items[0].amount >= 1, name


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("LEGALIZE_RATE_PUBLIC", "lots", "LEGALIZE_RATE_PUBLIC must be one limit"),
        ("LEGALIZE_RATE_API", "10/fortnight", "LEGALIZE_RATE_API must be one limit"),
        ("LEGALIZE_RATE_SIGNIN", "10/minute;100/hour", "LEGALIZE_RATE_SIGNIN must be one limit"),
        ("LEGALIZE_RATE_SIGNIN_USER", "-1/hour", "LEGALIZE_RATE_SIGNIN_USER must be one"),
        ("LEGALIZE_RATE_TOTP", "0/hour", "LEGALIZE_RATE_TOTP must allow at least one"),
        ("LEGALIZE_RATE_PREFIX", "a b", "LEGALIZE_RATE_PREFIX must be 1-64"),
        ("LEGALIZE_RATE_PREFIX", "x" * 65, "LEGALIZE_RATE_PREFIX must be 1-64"),
    ],
)
def test_bad_rate_limits_are_refused_by_name(variable: str, value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        Config.from_env({variable: value})


def test_rate_limits_built_in_code_are_checked_too() -> None:
    with pytest.raises(ConfigError, match="LEGALIZE_RATE_API"):
        RateLimits(api="often")
