"""The append-only, hash-chained audit log (DESIGN §7).

Each entry hashes a canonical encoding of its own fields together with the previous entry's
hash, so changing, removing or inserting a row anywhere breaks the chain from that row on.
Appends lock the chain head (the ``audit`` counter row) for the rest of the transaction, so
two concurrent transactions can never both extend the same head: the chain cannot fork, and
an entry commits or rolls back together with the change it records.

Details hold ids, codes and reasons — never personal data (names, birth dates, numbers of
identity documents, images); :func:`append` refuses the obvious keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from legalize.registry.base import Base
from legalize.registry.counters import lock_counter
from legalize.registry.models import Counter
from legalize.registry.timestamps import UtcDateTime

GENESIS_HASH = "0" * 64
HEAD_COUNTER = "audit"
PERSONAL_KEYS = frozenset(
    {
        "surname",
        "given_names",
        "name",
        "birth_date",
        "birth_place",
        "nic_number",
        "passport_number",
        "photo",
        "image",
        "address",
    }
)
"""Detail keys refused: the audit log names subjects by id only."""


class AuditError(ValueError):
    """An audit entry could not be written (bad details)."""


class AuditEntry(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    """Canonical JSON (sorted keys, no spaces), stored as text so the hash is reproducible."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def details_dict(self) -> dict[str, Any]:
        value = json.loads(self.details)
        assert isinstance(value, dict)
        return value


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    """True when every entry hashes correctly onto its predecessor and none is missing."""
    entries: int
    """Number of entries read."""
    first_broken_seq: int | None = None
    """Sequence number of the first entry that does not verify (None when ok)."""
    reason: str = ""
    """Why that entry does not verify."""
    head_hash: str = GENESIS_HASH
    """Hash of the last entry read: write it down elsewhere (an anchor) to detect later a
    rewrite of the whole tail, which a chain alone cannot."""


@dataclass(frozen=True)
class Anchor:
    """A (seq, hash) pair recorded outside the database, e.g. printed or mailed daily."""

    seq: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """``SEQ:HASH`` as printed by ``legalize audit verify``."""
        seq, sep, digest = text.strip().partition(":")
        if not sep or not seq.isdigit() or len(digest) != 64:
            raise AuditError(f"an anchor is SEQ:HASH (64 hex digits), got {text!r}")
        try:
            bytes.fromhex(digest)
        except ValueError:
            raise AuditError(f"an anchor is SEQ:HASH (64 hex digits), got {text!r}") from None
        return cls(int(seq), digest.lower())


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    details: str,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON array of the entry's fields, ``prev_hash`` included."""
    encoded = canonical_json(
        [seq, _timestamp(at), actor, action, subject_type, subject_id, details, prev_hash]
    )
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _check_details(details: Mapping[str, Any]) -> str:
    bad = sorted(PERSONAL_KEYS.intersection(details))
    if bad:
        raise AuditError(f"audit details must not hold personal data: {', '.join(bad)}")
    try:
        return canonical_json(dict(details))
    except (TypeError, ValueError) as exc:
        raise AuditError(f"audit details are not JSON: {exc}") from exc


@dataclass(frozen=True)
class NewEntry:
    """An entry to append (:func:`append_many`)."""

    actor: str
    action: str
    subject_type: str
    subject_id: str | int
    at: datetime
    details: Mapping[str, Any] | None = None


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str | int,
    at: datetime,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry in the caller's transaction (flushed; the caller commits or rolls back)."""
    new = NewEntry(actor, action, subject_type, subject_id, at, details)
    return append_many(session, [new])[0]


def append_many(session: Session, new: Sequence[NewEntry]) -> list[AuditEntry]:
    """Add entries in this order in the caller's transaction (flushed): the chain head moves
    once for all of them (documents issued together)."""
    checked = []
    for e in new:
        if e.at.tzinfo is None:
            raise AuditError("audit time must be timezone-aware")
        checked.append((e, _check_details(e.details or {})))
    if not checked:
        return []
    seq, prev_hash = _advance_head(session, len(checked))
    entries = []
    for e, details_text in checked:
        subject_id = str(e.subject_id)
        entry = AuditEntry(
            seq=seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            subject_type=e.subject_type,
            subject_id=subject_id,
            details=details_text,
            prev_hash=prev_hash,
        )
        entry.hash = entry_hash(
            seq, e.at, e.actor, e.action, e.subject_type, subject_id, details_text, prev_hash
        )
        entries.append(entry)
        seq, prev_hash = seq + 1, entry.hash
    session.add_all(entries)
    session.flush()
    return entries


def _advance_head(session: Session, by: int) -> tuple[int, str]:
    """Move the chain head on by ``by``, locking it until the transaction ends: (the first
    new entry's seq, the hash it chains onto). One statement in the common case — the UPDATE
    takes the row lock and returns the previous entry's hash — because every issued document
    appends twice and each round trip adds up."""
    previous = select(AuditEntry.hash).where(AuditEntry.seq == Counter.value - by).scalar_subquery()
    row = session.execute(
        update(Counter)
        .where(Counter.name == HEAD_COUNTER)
        .values(value=Counter.value + by)
        .returning(Counter.value, previous)
        .execution_options(synchronize_session="fetch")
    ).one_or_none()
    if row is None:  # the first entry ever: make the row (lock_counter copes with a race)
        head = lock_counter(session, HEAD_COUNTER)
        head.value += by
        session.flush()
        last, prev_hash = head.value, None
    else:
        last, prev_hash = int(row[0]), row[1]
    first = last - by + 1
    if first == 1:
        return first, GENESIS_HASH
    if prev_hash is None:
        # The UPDATE waited for another append's lock: PostgreSQL re-read the head row but
        # the subquery still sees the statement's snapshot, which predates that entry (or
        # the row was just made). Read it now.
        prev = session.get(AuditEntry, first - 1)
        if prev is None:
            raise AuditError(
                f"audit chain head {first - 1} is missing; run `legalize audit verify`"
            )
        prev_hash = prev.hash
    return first, str(prev_hash)


def verify_chain(
    session: Session, batch_size: int = 2000, anchors: Iterable[Anchor] = ()
) -> AuditVerification:
    """Recompute the whole chain; name the first entry that does not verify. ``anchors``
    (hashes recorded outside the database) must match their entries."""
    wanted = {a.seq: a.hash for a in anchors}
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    for entry in _iter_entries(session, batch_size):
        count += 1
        if entry.seq != expected_seq:
            return AuditVerification(
                False, count, expected_seq, f"entry {expected_seq} is missing (next is {entry.seq})"
            )
        if entry.prev_hash != prev_hash:
            return AuditVerification(
                False, count, entry.seq, "previous-hash link does not match the entry before"
            )
        recomputed = entry_hash(
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.subject_type,
            entry.subject_id,
            entry.details,
            entry.prev_hash,
        )
        if recomputed != entry.hash:
            return AuditVerification(False, count, entry.seq, "content does not match its hash")
        if wanted.pop(entry.seq, entry.hash) != entry.hash:
            return AuditVerification(
                False, count, entry.seq, "hash differs from the anchor recorded outside"
            )
        prev_hash = entry.hash
        expected_seq += 1
    head = session.get(Counter, HEAD_COUNTER)
    last = expected_seq - 1
    if head is not None and head.value != last:
        return AuditVerification(
            False, count, last + 1, f"chain head says {head.value} entries, table ends at {last}"
        )
    if wanted:
        missing = min(wanted)
        return AuditVerification(
            False, count, missing, f"anchored entry {missing} is not in the log any more"
        )
    return AuditVerification(True, count, head_hash=prev_hash)


def _iter_entries(session: Session, batch_size: int) -> Iterable[Any]:
    # Plain rows, not ORM objects: a long log is not kept in the session's identity map.
    columns = [c for c in AuditEntry.__table__.columns]
    after = 0
    while True:
        rows = list(
            session.execute(
                select(*columns)
                .where(AuditEntry.seq > after)
                .order_by(AuditEntry.seq)
                .limit(batch_size)
            )
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def entries_for(session: Session, subject_type: str, subject_id: str | int) -> list[AuditEntry]:
    """The entries about one subject, oldest first (the case history of the staff pages)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_type == subject_type)
            .where(AuditEntry.subject_id == str(subject_id))
            .order_by(AuditEntry.seq)
        )
    )


def count_entries(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
