"""What the widget reads before the first message (PROTOCOL.md §3.4 ``/api/chat/config``),
and the one rule of whether the chat is online, which the team's email follows too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..context import Context
from ..realtime import presence
from . import business_hours
from .uploads import ALLOWED_TYPES


def view(ctx: Context) -> dict[str, Any]:
    """Branding, whether the team answers now, the forms and what may be uploaded."""
    branding, behavior = ctx.section("branding"), ctx.section("behavior")
    return {
        "branding": {key: branding[key] for key in ("title", "primaryColor", "welcomeMessage")},
        "online": online(behavior),
        "offlineMessage": behavior["offlineMessage"],
        "preChatForm": behavior["preChatForm"],
        "csat": behavior["csat"],
        "locale": ctx.config["DEFAULT_LOCALE"],
        "upload": {"maxMb": ctx.config["MAX_UPLOAD_MB"], "types": sorted(ALLOWED_TYPES)},
    }


def online(behavior: dict[str, Any]) -> bool:
    """Whether the chat is online (else the widget offers its offline form): within the
    business hours, or, when none are set, while an agent has the dashboard open in any
    server process (realtime.presence)."""
    within = business_hours.within(behavior["businessHours"], datetime.now(UTC))
    return presence.current().anyone() if within is None else within
