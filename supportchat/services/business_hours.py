"""Whether the team is within its business hours (PROTOCOL.md §3.7 ``businessHours``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def within(hours: dict[str, Any] | None, now: datetime) -> bool | None:
    """True inside an interval of ``hours``, False outside, None when no hours are set.

    ``now`` must be aware; intervals are local times in the hours' time zone, end excluded."""
    if not hours:
        return None
    local = now.astimezone(ZoneInfo(hours["timezone"]))
    clock = local.strftime("%H:%M")
    intervals = hours.get("days", {}).get(WEEKDAYS[local.weekday()], [])
    return any(start <= clock < end for start, end in intervals)
