"""Every model module, imported so ``Base.metadata`` holds the whole schema (for Alembic)."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from legalize.registry.base import Base

MODEL_MODULES = (
    "legalize.registry.models",
    "legalize.registry.audit",
    "legalize.registry.identity",
    "legalize.registry.accounts",
    "legalize.registry.jobs",
    "legalize.registry.checks",
    "legalize.registry.photo_checks",
)


def load_models() -> MetaData:
    """Import all model modules and return the complete metadata."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata
