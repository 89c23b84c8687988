"""Photo checks waiting for, or answered by, a task-queue worker: the uploaded picture of
the paper, and then the report and the annotated picture, for a short while.

Not part of the register: a row holds an identity document's picture only until a worker has
checked it (the bytes are cleared when the answer is written) and the answer only until
``expires_at`` (an hour; :mod:`legalize.cases.photo_checks` deletes expired rows). The id is a
random token, the capability the submitter's browser holds; nothing here says who sent it
beyond what the check's record needs (a staff actor, or the public check log's salted hash).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from legalize.registry.base import Base
from legalize.registry.timestamps import UtcDateTime


class PhotoCheckState(StrEnum):
    QUEUED = "queued"
    """Uploaded; no worker has taken it yet."""
    RUNNING = "running"
    """A worker is verifying it."""
    DONE = "done"
    """The report (and picture) are here; the upload is gone."""
    FAILED = "failed"
    """The check could not be carried out (``error`` says why); the upload is gone."""


class PhotoCheck(Base):
    __tablename__ = "photo_checks"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    """Random, unguessable (``secrets.token_urlsafe``): the URL of the progress page."""
    kind: Mapped[str] = mapped_column(String(16))
    """Where it was asked: ``public``, ``clearance`` or ``case`` (which page shows it)."""
    number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    """The document looked up (staff pages); None for the public check."""
    actor_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The staff member who asked (audited with the answer); None for the public check."""
    client_hash: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """The public checker's salted address hash, for the check log; never the address."""
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """When it was uploaded: the time the check is made at."""
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    upload: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """The picture as uploaded; cleared when the check ends either way."""
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """``verifier.report.Report.to_dict()`` with the register's checks."""
    picture: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """The annotated page (PNG), when one could be drawn."""
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (Index("ix_photo_checks_expires_at", "expires_at"),)
