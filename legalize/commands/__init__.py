"""Command groups of the ``legalize`` console script, one module each."""

from __future__ import annotations


class CommandError(Exception):
    """A command could not do what was asked; the message is shown to the user as is."""

    def __init__(self, message: str, exit_status: int = 1) -> None:
        super().__init__(message)
        self.exit_status = exit_status
