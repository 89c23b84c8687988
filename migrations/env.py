"""Alembic environment: the registry's metadata, the engine given by the library or the URL."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Engine

from legalize.config import Config
from legalize.registry.db import make_engine
from legalize.registry.schema import load_models
from legalize.registry.timestamps import UtcDateTime

target_metadata = load_models()


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations name plain SQLAlchemy types only, so they never depend on our Python code.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _engine() -> Engine:
    given = context.config.attributes.get("engine")
    if isinstance(given, Engine):
        return given
    url = context.config.get_main_option("sqlalchemy.url") or Config.from_env().database_url
    return make_engine(url)


def run_offline() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or Config.from_env().database_url
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
