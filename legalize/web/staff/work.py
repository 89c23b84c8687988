"""My work (/staff/): each role's queue on one landing page, with counts.

An approving officer: cases waiting for my approval (prepared by another officer and not
filed by me). An issuing officer: approved cases ready to issue, and what I prepared that
waits for another officer. A border officer: today's expected arrivals by port (TTDs issued,
not used, travelling today)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import border, queues
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
@roles_required(*ALL)
def work() -> WerkzeugResponse:
    user = current_user()
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
    db().rollback()
    return page("staff/work.html", **context)
