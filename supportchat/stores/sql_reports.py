"""The reports in SQL (definitions in stores/reports.py): aggregates and window functions on
SQLite and PostgreSQL, so only a few rows per bucket leave the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, text

from .reports import PERCENTILES, TOTAL, Figures, ReportData

_DIALECT = {
    "sqlite": {
        "day": "date({col})",
        "week": "date({col}, 'weekday 0', '-6 days')",
        "seconds": "ROUND((julianday({late}) - julianday({early})) * 86400.0, 3)",
    },
    "postgresql": {
        "day": "to_char(date_trunc('day', {col}), 'YYYY-MM-DD')",
        "week": "to_char(date_trunc('week', {col}), 'YYYY-MM-DD')",
        "seconds": "ROUND(CAST(EXTRACT(EPOCH FROM ({late} - {early})) AS NUMERIC), 3)",
    },
}

# Per ticket created in the window: its bucket, times, rating and who wrote in it; then the
# first-response and resolution times.
_PER_TICKET = """
WITH t AS (
  SELECT id, created_at, closed_at, status, rating, {bucket} AS bucket
  FROM tickets WHERE created_at >= :start AND created_at < :end
),
per AS (
  SELECT t.id, t.bucket, t.created_at, t.closed_at, t.status, t.rating,
    MIN(CASE WHEN m.sender_role = 'guest' AND m.kind = 'message' THEN m.created_at END) AS asked,
    SUM(CASE WHEN m.sender_role = 'agent' THEN 1 ELSE 0 END) AS by_agents,
    SUM(CASE WHEN m.sender_role = 'bot' AND m.kind = 'message'
             AND (m.client_msg_id IS NULL OR m.client_msg_id <> 'auto-reply')
        THEN 1 ELSE 0 END) AS by_bot,
    SUM(CASE WHEN m.kind = 'event' THEN 1 ELSE 0 END) AS events
  FROM t LEFT JOIN messages m ON m.ticket_id = t.id
  GROUP BY t.id, t.bucket, t.created_at, t.closed_at, t.status, t.rating
),
answers AS (
  SELECT bucket, asked, (
    SELECT MIN(m.created_at) FROM messages m WHERE m.ticket_id = per.id
      AND m.sender_role = 'agent' AND m.kind = 'message' AND m.created_at >= per.asked
  ) AS answered
  FROM per WHERE asked IS NOT NULL
),
first_response AS (
  SELECT bucket, {wait} AS secs FROM answers WHERE answered IS NOT NULL
),
resolution AS (
  SELECT bucket, {resolution} AS secs FROM per WHERE status = 'closed' AND closed_at IS NOT NULL
)
"""

_FIGURES = """
SELECT bucket AS k, COUNT(*) AS conversations, COUNT(rating) AS rated, SUM(rating) AS rating_sum,
  {distribution},
  SUM(CASE WHEN status = 'closed' AND by_agents = 0 AND by_bot > 0 AND events = 0
      THEN 1 ELSE 0 END) AS bot_resolved
FROM per GROUP BY bucket
"""
_DISTRIBUTION = ", ".join(
    f"SUM(CASE WHEN rating = {score} THEN 1 ELSE 0 END) AS r{score}" for score in range(1, 6)
)

# The values at the nearest ranks of the percentiles (stores/reports.py): first responses per
# bucket and over the window ('' is the key of the totals), resolutions over the window.
_RANKED = """
SELECT metric, k, rn, n, secs FROM (
  SELECT 'first_response' AS metric, bucket AS k, secs,
    ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY secs) AS rn,
    COUNT(*) OVER (PARTITION BY bucket) AS n
  FROM first_response
  UNION ALL
  SELECT 'first_response', '', secs, ROW_NUMBER() OVER (ORDER BY secs), COUNT(*) OVER ()
  FROM first_response
  UNION ALL
  SELECT 'resolution', '', secs, ROW_NUMBER() OVER (ORDER BY secs), COUNT(*) OVER ()
  FROM resolution
) ranked WHERE {ranks}
"""
_RANKS = " OR ".join(f"rn = ({p} * n + 99) / 100" for p in PERCENTILES)

_MESSAGES = """
SELECT {bucket} AS k, COUNT(*) AS n FROM messages
WHERE created_at >= :start AND created_at < :end AND kind = 'message' GROUP BY {bucket}
"""


def report(engine: Engine, start: datetime, end: datetime, bucket: str) -> ReportData:
    """The report of the tickets created in [start, end), bucketed by ``day`` or ``week``:
    three statements (per-bucket figures, percentiles, messages); the totals of additive
    figures are the sums of the buckets' few rows."""
    sql = _DIALECT["postgresql" if engine.dialect.name == "postgresql" else "sqlite"]
    per_ticket = _PER_TICKET.format(
        bucket=sql[bucket].format(col="created_at"),
        wait=sql["seconds"].format(late="answered", early="asked"),
        resolution=sql["seconds"].format(late="closed_at", early="created_at"),
    )
    data = ReportData(totals=Figures(), series={})
    totals, rating_sum = data.totals, 0
    with engine.connect() as conn:
        run = _runner(conn, {"start": start, "end": end})
        for row in run(per_ticket + _FIGURES.format(distribution=_DISTRIBUTION)):
            figures = _figures(data, row.k)
            figures.conversations, figures.rated = row.conversations, row.rated
            figures.average = float(row.rating_sum) / row.rated if row.rated else None
            figures.distribution = [int(getattr(row, f"r{n}") or 0) for n in range(1, 6)]
            figures.bot_resolved = int(row.bot_resolved or 0)
            totals.conversations += figures.conversations
            totals.rated += figures.rated
            rating_sum += int(row.rating_sum or 0)
            totals.distribution = [
                a + b for a, b in zip(totals.distribution, figures.distribution, strict=True)
            ]
            totals.bot_resolved += figures.bot_resolved
        totals.average = rating_sum / totals.rated if totals.rated else None
        for row in run(per_ticket + _RANKED.format(ranks=_RANKS)):
            chosen = getattr(_figures(data, row.k), row.metric)
            for percent in PERCENTILES:
                if row.rn == (percent * row.n + 99) // 100:
                    chosen[percent] = float(row.secs)
        for row in run(_MESSAGES.format(bucket=sql[bucket].format(col="created_at"))):
            _figures(data, row.k).messages = row.n
            totals.messages += row.n
    return data


def _runner(conn: Connection, params: dict[str, datetime]):
    return lambda statement: conn.execute(text(statement), params).all()


def _figures(data: ReportData, key: str) -> Figures:
    if key == TOTAL:
        return data.totals
    return data.series.setdefault(key, Figures())
