"""The published demo credentials of ``legalize dev run`` and the check that keeps them out
of production.

A small module of its own: the command line and ``create_app`` import it, and the demo data
(:mod:`legalize.cases.demo`, which draws pictures and PDFs) is heavy to import.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.registry import accounts

__all__ = ["DEMO_CLIENT", "DEMO_TOKEN", "DEMO_USERS", "demo_credentials"]

DEMO_USERS: dict[str, tuple[tuple[str, ...], str]] = {
    "alice": (("issuing_officer",), "demo-alice-dev-only"),
    "bob": (("approving_officer",), "demo-bob-dev-only"),
    "carol": (("border_officer",), "demo-carol-dev-only"),
    "dave": (("issuing_officer", "approving_officer"), "demo-dave-dev-only"),
    "root": (("administrator",), "demo-root-dev-only"),
    "erin": (("risk_analyst",), "demo-erin-dev-only"),
}
"""username → (roles, password). DEV ONLY: published here on purpose (``legalize dev run``
prints them); production refuses to start while any of them signs in (:func:`demo_credentials`)."""
DEMO_CLIENT = ("demo-deu", "DEU")
DEMO_TOKEN = "dev-only-demo-token-DEU-not-a-secret-0123456789"  # noqa: S105 - dev only


def demo_credentials(session: Session) -> list[str]:
    """The published demo credentials this database accepts, one line each: demo users whose
    password is still the published one (active or not: re-enabling is one click) and API
    clients holding the demo token. Production refuses to start while the list is not empty.
    Costs one password check (~50 ms) per demo user name present."""
    found = []
    for name, (_, password) in DEMO_USERS.items():
        user = accounts.get_user(session, name)
        if user is not None and accounts.password_matches(user, password):
            found.append(f"user {name} with the published demo password")
    clients = session.scalars(
        select(accounts.ApiClient).where(
            accounts.ApiClient.token_hash == accounts.token_hash(DEMO_TOKEN)
        )
    )
    found += [f"API client {c.name} with the published demo API token" for c in clients]
    return found
