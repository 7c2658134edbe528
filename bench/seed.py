"""Bulk seeding for the inbox and history benchmarks: many tickets and one long ticket.

Rows go in with SQLAlchemy Core executemany on SQLite and COPY on PostgreSQL, into a
database whose schema ``supportchat serve`` has already migrated.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from supportchat.models import MessageRow, TicketRow

BATCH = 5000
TICKET_COLUMNS = [column.name for column in TicketRow.__table__.columns]
MESSAGE_COLUMNS = [column.name for column in MessageRow.__table__.columns]


def _tickets(count: int, now: datetime, rng: random.Random) -> Iterator[dict[str, Any]]:
    for index in range(count):
        at = now - timedelta(seconds=rng.uniform(60, 30 * 86400))
        key = uuid.UUID(int=rng.getrandbits(128)).hex * 2
        assigned = index % 3 == 0
        yield {
            "id": uuid.UUID(int=rng.getrandbits(128)).hex,
            "client_key": key,
            "session_id": f"seed-{index}",
            "status": "closed" if index % 5 == 0 else "open",
            "created_at": at - timedelta(minutes=5),
            "updated_at": at,
            "closed_at": at if index % 5 == 0 else None,
            "closed_by": None,
            "customer": {
                "label": f"customer{index}@example.com",
                "verified": False,
                "userIdentifier": {"email": f"customer{index}@example.com"},
                "metadata": {"plan": "pro", "page": "/pricing"},
            },
            "assignee_id": "seed-agent" if assigned else None,
            "assignee_name": "Seed Agent" if assigned else None,
            "last_seq": 3,
            "last_public_seq": 3,
            "last_guest_seq": 3,
            "last_message_at": at,
            "last_message_preview": f"Question number {index} about my order",
            "preview_seq": 3,
            "agent_read_seq": 3 if index % 2 else 2,
            "guest_read_seq": 3,
            "rating": None,
            "rating_comment": None,
            "rated_at": None,
            "labels": None,
            "bot_active": False,
            "ai_seq": 0,
            "waiting_since": None,
            "first_reply_at": at - timedelta(minutes=4),
            "first_response_ms": 60_000,
            "resolution_ms": 300_000 if index % 5 == 0 else None,
            "bot_only": None,
        }


def _long_ticket(messages: int, now: datetime) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    ticket_id = uuid.uuid4().hex
    start = now - timedelta(days=1)
    ticket = next(_tickets(1, now, random.Random(1)))
    last_public = messages - 1 if messages % 50 == 0 else messages  # every 50th is a note
    ticket.update(
        id=ticket_id,
        session_id="seed-long",
        status="open",
        closed_at=None,
        last_seq=messages,
        last_public_seq=last_public,
        last_guest_seq=messages - messages // 50,
        preview_seq=last_public,
        last_message_at=now,
        updated_at=now,
        last_message_preview="the latest message",
    )

    def rows() -> Iterator[dict[str, Any]]:
        for seq in range(1, messages + 1):
            guest = seq % 2 == 1
            note = seq % 50 == 0
            yield {
                "id": uuid.uuid4().hex,
                "ticket_id": ticket_id,
                "seq": seq,
                "client_msg_id": f"seed-{seq}",
                "sender_id": "guest-seed" if guest else "seed-agent",
                "sender_role": "guest" if guest else "agent",
                "sender_name": "customer@example.com" if guest else "Seed Agent",
                "text": f"Message {seq}: could you please check the status of my order?",
                "attachments": [],
                "kind": "note" if note else "message",
                "guest_seq": None if note else seq - seq // 50,  # the customer's numbering
                "created_at": start + timedelta(seconds=seq),
            }

    return ticket, rows()


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy(raw, table: str, columns: list[str], rows: Iterator[dict[str, Any]]) -> None:
    json_columns = {"customer", "closed_by", "attachments"}
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[c]) if c in json_columns and row[c] is not None else row[c]
                        for c in columns
                    ]
                )


def seed(database_url: str, tickets: int, messages: int) -> dict[str, Any]:
    """Insert ``tickets`` tickets and one more with ``messages`` messages; return its id and timings."""
    rng = random.Random(42)
    now = datetime.now(UTC).replace(tzinfo=None)
    long_ticket, long_messages = _long_ticket(messages, now)
    engine = create_engine(database_url)
    started = time.perf_counter()
    if make_url(database_url).get_backend_name() == "postgresql":
        raw = engine.raw_connection()
        try:
            _copy(raw.driver_connection, "tickets", TICKET_COLUMNS, _tickets(tickets, now, rng))
            _copy(raw.driver_connection, "tickets", TICKET_COLUMNS, iter([long_ticket]))
            _copy(raw.driver_connection, "messages", MESSAGE_COLUMNS, long_messages)
            raw.commit()
        finally:
            raw.close()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE tickets"))  # what autovacuum would soon do on its own
            conn.execute(text("ANALYZE messages"))
    else:
        with engine.begin() as conn:
            for batch in _batches(_tickets(tickets, now, rng)):
                conn.execute(insert(TicketRow.__table__), batch)
            conn.execute(insert(TicketRow.__table__), [long_ticket])
            for batch in _batches(long_messages):
                conn.execute(insert(MessageRow.__table__), batch)
    engine.dispose()
    return {
        "longTicketId": long_ticket["id"],
        "tickets": tickets + 1,
        "messages": messages,
        "seedSeconds": round(time.perf_counter() - started, 2),
    }
