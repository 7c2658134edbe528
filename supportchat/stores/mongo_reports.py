"""The reports on MongoDB (definitions in stores/reports.py): one aggregation pipeline over the
tickets of the window with their messages, one over the messages; only a few documents per
bucket leave the server. Times are integer milliseconds (mongo.py)."""

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


def _is(role: str | None = None, kind: str | None = "message") -> dict[str, Any]:
    tests = []
    if role:
        tests.append({"$eq": ["$m.sender.role", role]})
    if kind:
        tests.append({"$eq": ["$m.kind", kind]})
    return {"$and": tests}


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
        "botResolved": {"$sum": "$botResolved"},
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
    agent_times = {"$push": {"$cond": [_is("agent"), "$m.createdAt", None]}}
    answered = {
        "$min": {
            "$filter": {
                "input": "$agentTimes",
                "cond": {"$and": [{"$ne": ["$$this", None]}, {"$gte": ["$$this", "$asked"]}]},
            }
        }
    }
    closed = {"$and": [{"$eq": ["$status", "closed"]}, {"$ne": ["$closedAt", None]}]}
    pipeline = [
        {"$match": {"createdAt": window}},
        {
            "$lookup": {
                "from": "messages",
                "localField": "_id",
                "foreignField": "ticketId",
                "as": "m",
            }
        },
        {"$unwind": {"path": "$m", "preserveNullAndEmptyArrays": True}},
        {
            "$group": {
                "_id": "$_id",
                "createdAt": {"$first": "$createdAt"},
                "closedAt": {"$first": "$closedAt"},
                "status": {"$first": "$status"},
                # A rating is a score, or (PROTOCOL v1.1) an object holding one.
                "rating": {"$first": {"$ifNull": ["$rating.score", "$rating"]}},
                "asked": {"$min": {"$cond": [_is("guest"), "$m.createdAt", None]}},
                "agentTimes": agent_times,
                "byAgents": _count(_is("agent", None)),
                "byBot": _count(
                    {
                        "$and": [
                            _is("bot"),
                            {"$ne": [{"$ifNull": ["$m.clientMsgId", ""]}, "auto-reply"]},
                        ]
                    }
                ),
                "events": _count(_is(None, "event")),
            }
        },
        {
            "$project": {
                "bucket": _bucket(bucket, "$createdAt"),
                "rating": 1,
                "firstResponse": {"$subtract": [answered, "$asked"]},
                "resolution": {"$cond": [closed, {"$subtract": ["$closedAt", "$createdAt"]}, None]},
                "botResolved": {
                    "$cond": [
                        {
                            "$and": [
                                closed,
                                {"$eq": ["$byAgents", 0]},
                                {"$gt": ["$byBot", 0]},
                                {"$eq": ["$events", 0]},
                            ]
                        },
                        1,
                        0,
                    ]
                },
            }
        },
        {"$facet": {"totals": _figures_stages(None), "series": _figures_stages("$bucket")}},
    ]
    data = ReportData(totals=Figures(), series={})
    found = next(iter(db.tickets.aggregate(pipeline)), {"totals": [], "series": []})
    for doc in found["totals"] + found["series"]:
        _fill(_figures(data, _day(doc["_id"])), doc)
    messages = [
        {"$match": {"createdAt": window, "kind": "message"}},
        {"$group": {"_id": _bucket(bucket, "$createdAt"), "n": {"$sum": 1}}},
    ]
    for doc in db.messages.aggregate(messages):
        _figures(data, _day(doc["_id"])).messages = doc["n"]
        data.totals.messages += doc["n"]
    return data


def _day(key: int | None) -> str:
    return TOTAL if key is None else at(key).date().isoformat()


def _fill(figures: Figures, doc: dict[str, Any]) -> None:
    figures.conversations, figures.rated = doc["conversations"], doc["rated"]
    figures.average = doc["ratingSum"] / doc["rated"] if doc["rated"] else None
    figures.distribution = [int(doc[f"r{score}"]) for score in range(1, 6)]
    figures.bot_resolved = int(doc["botResolved"])
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
