"""What the widget reads before the first message (PROTOCOL.md §3.4 ``/api/chat/config``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..context import Context
from ..extensions import socketio
from . import business_hours
from .uploads import ALLOWED_TYPES


def view(ctx: Context) -> dict[str, Any]:
    """Branding, whether the team answers now, the forms and what may be uploaded."""
    branding, behavior = ctx.section("branding"), ctx.section("behavior")
    online = business_hours.within(behavior["businessHours"], datetime.now(UTC))
    return {
        "branding": {key: branding[key] for key in ("title", "primaryColor", "welcomeMessage")},
        "online": agents_connected() if online is None else online,
        "offlineMessage": behavior["offlineMessage"],
        "preChatForm": behavior["preChatForm"],
        "csat": behavior["csat"],
        "locale": ctx.config["DEFAULT_LOCALE"],
        "upload": {"maxMb": ctx.config["MAX_UPLOAD_MB"], "types": sorted(ALLOWED_TYPES)},
    }


def agents_connected() -> bool:
    """Whether an agent's socket is connected to this process (without business hours set,
    "online" means somebody is there to answer)."""
    manager = socketio.server.manager
    return next(iter(manager.get_participants("/agent", "agents")), None) is not None
