"""The risk-analysis dashboard (/staff/risk): public checks and their failures over time.

For the risk-analysis unit (``risk_analyst``, a role that sees this page and nothing else):
checks and failures by day, reason, document type, method and issuing post as server-rendered
SVG (no script), the recent failures, and the alerts of :mod:`legalize.cases.checks_log`.
"""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import checks_log
from legalize.kinds import Role
from legalize.web import charts
from legalize.web.auth import roles_required
from legalize.web.errors import WebError
from legalize.web.pages import page
from legalize.web.staff import bp
from legalize.web.state import db, now, state

PERIODS = (7, 30, 90)
"""Days the dashboard can show; the first is the default."""


@bp.get("/risk")
@roles_required(Role.RISK_ANALYST)
def risk() -> WerkzeugResponse:
    text = request.args.get("days", str(PERIODS[0]))
    if text not in {str(p) for p in PERIODS}:
        # 400 like the case list's filters: a bad query parameter, not a form to re-show
        raise WebError(
            400, "INVALID_INPUT", f"days must be one of {', '.join(map(str, PERIODS))}", "days"
        )
    watch = state().config.watch
    board = checks_log.dashboard(
        db(),
        now(),
        days=int(text),
        window_hours=watch.window_hours,
        document_failures=watch.document_failures,
        source_failures=watch.source_failures,
    )
    db().rollback()
    return page(
        "staff/risk.html",
        board=board,
        watch=watch,
        days=int(text),
        periods=PERIODS,
        daily=charts.daily(board.days, "Checks (grey) and failures (red) per day, UTC"),
        by_reason=charts.bars(board.reasons, "Failures by reason", "reason", failures_only=True),
        by_type=charts.bars(board.types, "Checks and failures by document type", "type"),
        by_method=charts.bars(board.methods, "Checks and failures by method", "method"),
        by_post=charts.bars(board.posts, "Checks and failures by issuing post", "post"),
    )
