"""Canned responses (PROTOCOL.md §3.7): ``/api/admin/canned`` for agents to read and admins
to keep, and the admin page ``/admin/canned`` that uses it."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template, request

from .. import schemas
from ..context import current
from ..services import audit, canned
from . import api
from .admin_api import admins_only, agents_only
from .pages import agent_page

bp = Blueprint("canned_api", __name__)


@bp.get("/api/admin/canned")
@agents_only
def list_canned():
    """Every canned response, by shortcut."""
    return jsonify({"canned": [canned.view(item) for item in canned.listing(current())]})


@bp.post("/api/admin/canned")
@admins_only
def create_canned():
    """A new canned response; its shortcut must be free."""
    payload = api.json_payload(schemas.CannedCreate)
    item = canned.add(current(), payload.shortcut, payload.title, payload.text)
    audit.record(g.actor.id, "canned.create", item.id, request.remote_addr)
    return jsonify({"canned": canned.view(item)}), 201


@bp.patch("/api/admin/canned/<canned_id>")
@admins_only
def update_canned(canned_id: str):
    """Change the shortcut, title or text of a canned response."""
    payload = api.json_payload(schemas.CannedUpdate)
    changes = payload.model_dump(exclude_none=True)
    item = canned.change(current(), canned_id, changes)
    audit.record(g.actor.id, "canned.update", item.id, request.remote_addr)
    return jsonify({"canned": canned.view(item)})


@bp.delete("/api/admin/canned/<canned_id>")
@admins_only
def delete_canned(canned_id: str):
    """Delete a canned response."""
    canned.remove(current(), canned_id)
    audit.record(g.actor.id, "canned.delete", canned_id, request.remote_addr)
    return "", 204


@bp.get("/admin/canned")
@agent_page(admin=True)
def page():
    """The admin page listing canned responses, with forms to add, change and delete them."""
    return render_template("admin/canned.html", actor=g.actor)
