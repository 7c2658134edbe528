"""Admin console pages for API tokens, the audit log and the reports: Jinja reading the same
services as the JSON API; changes go through that API (static/admin/tokens.js)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from .. import schemas
from ..context import current
from ..errors import AppError
from ..services import audit, reports, tokens
from . import charts
from .pages import agent_page

bp = Blueprint("admin_console", __name__, url_prefix="/admin")

AUDIT_PAGE = 50


@bp.get("/tokens")
@agent_page(admin=True)
def tokens_page():
    """Personal API tokens: create (shown once), list, revoke."""
    listed = [tokens.token_view(stored) for stored in tokens.list_tokens()]
    return render_template("admin/tokens.html", actor=g.actor, tokens=listed)


@bp.get("/audit")
@agent_page(admin=True)
def audit_page():
    """The audit log, newest first, filtered by action, a page at a time."""
    error, events, next_cursor = None, [], None
    try:
        params = schemas.parse(schemas.AuditQuery, {**_given(), "limit": AUDIT_PAGE})
        events, next_cursor = audit.page(params.cursor, params.action, AUDIT_PAGE)
    except AppError as failure:
        error = failure.message
    return render_template(
        "admin/audit.html",
        actor=g.actor,
        events=events,
        next_cursor=next_cursor,
        action=request.args.get("action", ""),
        error=error,
    ), 400 if error else 200


@bp.get("/reports")
@agent_page
def reports_page():
    """The reports with charts (server-side SVG) and the CSV download (agents may read)."""
    try:
        params = schemas.parse(schemas.ReportQuery, {**_given(), "format": "json"})
        figures = reports.report(current(), params.start, params.end, params.bucket)
    except AppError as failure:
        return render_template(
            "admin/reports.html", actor=g.actor, report=None, error=failure.message
        ), 400
    series = figures["series"]
    return render_template(
        "admin/reports.html",
        actor=g.actor,
        report=figures,
        error=None,
        conversations=charts.bars(series, "conversations", ("conversation", "conversations")),
        first_response=charts.bars(
            series,
            "firstResponseP50",
            ("second to first response", "seconds to first response"),
        ),
        csv_query=f"from={figures['start']}&to={figures['end']}&bucket={figures['bucket']}",
    )


def _given() -> dict[str, str]:
    """The query's parameters with a value (a form's empty fields mean "the default")."""
    return {name: value for name, value in request.args.items() if value}
