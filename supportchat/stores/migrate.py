"""Copying tickets, messages and file metadata between the SQL store and MongoDB.

Records are copied by id, in id order, in batches; ids the target already holds are
skipped, so a second run copies nothing and a stopped run resumes where it was. Run it
while no server writes to the source, then compare the counts it prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from pymongo import ReplaceOne
from sqlalchemy import Engine, func, insert, select

from ..models import TicketLabel
from . import Message, StoredFile, Ticket, sql_rows
from . import mongo_documents as d
from .mongo import MongoTicketStore

# Tickets first: messages and files refer to them.
KINDS = ("tickets", "messages", "files")
BATCH = 500

Record = Ticket | Message | StoredFile


class SqlSide:
    """The SQL tables of the ticket store."""

    name = "sql"
    TABLES = {"tickets": sql_rows.tickets, "messages": sql_rows.messages, "files": sql_rows.files}

    def __init__(self, engine: Engine):
        self.engine = engine

    def count(self, kind: str) -> int:
        """How many records of ``kind`` there are."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(self.TABLES[kind])).scalar_one()

    def batches(self, kind: str) -> Iterator[list[Record]]:
        """Every record of ``kind``, in id order, a batch at a time."""
        table, last = self.TABLES[kind], ""
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
                ).all()
            if not rows:
                return
            yield [_FROM_ROW[kind](row._mapping) for row in rows]
            last = rows[-1].id

    def existing(self, kind: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` are already stored."""
        table = self.TABLES[kind]
        with self.engine.connect() as conn:
            return set(conn.execute(select(table.c.id).where(table.c.id.in_(ids))).scalars())

    def write(self, kind: str, records: list[Record]) -> None:
        """Store records that are not there yet."""
        with self.engine.begin() as conn:
            conn.execute(insert(self.TABLES[kind]), [_TO_ROW[kind](record) for record in records])
            tags = [
                {"ticket_id": record.id, "label": label}
                for record in records
                if kind == "tickets"
                for label in record.labels
            ]
            if tags:  # the label filter's index (stores/sql_search.py)
                conn.execute(insert(TicketLabel.__table__), tags)


class MongoSide:
    """The collections of the MongoDB ticket store."""

    name = "mongo"

    def __init__(self, store: MongoTicketStore):
        self.store = store
        # A message still in a ticket's pending slot belongs in the log before it is copied.
        store.settle_all()

    def count(self, kind: str) -> int:
        return self.store.db[kind].count_documents({})

    def batches(self, kind: str) -> Iterator[list[Record]]:
        collection, last = self.store.db[kind], ""
        while True:
            docs = list(
                collection.find({"_id": {"$gt": last}}, {"pending": 0}).sort("_id", 1).limit(BATCH)
            )
            if not docs:
                return
            yield [_FROM_DOCUMENT[kind](doc) for doc in docs]
            last = docs[-1]["_id"]

    def existing(self, kind: str, ids: list[str]) -> set[str]:
        return {doc["_id"] for doc in self.store.db[kind].find({"_id": {"$in": ids}}, {"_id": 1})}

    def write(self, kind: str, records: list[Record]) -> None:
        # Upserts keyed by id: writing a record twice leaves one copy.
        docs = [_TO_DOCUMENT[kind](record) for record in records]
        self.store.db[kind].bulk_write(
            [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs], ordered=False
        )


def copy(
    source: SqlSide | MongoSide, target: SqlSide | MongoSide, kind: str
) -> Iterator[tuple[int, int]]:
    """Copy every ``kind`` record the target lacks; yields (read, written) per batch."""
    for batch in source.batches(kind):
        present = target.existing(kind, [record.id for record in batch])
        missing = [record for record in batch if record.id not in present]
        if missing:
            target.write(kind, missing)
        yield len(batch), len(missing)


def _ticket_row(ticket: Ticket) -> dict[str, Any]:
    row = asdict(ticket)
    assignee = row.pop("assignee")
    row["assignee_id"] = assignee and assignee["id"]
    row["assignee_name"] = assignee and assignee["name"]
    row["first_response_ms"] = sql_rows.millis(ticket.first_reply_at, ticket.created_at)
    row["resolution_ms"] = sql_rows.millis(ticket.closed_at, ticket.created_at)
    return row


def _message_row(message: Message) -> dict[str, Any]:
    row = asdict(message)
    sender = row.pop("sender")
    row.update(sender_id=sender["id"], sender_role=sender["role"], sender_name=sender["name"])
    return row


_FROM_ROW = {
    "tickets": sql_rows.ticket_from_row,
    "messages": sql_rows.message_from_row,
    "files": lambda row: StoredFile(**row),
}
_TO_ROW = {"tickets": _ticket_row, "messages": _message_row, "files": asdict}
_FROM_DOCUMENT = {
    "tickets": d.ticket_from_document,
    "messages": d.message_from_document,
    "files": d.file_from_document,
}
_TO_DOCUMENT = {
    "tickets": d.ticket_document,
    "messages": d.message_document,
    "files": d.file_document,
}
