"""Logging a failure without what it was about.

An exception's text may quote the data it was given: PostgreSQL's ``DETAIL`` names a
failing row's values ("Failing row contains (…, JAYAWARDENA, 1992-09-09, …)"), a rule's
message a field's value, a decoder's the bytes it refused. No personal data goes into a log,
so a failure is logged by the exception's type and where it was raised — the frames of its
traceback, file, line and function — and never by its message; ``log.exception`` would print
the message. The web app's unhandled-error handler logs the type and route for the same
reason (``legalize.web.errors``).
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

FRAMES = 8
"""The innermost frames named: where it went wrong, not the whole way there."""


def failure(log: logging.Logger, what: str, exc: BaseException, *args: object) -> None:
    """Log ``what`` (a %-format of ``args``, which must name no one) as an error with
    ``exc``'s type chain and innermost frames, not its message."""
    log.error(what + ": %s", *args, described(exc))


def described(exc: BaseException) -> str:
    """``Type at file:line in function ← file:line in function …``, and each exception it
    came from (``__cause__``/``__context__``) by type and place the same way."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)[-FRAMES:]
        where = " ← ".join(
            f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(frames)
        )
        parts.append(
            f"{type(current).__module__}.{type(current).__qualname__}"
            + (f" at {where}" if where else "")
        )
        current = current.__cause__ or current.__context__
    return "; from ".join(parts)
