"""How long the reports query takes (GET /api/admin/reports' store call) at many tickets.

    python -m bench.reports --tickets 100000 [--database-url postgresql://…] [--runs 20]
    python -m bench.reports --tickets 100000 --mongo-uri mongodb://127.0.0.1:27017/bench

Seeds tickets spread over 30 days, each with a customer message, an agent answer (most),
sometimes a bot reply, a close and a rating, with the ticket columns the stores maintain
(``first_reply_at``, ``waiting_since``, the reports' ``first_response_ms``, ``resolution_ms``,
``bot_only``), into a freshly migrated database (default: a
temporary SQLite file; ``--database-url`` / ``--mongo-uri`` are emptied first), then times
``report()`` over the 30 days per day and per week and prints p50/p99 over the runs.
Not part of the test suite; the goal is p99 <= 200 ms at 100k tickets.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

from supportchat.models import MessageRow, TicketRow
from supportchat.stores.mongo_documents import ms
from supportchat.stores.sql_rows import millis

BATCH = 5000
END = datetime(2026, 3, 31)


def _rows(count: int, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Tickets and messages as SQL rows, each table in the order a live server inserts them
    (by time), so the rows of a window lie together as they would."""
    tickets, messages = [], []
    for index in range(count):
        created = END - timedelta(seconds=rng.uniform(60, 30 * 86400))
        ticket_id = uuid.UUID(int=rng.getrandbits(128)).hex
        closed = created + timedelta(seconds=rng.uniform(300, 86400)) if index % 3 else None
        answerer = "bot" if index % 7 == 0 else "agent"
        answered = rng.uniform(5, 900)
        writers = [("guest", 0.0), (answerer, answered), ("guest", answered + 30)]
        at = {seq: created + timedelta(seconds=after) for seq, (_, after) in enumerate(writers, 1)}
        tickets.append(
            {
                "id": ticket_id,
                "client_key": ticket_id * 2,
                "session_id": None,
                "status": "closed" if closed else "open",
                "created_at": created,
                "updated_at": created,
                "closed_at": closed,
                "closed_by": None,
                "customer": {"label": f"Visitor {index}", "verified": False},
                "assignee_id": None,
                "assignee_name": None,
                "last_seq": 3,
                "last_public_seq": 3,
                "last_guest_seq": 3,
                "last_message_at": at[3],
                "last_message_preview": "…",
                "agent_read_seq": 3,
                "guest_read_seq": 3,
                "rating": rng.randint(1, 5) if index % 4 == 0 else None,
                # As stores/sql.py keeps them: the bot answers nobody; the second question waits.
                "first_reply_at": at[2] if answerer == "agent" else None,
                "waiting_since": at[3] if answerer == "agent" else at[1],
                "first_response_ms": round(answered * 1000) if answerer == "agent" else None,
                "resolution_ms": millis(closed, created),
                "bot_only": True if answerer == "bot" else None,  # its answer is no auto-reply
            }
        )
        for seq, (role, _after) in enumerate(writers, start=1):
            messages.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128)).hex,
                    "ticket_id": ticket_id,
                    "seq": seq,
                    "guest_seq": seq,
                    "client_msg_id": None,
                    "sender_id": role,
                    "sender_role": role,
                    "sender_name": role,
                    "text": "…",
                    "attachments": [],
                    "kind": "message",
                    "created_at": at[seq],
                }
            )
    tickets.sort(key=lambda row: row["created_at"])
    messages.sort(key=lambda row: row["created_at"])
    return tickets, messages


def _batches(rows: list[dict]):
    return (rows[first : first + BATCH] for first in range(0, len(rows), BATCH))


def _sql_store(url: str, scratch: Path, count: int | None):
    """The store of ``url``, seeded with ``count`` tickets unless None."""
    from supportchat.stores.sql import SqlTicketStore
    from tests.support.apps import base_config, make_app  # a migrated schema, as tests make it

    engine = create_engine(url)
    if count is None:
        return SqlTicketStore(engine), url.split(":")[0]
    make_app(base_config(scratch / "instance", url))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM messages"))
        conn.execute(text("DELETE FROM tickets"))
        tickets, messages = _rows(count, random.Random(7))
        for table, rows in ((TicketRow.__table__, tickets), (MessageRow.__table__, messages)):
            for batch in _batches(rows):
                conn.execute(insert(table), batch)
    if engine.dialect.name == "postgresql":  # as autovacuum would have, long before
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            for table in ("tickets", "messages"):
                conn.execute(text(f"VACUUM ANALYZE {table}"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return SqlTicketStore(engine), url.split(":")[0]


def _mongo_store(uri: str, count: int | None):
    from pymongo.uri_parser import parse_uri

    from supportchat.stores.mongo import MongoTicketStore
    from supportchat.stores.mongo_indexes import create_indexes

    store = MongoTicketStore(uri, parse_uri(uri)["database"] or "bench_reports")
    db = store.db
    if count is None:
        return store, "mongo"
    db.tickets.drop()
    db.messages.drop()
    create_indexes(db)  # dropped with the collections
    tickets, messages = _rows(count, random.Random(7))
    for batch in _batches(tickets):
        db.tickets.insert_many([_ticket_document(row) for row in batch], ordered=False)
    for batch in _batches(messages):
        db.messages.insert_many([_message_document(row) for row in batch], ordered=False)
    return store, "mongo"


def _ticket_document(row: dict) -> dict:
    return {
        "_id": row["id"],
        "status": row["status"],
        "createdAt": ms(row["created_at"]),
        "closedAt": ms(row["closed_at"]),
        "rating": row["rating"],
        "firstReplyAt": ms(row["first_reply_at"]),
        "botOnly": row["bot_only"],
        "waitingSince": ms(row["waiting_since"]),
        "lastMessageAt": ms(row["last_message_at"]),
        "lastSeq": row["last_seq"],
    }


def _message_document(row: dict) -> dict:
    return {
        "_id": row["id"],
        "ticketId": row["ticket_id"],
        "seq": row["seq"],
        "guestSeq": row["guest_seq"],
        "sender": {"id": row["sender_id"], "role": row["sender_role"], "name": row["sender_name"]},
        "text": row["text"],
        "attachments": [],
        "kind": row["kind"],
        "createdAt": ms(row["created_at"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url")
    parser.add_argument("--mongo-uri", help="a MongoDB database (its tickets are replaced)")
    parser.add_argument(
        "--no-seed", action="store_true", help="time the tickets a previous run left there"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    count = None if args.no_seed else args.tickets
    if args.mongo_uri:
        store, backend = _mongo_store(args.mongo_uri, count)
    else:
        scratch = Path(tempfile.mkdtemp(prefix="bench-reports-"))
        url = args.database_url or f"sqlite:///{scratch / 'reports.db'}"
        store, backend = _sql_store(url, scratch, count)
    if count:
        print(f"seeded {count} tickets in {time.perf_counter() - started:.1f} s ({backend})")
    for bucket in ("day", "week"):
        timings = []
        for _ in range(args.runs):
            began = time.perf_counter()
            data = store.report(END - timedelta(days=30), END, bucket)
            timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        p99 = timings[min(len(timings) - 1, (99 * len(timings) + 99) // 100 - 1)]
        print(
            f"{backend} {bucket}: {data.totals.conversations} conversations, "
            f"{data.totals.messages} messages, p50 {statistics.median(timings):.0f} ms, "
            f"p99 {p99:.0f} ms over {args.runs} runs"
        )


if __name__ == "__main__":
    main()
