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
first_response AS (
  SELECT per.bucket, {wait} AS secs
  FROM per JOIN messages m ON m.ticket_id = per.id AND m.sender_role = 'agent'
    AND m.kind = 'message' AND m.created_at >= per.asked
  GROUP BY per.id, per.bucket, per.asked
),
resolution AS (
  SELECT bucket, {resolution} AS secs FROM per WHERE status = 'closed' AND closed_at IS NOT NULL
)
"""

_FIGURES = """
SELECT {key} AS k, COUNT(*) AS conversations, COUNT(rating) AS rated, AVG(rating) AS average,
  {distribution},
  SUM(CASE WHEN status = 'closed' AND by_agents = 0 AND by_bot > 0 AND events = 0
      THEN 1 ELSE 0 END) AS bot_resolved
FROM per {group}
"""
_DISTRIBUTION = ", ".join(
    f"SUM(CASE WHEN rating = {score} THEN 1 ELSE 0 END) AS r{score}" for score in range(1, 6)
)

# The values at the nearest ranks of the percentiles (stores/reports.py), per key.
_RANKED = """
SELECT k, rn, n, secs FROM (
  SELECT {key} AS k, secs, ROW_NUMBER() OVER ({partition} ORDER BY secs) AS rn,
    COUNT(*) OVER ({partition}) AS n
  FROM {values}
) ranked WHERE {ranks}
"""
_RANKS = " OR ".join(f"rn = ({p} * n + 99) / 100" for p in PERCENTILES)

_MESSAGES = """
SELECT {bucket} AS k, COUNT(*) AS n FROM messages
WHERE created_at >= :start AND created_at < :end AND kind = 'message' GROUP BY {bucket}
"""

# The key column, and the grouping it needs: none for the totals (PostgreSQL refuses to group
# by a constant).
_TOTALS, _BUCKETS = ("''", ""), ("bucket", "bucket")


def report(engine: Engine, start: datetime, end: datetime, bucket: str) -> ReportData:
    """The report of the tickets created in [start, end), bucketed by ``day`` or ``week``."""
    sql = _DIALECT["postgresql" if engine.dialect.name == "postgresql" else "sqlite"]
    per_ticket = _PER_TICKET.format(
        bucket=sql[bucket].format(col="created_at"),
        wait=sql["seconds"].format(late="MIN(m.created_at)", early="per.asked"),
        resolution=sql["seconds"].format(late="closed_at", early="created_at"),
    )
    data = ReportData(totals=Figures(), series={})
    with engine.connect() as conn:
        run = _runner(conn, {"start": start, "end": end})
        for key, by in (_TOTALS, _BUCKETS):
            group = f"GROUP BY {by}" if by else ""
            statement = _FIGURES.format(key=key, group=group, distribution=_DISTRIBUTION)
            for row in run(per_ticket + statement):
                figures = _figures(data, row.k)
                figures.conversations, figures.rated = row.conversations, row.rated
                figures.average = None if row.average is None else float(row.average)
                figures.distribution = [int(getattr(row, f"r{n}") or 0) for n in range(1, 6)]
                figures.bot_resolved = int(row.bot_resolved or 0)
        for values, keys in (("first_response", (_TOTALS, _BUCKETS)), ("resolution", (_TOTALS,))):
            for key, by in keys:
                partition = f"PARTITION BY {by}" if by else ""
                ranked = _RANKED.format(key=key, partition=partition, values=values, ranks=_RANKS)
                for row in run(per_ticket + ranked):
                    chosen = getattr(_figures(data, row.k), values)
                    for percent in PERCENTILES:
                        if row.rn == (percent * row.n + 99) // 100:
                            chosen[percent] = float(row.secs)
        day = sql[bucket].format(col="created_at")
        for row in run(_MESSAGES.format(bucket=day)):
            _figures(data, row.k).messages = row.n
            data.totals.messages += row.n
    return data


def _runner(conn: Connection, params: dict[str, datetime]):
    return lambda statement: conn.execute(text(statement), params).all()


def _figures(data: ReportData, key: str) -> Figures:
    if key == TOTAL:
        return data.totals
    return data.series.setdefault(key, Figures())
