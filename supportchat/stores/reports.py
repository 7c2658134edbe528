"""What the report queries of every ticket store hand back (PROTOCOL.md §3.7 reports), and the
one definition of the figures they compute in their database:

- tickets counted are those created in [start, end), in the bucket of their creation (UTC
  days, or weeks from Monday); messages (``kind: message``) by the time they were written;
- first response: from a ticket's creation (the customer opening the conversation) to its
  first public agent message, ``first_reply_at``, which the stores keep as messages arrive, so
  no message is read for it; the customer waits from then (PROTOCOL.md §2 ``waitingSince``);
- resolution: from a ticket's creation to its close;
- percentiles are nearest-rank: the value at rank ceil(p * n / 100) of the n sorted values;
- botResolved: closed tickets in which the bot answered (not only the automatic reply), no
  agent wrote and nothing was handed over (no ``event`` message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

PERCENTILES = (50, 90)
TOTAL = ""  # the key of the figures over the whole window


def buckets(start: datetime, end: datetime, bucket: str) -> list[tuple[str, datetime, datetime]]:
    """The buckets of [start, end) as (key, from, to): UTC days, or weeks from Monday, the
    first and last cut to the window; the databases count rows by range, bucket by bucket."""
    step = timedelta(days=1 if bucket == "day" else 7)
    first = datetime.combine(start.date(), datetime.min.time())
    if bucket == "week":
        first -= timedelta(days=first.weekday())
    found = []
    while first < end:
        found.append((first.date().isoformat(), max(first, start), min(first + step, end)))
        first += step
    return found


def rank(percent: int, count: int) -> int:
    """The 1-based nearest rank of ``percent`` among ``count`` values (integer arithmetic,
    as the databases do it)."""
    return (percent * count + 99) // 100


@dataclass
class Figures:
    """The figures of the tickets of one bucket (or of all, key TOTAL)."""

    conversations: int = 0
    rated: int = 0
    average: float | None = None
    distribution: list[int] = field(default_factory=lambda: [0] * 5)  # ratings 1..5
    bot_resolved: int = 0
    first_response: dict[int, float] = field(default_factory=dict)  # percentile: seconds
    resolution: dict[int, float] = field(default_factory=dict)
    messages: int = 0


@dataclass
class ReportData:
    """Totals and the figures per bucket, keyed by the bucket's first day (``YYYY-MM-DD``);
    buckets without tickets or messages are left out."""

    totals: Figures
    series: dict[str, Figures]
