"""The log of public checks (what the risk-analysis unit watches) and its daily salts.

A row says that someone checked something, how, and what the answer was: never who. The
checker is kept only as a hash of the client address under the day's random salt; the salt
row is deleted once its day is over (:func:`legalize.cases.checks_log.purge`), after which
no hash of that day can be linked to an address or to another day's hash.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from legalize.registry.base import Base
from legalize.registry.timestamps import UtcDateTime


class PublicCheck(Base):
    """One public check: by number and code, QR link, PDF, photo, API or camera scan."""

    __tablename__ = "public_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    method: Mapped[str] = mapped_column(String(16))
    """A :class:`legalize.cases.checks_log.Method` value."""
    verdict: Mapped[str] = mapped_column(String(16))
    """``valid``, ``invalid`` or ``indeterminate`` (verifier.report.Verdict, lower case)."""
    reasons: Mapped[str] = mapped_column(String(500), default="")
    """The failed checks' reason codes, space-separated and sorted; empty when valid."""
    document_number: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    """The number the check named, when it named one (typed, or read from a genuine seal)."""
    document_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    issuing_post: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The signer certificate's issuing post (its subject OU), when a seal was verified."""
    client_hash: Mapped[str] = mapped_column(String(32), index=True)
    """HMAC-SHA-256 of the client address under the day's salt, 128 bits in hex."""


class CheckSalt(Base):
    """The random salt of one UTC day's client hashes; deleted when the day is over."""

    __tablename__ = "check_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary)
