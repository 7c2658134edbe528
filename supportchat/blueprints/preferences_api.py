"""``/api/admin/preferences``: every agent's and admin's own preferences (how the dashboard
alerts them, email while offline). A personal API token acts as its owner; AUTH_BEARER_TOKEN
is no one's account and is refused."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from .. import schemas
from ..services import preferences
from . import api
from .admin_api import agents_only

bp = Blueprint("preferences_api", __name__)


@bp.get("/api/admin/preferences")
@agents_only
def read_preferences():
    """The caller's own preferences, defaults filled in."""
    return jsonify(preferences.read(g.actor.id))


@bp.put("/api/admin/preferences")
@agents_only
def write_preferences():
    """Change some of the caller's own preferences; answers all of them."""
    payload = api.json_payload(schemas.PreferencesUpdate)
    changes = payload.model_dump(include=payload.model_fields_set)
    return jsonify(preferences.change(g.actor.id, changes))
