"""Cross-check a claimed identity against the NIC registry and the SLTD watchlist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from legalize.registry.identity import (
    IdentityRecord,
    NationalIdRegistry,
    TravelDocumentWatchlist,
    WatchlistHit,
    normalize_name,
)


class Outcome(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    ON_WATCHLIST = "on_watchlist"


@dataclass(frozen=True)
class ClaimedIdentity:
    """The identity a host country or an applicant states."""

    surname: str
    given_names: str
    birth_date: date
    sex: str
    birth_place: str = ""
    nationality: str = "LKA"
    nic_number: str | None = None
    passport_number: str | None = None
    """The last travel document the person held (checked against the watchlist)."""


@dataclass(frozen=True)
class CrossCheck:
    identity: Outcome
    """MATCH, MISMATCH or NOT_FOUND against the NIC registry."""
    mismatched: tuple[str, ...] = ()
    """Fields that differ from the registry record (when MISMATCH)."""
    nic_number: str | None = None
    """The registry record compared with (found by number, or by name and birth date)."""
    watchlist: tuple[WatchlistHit, ...] = ()
    register: tuple[tuple[str, str], ...] = ()
    """The register's value of each mismatched field (shown beside the claimed one)."""

    @property
    def outcome(self) -> Outcome:
        """ON_WATCHLIST overrides the identity result: a reported document is the first alarm."""
        return Outcome.ON_WATCHLIST if self.watchlist else self.identity

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "identity": self.identity.value,
            "mismatched": list(self.mismatched),
            "nic_number": self.nic_number,
            "register": dict(self.register),
            "watchlist": [
                {
                    "document_number": h.document_number,
                    "issuing_country": h.issuing_country,
                    "status": h.status,
                    "reported_on": h.reported_on.isoformat() if h.reported_on else None,
                }
                for h in self.watchlist
            ],
        }


def _differences(claimed: ClaimedIdentity, record: IdentityRecord) -> tuple[str, ...]:
    fields = []
    if normalize_name(claimed.surname) != record.surname:
        fields.append("surname")
    if claimed.given_names and normalize_name(claimed.given_names) != record.given_names:
        fields.append("given_names")
    if claimed.birth_date != record.birth_date:
        fields.append("birth_date")
    if claimed.sex.upper() != record.sex:
        fields.append("sex")
    return tuple(fields)


def _register_values(
    record: IdentityRecord, fields: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    values = []
    for name in fields:
        value = getattr(record, name)
        values.append((name, value.isoformat() if isinstance(value, date) else str(value)))
    return tuple(values)


def cross_check(
    claimed: ClaimedIdentity,
    registry: NationalIdRegistry,
    watchlist: TravelDocumentWatchlist,
) -> CrossCheck:
    """Compare with the NIC record (by number when given, else by name and birth date) and
    look the last travel document up in the watchlist."""
    hits: tuple[WatchlistHit, ...] = ()
    if claimed.passport_number:
        hits = tuple(watchlist.lookup(claimed.passport_number, claimed.nationality))
    if claimed.nic_number:
        record = registry.by_number(claimed.nic_number)
        if record is None:
            return CrossCheck(Outcome.NOT_FOUND, watchlist=hits)
        diffs = _differences(claimed, record)
        outcome = Outcome.MISMATCH if diffs else Outcome.MATCH
        return CrossCheck(outcome, diffs, record.nic_number, hits, _register_values(record, diffs))
    candidates = registry.by_name_and_birth_date(
        claimed.surname, claimed.given_names, claimed.birth_date
    )
    if len(candidates) != 1:
        # None, or several people of that name and birth date: no identification either way.
        return CrossCheck(Outcome.NOT_FOUND, watchlist=hits)
    diffs = _differences(claimed, candidates[0])
    outcome = Outcome.MISMATCH if diffs else Outcome.MATCH
    return CrossCheck(
        outcome, diffs, candidates[0].nic_number, hits, _register_values(candidates[0], diffs)
    )
