"""The reports on MongoDB (definitions in stores/reports.py): aggregation pipelines over the
tickets of the window (their times are ticket fields: ``firstReplyAt``, ``closedAt``, and
whether the bot alone answered, ``botOnly``), one over the closed tickets stored before
``botOnly`` was kept that no agent answered, with their messages (did the bot resolve them?),
one over the messages; only a few documents per bucket leave the server. Times are integer
milliseconds (mongo.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database

from .mongo_documents import at, ms
from .reports import PERCENTILES, TOTAL, Figures, ReportData

DAY = 86_400_000
# 1970-01-01 was a Thursday: weeks start 3 days before the epoch's day count turns over.
WEEK_OFFSET = 3 * DAY


def _bucket(bucket: str, field: str) -> dict[str, Any]:
    if bucket == "day":
        return {"$subtract": [field, {"$mod": [field, DAY]}]}
    return {"$subtract": [field, {"$mod": [{"$add": [field, WEEK_OFFSET]}, 7 * DAY]}]}


def _count(condition: Any) -> dict[str, Any]:
    return {"$sum": {"$cond": [condition, 1, 0]}}


def _at_rank(values: str, percent: int) -> dict[str, Any]:
    """The nearest-rank percentile of a sorted array (null when it is empty)."""
    size = {"$size": values}
    rank = {"$floor": {"$divide": [{"$add": [{"$multiply": [percent, size]}, 99]}, 100]}}
    return {
        "$cond": [{"$gt": [size, 0]}, {"$arrayElemAt": [values, {"$subtract": [rank, 1]}]}, None]
    }


def _sorted(field: str) -> dict[str, Any]:
    present = {"$filter": {"input": field, "cond": {"$ne": ["$$this", None]}}}
    return {"$sortArray": {"input": present, "sortBy": 1}}


def _figures_stages(key: Any) -> list[dict[str, Any]]:
    group = {
        "_id": key,
        "conversations": {"$sum": 1},
        "rated": _count({"$ne": ["$rating", None]}),
        "ratingSum": {"$sum": {"$ifNull": ["$rating", 0]}},  # not $avg: nx-27017 counts nulls
        "botResolved": {"$sum": "$bot"},
        "firstResponse": {"$push": "$firstResponse"},
        "resolution": {"$push": "$resolution"},
        **{f"r{score}": _count({"$eq": ["$rating", score]}) for score in range(1, 6)},
    }
    sort = {"$project": {**{name: 1 for name in group if name != "_id"}}}
    for name in ("firstResponse", "resolution"):
        sort["$project"][name] = _sorted(f"${name}")
    pick = {"$project": {**{name: 1 for name in group if name != "_id"}}}
    for name in ("firstResponse", "resolution"):
        del pick["$project"][name]
        for percent in PERCENTILES:  # flat fields: nx-27017 drops computed nested ones
            pick["$project"][f"{name}P{percent}"] = _at_rank(f"${name}", percent)
    return [{"$group": group}, sort, pick]


def report(db: Database, start: datetime, end: datetime, bucket: str) -> ReportData:
    """The report of the tickets created in [start, end), bucketed by ``day`` or ``week``."""
    window = {"$gte": ms(start), "$lt": ms(end)}
    closed = {"$and": [{"$eq": ["$status", "closed"]}, {"$ne": ["$closedAt", None]}]}
    answered = {"$ne": [{"$ifNull": ["$firstReplyAt", None]}, None]}
    pipeline = [
        {"$match": {"createdAt": window}},
        {
            "$project": {
                "bucket": _bucket(bucket, "$createdAt"),
                # A rating is a score, or (PROTOCOL v1.1) an object holding one.
                "rating": {"$ifNull": ["$rating.score", "$rating"]},
                "firstResponse": {
                    "$cond": [answered, {"$subtract": ["$firstReplyAt", "$createdAt"]}, None]
                },
                "resolution": {"$cond": [closed, {"$subtract": ["$closedAt", "$createdAt"]}, None]},
                "bot": {"$cond": [{"$and": [closed, {"$eq": ["$botOnly", True]}]}, 1, 0]},
            }
        },
    ]
    data = ReportData(totals=Figures(), series={})
    # Two aggregations rather than one $facet: nx-27017 runs a $facet's stages on each batch
    # of 101 documents, so its groups came back split past 101 tickets.
    for key in (None, "$bucket"):
        for doc in db.tickets.aggregate(pipeline + _figures_stages(key)):
            _fill(_figures(data, _day(doc["_id"])), doc)
    for doc in db.tickets.aggregate(_bot_resolved_before(window, bucket)):
        _figures(data, _day(doc["_id"])).bot_resolved += doc["n"]
        data.totals.bot_resolved += doc["n"]
    messages = [
        {"$match": {"createdAt": window, "kind": "message"}},
        {"$group": {"_id": _bucket(bucket, "$createdAt"), "n": {"$sum": 1}}},
    ]
    for doc in db.messages.aggregate(messages):
        _figures(data, _day(doc["_id"])).messages = doc["n"]
        data.totals.messages += doc["n"]
    return data


def _bot_resolved_before(window: dict[str, int], bucket: str) -> list[dict[str, Any]]:
    """Among tickets stored before ``botOnly`` was kept (no such field), the closed ones no
    agent answered publicly (the few whose messages are read) in which the bot answered (not
    only the automatic reply), no agent wrote and nothing was handed over, counted per bucket.
    Newer tickets are counted by their ``botOnly`` with the other figures."""

    by_agents = _count({"$eq": ["$m.sender.role", "agent"]})
    events = _count({"$eq": ["$m.kind", "event"]})
    by_bot = _count(
        {
            "$and": [
                {"$eq": ["$m.sender.role", "bot"]},
                {"$eq": ["$m.kind", "message"]},
                {"$ne": [{"$ifNull": ["$m.clientMsgId", ""]}, "auto-reply"]},
            ]
        }
    )
    return [
        {
            "$match": {
                "createdAt": window,
                "status": "closed",
                "closedAt": {"$ne": None},
                # null or missing; not `None` itself: nx-27017 then groups nothing after $unwind
                "firstReplyAt": {"$in": [None]},
                "botOnly": {"$exists": False},
            }
        },
        {
            "$lookup": {
                "from": "messages",
                "localField": "_id",
                "foreignField": "ticketId",
                "as": "m",
            }
        },
        {"$unwind": "$m"},
        {
            "$group": {
                "_id": "$_id",
                "createdAt": {"$first": "$createdAt"},
                "agents": by_agents,
                "events": events,
                "bot": by_bot,
            }
        },
        {"$match": {"agents": 0, "events": 0, "bot": {"$gt": 0}}},
        {"$project": {"bucket": _bucket(bucket, "$createdAt")}},
        {"$group": {"_id": "$bucket", "n": {"$sum": 1}}},
    ]


def _day(key: int | None) -> str:
    return TOTAL if key is None else at(key).date().isoformat()


def _fill(figures: Figures, doc: dict[str, Any]) -> None:
    figures.conversations, figures.rated = doc["conversations"], doc["rated"]
    figures.average = doc["ratingSum"] / doc["rated"] if doc["rated"] else None
    figures.distribution = [int(doc[f"r{score}"]) for score in range(1, 6)]
    figures.bot_resolved = doc["botResolved"]
    for name, target in (
        ("firstResponse", figures.first_response),
        ("resolution", figures.resolution),
    ):
        for percent in PERCENTILES:
            value = doc.get(f"{name}P{percent}")
            if value is not None:
                target[percent] = value / 1000


def _figures(data: ReportData, key: str) -> Figures:
    if key == TOTAL:
        return data.totals
    return data.series.setdefault(key, Figures())
