"""The ``legalize`` command run in process, as the ``runner`` fixture (tests/conftest.py) does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CliResult:
    status: int
    """The exit status ``legalize.cli.main`` returned."""
    out: str
    err: str


class Runner(Protocol):
    def __call__(self, *args: str) -> CliResult: ...
