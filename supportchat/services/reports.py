"""Reports for agents (PROTOCOL.md §3.7): the window asked for, the database's figures
(stores/reports.py) shaped as JSON or CSV, with every bucket of the window present."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

from ..clock import utcnow
from ..context import Context
from ..errors import AppError
from ..stores.reports import Figures

DEFAULT_DAYS = 30
MAX_DAYS = 366
CSV_COLUMNS = ("start", "conversations", "messages", "firstResponseP50", "csatAverage")


def window(start: date | None, end: date | None) -> tuple[date, date]:
    """The days asked for, both included: by default the last 30 days up to today (UTC)."""
    end = end or utcnow().date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise AppError("invalid", "from must be on or before to.", {"field": "from"})
    if (end - start).days >= MAX_DAYS:
        raise AppError(
            "invalid",
            f"A report covers at most {MAX_DAYS} days; narrow from and to.",
            {"field": "from"},
        )
    return start, end


def report(ctx: Context, start: date | None, end: date | None, bucket: str) -> dict[str, Any]:
    """The report of the tickets created from ``start`` to ``end`` (days, both included)."""
    start, end = window(start, end)
    data = ctx.store.report(
        datetime.combine(start, datetime.min.time()),
        datetime.combine(end + timedelta(days=1), datetime.min.time()),
        bucket,
    )
    totals = data.totals
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "bucket": bucket,
        "totals": {
            "conversations": totals.conversations,
            "messages": totals.messages,
            "firstResponseSeconds": _percentiles(totals.first_response),
            "resolutionSeconds": _percentiles(totals.resolution),
            "csat": {
                "count": totals.rated,
                "average": _average(totals),
                "distribution": {str(n): totals.distribution[n - 1] for n in range(1, 6)},
            },
            "botResolved": totals.bot_resolved,
        },
        "series": [
            _bucket(key, data.series.get(key) or Figures()) for key in _buckets(start, end, bucket)
        ],
    }


def as_csv(report_: dict[str, Any]) -> str:
    """The series as CSV, one row a bucket (empty cells where there is no figure)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(report_["series"])
    return out.getvalue()


def _buckets(start: date, end: date, bucket: str) -> list[str]:
    step = timedelta(days=1 if bucket == "day" else 7)
    day = start if bucket == "day" else start - timedelta(days=start.weekday())
    keys = []
    while day <= end:
        keys.append(day.isoformat())
        day += step
    return keys


def _bucket(key: str, figures: Figures) -> dict[str, Any]:
    return {
        "start": key,
        "conversations": figures.conversations,
        "messages": figures.messages,
        "firstResponseP50": _seconds(figures.first_response.get(50)),
        "csatAverage": _average(figures),
    }


def _percentiles(values: dict[int, float]) -> dict[str, float | None]:
    return {"p50": _seconds(values.get(50)), "p90": _seconds(values.get(90))}


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _average(figures: Figures) -> float | None:
    return None if figures.average is None else round(figures.average, 2)
