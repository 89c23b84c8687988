"""Why a seal could not be processed: one exception per stable reason code.

An invalid signature is not an exception (it is a verification result); these say that the
bytes are not a seal at all (:class:`SealUnreadable`), break the format's structure
(:class:`SealMalformed`), or use a version, algorithm or profile we do not read
(:class:`SealUnsupported`).
"""

from __future__ import annotations


class SealError(Exception):
    """Base class; ``code`` is the stable reason code a report carries."""

    code = "SEAL_MALFORMED"


class SealUnreadable(SealError):
    """Not a seal: no VDS magic, no IDB identifier, undecodable text."""

    code = "SEAL_UNREADABLE"


class SealMalformed(SealError):
    """Looks like a seal but its structure is broken (truncated, bad length, bad C40, ...)."""

    code = "SEAL_MALFORMED"


class SealUnsupported(SealError):
    """A well-formed seal of a version, algorithm or profile this implementation does not read."""

    code = "SEAL_UNSUPPORTED"
