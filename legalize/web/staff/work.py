"""My work (/staff/): each role's queue on one landing page, with counts.

An approving officer: cases waiting for my approval (prepared by another officer and not
filed by me). An issuing officer: approved cases ready to issue, and what I prepared that
waits for another officer. A border officer: today's expected arrivals by port (TTDs issued,
not used, travelling today)."""

from __future__ import annotations

from typing import Any

from flask import redirect, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import border, holds, queues
from legalize.cases.queues import Queue
from legalize.kinds import Role
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.pages import page
from legalize.web.staff import bp
from legalize.web.state import db, now

ALL = (Role.ISSUING_OFFICER, Role.APPROVING_OFFICER, Role.BORDER_OFFICER, Role.ADMINISTRATOR)


def work_counts() -> list[tuple[str, int, str]]:
    """(label, count, link) of the signed-in officer's queues, for the top of the case list."""
    user = current_user()
    me = user_actor(user).id
    out: list[tuple[str, int, str]] = []
    if user.has_role(Role.APPROVING_OFFICER):
        out.append(
            ("waiting for your approval", queues.awaiting_approval(db(), me, 0).total, "#approve")
        )
    if user.has_role(Role.ISSUING_OFFICER) or user.has_role(Role.APPROVING_OFFICER):
        out.append(("approved, ready to issue", queues.ready_to_issue(db(), 0).total, "#issue"))
    if user.has_role(Role.ISSUING_OFFICER):
        out.append(
            ("prepared by you, awaiting approval", queues.prepared_by(db(), me, 0).total, "#mine")
        )
    return out


@bp.get("/")
@roles_required(*ALL, Role.RISK_ANALYST)
def work() -> WerkzeugResponse:
    user = current_user()
    if not any(user.has_role(r) for r in ALL):
        # The risk analyst's only page: where sign-in lands them.
        return redirect(url_for("staff.risk"))
    me = user_actor(user).id
    context: dict[str, Any] = {}
    if user.has_role(Role.APPROVING_OFFICER):
        context["awaiting"] = queues.awaiting_approval(db(), me)
    if user.has_role(Role.ISSUING_OFFICER) or user.has_role(Role.APPROVING_OFFICER):
        context["ready"] = queues.ready_to_issue(db())
    if user.has_role(Role.ISSUING_OFFICER):
        context["mine"] = queues.prepared_by(db(), me)
    if user.has_role(Role.BORDER_OFFICER):
        context["arrivals"] = border.arrivals(db(), now().date())
    context["holds"] = _holds(context.get("awaiting"), context.get("ready"))
    db().rollback()
    return page("staff/work.html", **context)


def _holds(*shown: Queue | None) -> dict[int, tuple[str, ...]]:
    """Case id → what holds it back (legalize.cases.holds, as on a batch's page), so the
    queue says it before the case is opened."""
    ids = [c.id for queue in shown if queue is not None for c in queue.items]
    return holds.holds(db(), ids, now()) if ids else {}
