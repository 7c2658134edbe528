"""Admin console pages for API tokens, the audit log and the reports: Jinja reading the same
services as the JSON API; changes go through that API (static/admin/tokens.js)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request

from .. import schemas
from ..context import current
from ..errors import AppError
from ..services import agents, audit, reports, tokens
from . import charts
from .pages import agent_page

bp = Blueprint("admin_console", __name__, url_prefix="/admin")

AUDIT_PAGE = 50


@bp.get("/tokens")
@agent_page(admin=True)
def tokens_page():
    """Personal API tokens: create (shown once), list, revoke."""
    people = _people()
    listed = [
        {**tokens.token_view(stored), "owner": people.get(stored.agent_id, stored.agent_id)}
        for stored in tokens.list_tokens()
    ]
    return render_template(
        "admin/tokens.html", actor=g.actor, me=people.get(g.actor.id), tokens=listed
    )


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
        people=_people(),
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


@bp.app_template_filter("minute")
def minute(moment: str | None) -> str:
    """A PROTOCOL timestamp to the minute, as people read it: ``2026-11-22 10:00``."""
    return moment[:16].replace("T", " ") if moment else ""


@bp.app_template_filter("duration")
def duration(seconds: float | None) -> str:
    """A report's duration as people read it: ``4.2 s``, ``1 min 45 s``, ``2 h 5 min``."""
    if seconds is None:
        return "–"
    if seconds < 59.95:  # what would not read "60.0 s"
        return f"{seconds:.1f}".removesuffix(".0") + " s"
    minutes, second = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {second} s"
    hours, minute = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minute} min"
    days, hour = divmod(hours, 24)
    return f"{days} d {hour} h"


@bp.app_template_filter("details")
def details(values: dict[str, Any] | None) -> str:
    """An audit event's details as a line of text: ``fields: name, role; ok: yes``."""

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(text(item) for item in value)
        return str(value)

    return "; ".join(f"{key}: {text(value)}" for key, value in (values or {}).items())


def _people() -> dict[str, str]:
    """Every account's id → "Name <email>", for the pages that name who did something."""
    return {agent.id: f"{agent.name} <{agent.email}>" for agent in agents.list_agents()}


def _given() -> dict[str, str]:
    """The query's parameters with a value (a form's empty fields mean "the default")."""
    return {name: value for name, value in request.args.items() if value}
