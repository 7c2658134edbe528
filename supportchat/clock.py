"""Time in one format: naive UTC inside, ISO 8601 with milliseconds and ``Z`` outside."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time as naive UTC, to the millisecond (what every store can keep)."""
    now = datetime.now(UTC)
    return now.replace(tzinfo=None, microsecond=now.microsecond // 1000 * 1000)


def iso(moment: datetime | None) -> str | None:
    """PROTOCOL.md §1 timestamp, e.g. ``2026-11-22T10:00:00.123Z``."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
