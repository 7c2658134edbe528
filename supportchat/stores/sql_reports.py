"""The reports in SQL (definitions in stores/reports.py) on SQLite and PostgreSQL: two
statements, each reading the window bucket by bucket through an index range; only a few rows
per bucket leave the database.

Every figure of a ticket is a column the stores keep as it changes (``first_response_ms``,
``resolution_ms``, ``rating``, ``bot_only``), all in the index ``ix_tickets_report`` after
``created_at``: the window is read from the index alone, no ticket row and no message.
Messages are counted per bucket by ``ix_messages_created`` ranges.
Measured in bench/RESULTS.md ("Reports").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, DateTime, Engine, String, bindparam, text

from .reports import PERCENTILES, TOTAL, Figures, ReportData, buckets

# PostgreSQL: the planner's estimate of the window (every bucket a third of the table) makes
# it compile the statement (JIT, a second and more) and sort on disk; neither is needed.
_POSTGRES_SESSION = ("SET LOCAL jit = off", "SET LOCAL work_mem = '32MB'")

# Per ticket created in the window (bucket by bucket): its bucket, rating and times (a closed
# ticket has its resolution). Used twice below, so both databases compute it once.
_PER_TICKET = """
WITH b (k, lo, hi) AS (VALUES {buckets}),
per AS (
  SELECT b.k AS bucket, t.rating, t.first_response_ms AS fr, t.resolution_ms AS res,
    CASE WHEN t.bot_only AND t.resolution_ms IS NOT NULL THEN 1 ELSE 0 END AS bot
  FROM b JOIN tickets t ON t.created_at >= b.lo AND t.created_at < b.hi
)
"""
# Figures per bucket, then the values at the nearest ranks of the percentiles: first
# responses per bucket and over the window ('' is the totals' key), resolutions over the window.
_FIGURES = """
SELECT 'figures' AS metric, bucket AS k, COUNT(*) AS n, COUNT(rating) AS rated,
  SUM(rating) AS rating_sum, {distribution}, SUM(bot) AS bot, 0 AS rn, 0 AS ms
FROM per GROUP BY bucket
UNION ALL
SELECT metric, k, n, 0, 0, 0, 0, 0, 0, 0, 0, rn, ms FROM (
  SELECT 'first_response' AS metric, bucket AS k, fr AS ms,
    ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY fr) AS rn,
    COUNT(*) OVER (PARTITION BY bucket) AS n
  FROM per WHERE fr IS NOT NULL
  UNION ALL
  SELECT 'first_response', '', fr, ROW_NUMBER() OVER (ORDER BY fr), COUNT(*) OVER ()
  FROM per WHERE fr IS NOT NULL
  UNION ALL
  SELECT 'resolution', '', res, ROW_NUMBER() OVER (ORDER BY res), COUNT(*) OVER ()
  FROM per WHERE res IS NOT NULL
) ranked WHERE {ranks}
"""
_DISTRIBUTION = ", ".join(
    f"SUM(CASE WHEN rating = {score} THEN 1 ELSE 0 END) AS r{score}" for score in range(1, 6)
)
_RANKS = " OR ".join(f"rn = ({p} * n + 99) / 100" for p in PERCENTILES)

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
    per_ticket = _PER_TICKET.format(buckets=values)
    with engine.begin() as conn:
        for setting in _POSTGRES_SESSION if postgres else ():
            conn.execute(text(setting))
        run = _runner(conn, params, len(windows))
        rating_sum = 0
        for row in run(per_ticket + _FIGURES.format(distribution=_DISTRIBUTION, ranks=_RANKS)):
            if row.metric == "figures":
                rating_sum += _add_figures(data, row)
                continue
            chosen = getattr(_figures(data, row.k), row.metric)
            for percent in PERCENTILES:
                if row.rn == (percent * row.n + 99) // 100:
                    chosen[percent] = row.ms / 1000
        totals = data.totals
        totals.average = rating_sum / totals.rated if totals.rated else None
        for row in run(_MESSAGES.format(buckets=values)):
            if row.n:
                _figures(data, row.k).messages = row.n
                totals.messages += row.n
    return data


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
