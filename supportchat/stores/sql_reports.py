"""The reports in SQL (definitions in stores/reports.py) on SQLite and PostgreSQL: three
statements, each reading the window bucket by bucket through an index range.

Every figure of a ticket is a column the stores keep as it changes (``first_response_ms``,
``resolution_ms``, ``rating``, ``bot_only``), all in the index ``ix_tickets_report`` after
``created_at``: the window is read from the index alone, no ticket row and no message.
Messages are counted per bucket by ranges of ``ix_messages_report`` (``created_at``, ``kind``).
The same pass that counts a bucket concatenates its durations (``group_concat`` or
``string_agg``): the percentiles are picked in Python from 30 strings, not 100k rows.
Measured in bench/RESULTS.md ("Reports").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, DateTime, Engine, String, bindparam, text

from .reports import PERCENTILES, TOTAL, Figures, ReportData, buckets, rank

# PostgreSQL: the planner's estimate of the window (every bucket a third of the table) makes
# it compile the statement (JIT, a second and more) and sort on disk; neither is needed.
_POSTGRES_SESSION = ("SET LOCAL jit = off", "SET LOCAL work_mem = '32MB'")

# The figures of the tickets created in the window, bucket by bucket (a range of the index
# each), with the bucket's first responses and resolutions as comma-separated text.
_FIGURES = """
WITH b (k, lo, hi) AS (VALUES {buckets})
SELECT b.k, COUNT(*) AS n, COUNT(t.rating) AS rated, SUM(t.rating) AS rating_sum, {distribution},
  SUM(CASE WHEN t.bot_only AND t.resolution_ms IS NOT NULL THEN 1 ELSE 0 END) AS bot,
  {joined_first} AS first_responses, {joined_resolutions} AS resolutions
FROM b JOIN tickets t ON t.created_at >= b.lo AND t.created_at < b.hi
GROUP BY b.k
"""
_JOINED = {
    "sqlite": "group_concat(t.{column})",
    "postgresql": "string_agg(t.{column}::text, ',')",
}
_DISTRIBUTION = ", ".join(
    f"SUM(CASE WHEN t.rating = {score} THEN 1 ELSE 0 END) AS r{score}" for score in range(1, 6)
)

# Messages by the time they were written, one index range a bucket (no sort of the window).
_MESSAGES = """
WITH b (k, lo, hi) AS (VALUES {buckets})
SELECT k, (SELECT COUNT(*) FROM messages m
           WHERE m.created_at >= b.lo AND m.created_at < b.hi AND m.kind = 'message') AS n
FROM b
"""


def report(engine: Engine, start: datetime, end: datetime, bucket: str) -> ReportData:
    """The report of the tickets created in [start, end), bucketed by ``day`` or ``week``;
    the totals of additive figures are the sums of the buckets' few rows."""
    postgres = engine.dialect.name == "postgresql"
    windows = buckets(start, end, bucket)
    data = ReportData(totals=Figures(), series={})
    if not windows:
        return data
    values = ", ".join(f"(:k{i}, :lo{i}, :hi{i})" for i in range(len(windows)))
    params = {}
    for i, (key, low, high) in enumerate(windows):
        params.update({f"k{i}": key, f"lo{i}": low, f"hi{i}": high})
    with engine.begin() as conn:
        for setting in _POSTGRES_SESSION if postgres else ():
            conn.execute(text(setting))
        run = _runner(conn, params, len(windows))
        joined = _JOINED[engine.dialect.name]
        statement = _FIGURES.format(
            buckets=values,
            distribution=_DISTRIBUTION,
            joined_first=joined.format(column="first_response_ms"),
            joined_resolutions=joined.format(column="resolution_ms"),
        )
        rows = run(statement)
        rating_sum = sum(_add_figures(data, row) for row in rows)
        _percentiles(data, rows)
        totals = data.totals
        totals.average = rating_sum / totals.rated if totals.rated else None
        for row in run(_MESSAGES.format(buckets=values)):
            if row.n:
                _figures(data, row.k).messages = row.n
                totals.messages += row.n
    return data


def _percentiles(data: ReportData, rows) -> None:
    """The nearest-rank percentiles of first responses per bucket and over the window, and of
    resolutions over the window, from each bucket's durations joined with commas."""
    every_first: list[int] = []
    resolutions: list[int] = []
    for row in rows:
        first = _numbers(row.first_responses)
        if first:
            _figures(data, row.k).first_response = _at_ranks(first)
        every_first += first  # sorted runs: sorting them again merges them
        resolutions += _numbers(row.resolutions)
    data.totals.first_response = _at_ranks(every_first)
    data.totals.resolution = _at_ranks(resolutions)


def _numbers(joined: str | None) -> list[int]:
    return list(map(int, joined.split(","))) if joined else []


def _at_ranks(values: list[int]) -> dict[int, float]:
    """Seconds at the nearest ranks of PERCENTILES among ``values`` (milliseconds)."""
    values.sort()
    return (
        {percent: values[rank(percent, len(values)) - 1] / 1000 for percent in PERCENTILES}
        if values
        else {}
    )


def _add_figures(data: ReportData, row) -> int:
    """Fill a bucket's figures from its row, add them to the totals; its sum of ratings."""
    figures, totals = _figures(data, row.k), data.totals
    figures.conversations, figures.rated = row.n, row.rated
    figures.average = float(row.rating_sum) / row.rated if row.rated else None
    figures.distribution = [int(getattr(row, f"r{n}") or 0) for n in range(1, 6)]
    figures.bot_resolved = int(row.bot or 0)
    totals.conversations += figures.conversations
    totals.rated += figures.rated
    totals.distribution = [
        a + b for a, b in zip(totals.distribution, figures.distribution, strict=True)
    ]
    totals.bot_resolved += figures.bot_resolved
    return int(row.rating_sum or 0)


def _runner(conn: Connection, params: dict, count: int):
    """Run a statement with the buckets' keys and bounds bound as text and DateTime."""
    types = [bindparam(f"k{i}", type_=String) for i in range(count)]
    types += [
        bindparam(f"{side}{i}", type_=DateTime) for i in range(count) for side in ("lo", "hi")
    ]
    return lambda statement: conn.execute(text(statement).bindparams(*types), params).all()


def _figures(data: ReportData, key: str) -> Figures:
    if key == TOTAL:
        return data.totals
    return data.series.setdefault(key, Figures())
