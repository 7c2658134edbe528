"""How long the reports query takes (GET /api/admin/reports' store call) at many tickets.

    python -m bench.reports --tickets 100000 [--database-url postgresql://…] [--runs 20]

Seeds tickets spread over 30 days, each with a customer message, an agent answer (most),
sometimes a bot reply, a close and a rating, into a freshly migrated database (default: a
temporary SQLite file), then times ``report()`` over the 30 days per day and per week.
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

from sqlalchemy import create_engine, insert

from supportchat.models import MessageRow, TicketRow
from supportchat.stores.sql import SqlTicketStore

BATCH = 5000


def _rows(count: int, end: datetime, rng: random.Random):
    tickets, messages = [], []
    for index in range(count):
        created = end - timedelta(seconds=rng.uniform(60, 30 * 86400))
        ticket_id = uuid.UUID(int=rng.getrandbits(128)).hex
        closed = created + timedelta(seconds=rng.uniform(300, 86400)) if index % 3 else None
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
                "last_message_at": created,
                "last_message_preview": "…",
                "agent_read_seq": 3,
                "guest_read_seq": 3,
                "rating": rng.randint(1, 5) if index % 4 == 0 else None,
            }
        )
        writers = [("guest", 0), ("bot" if index % 7 == 0 else "agent", rng.uniform(5, 900))]
        writers.append(("guest", writers[-1][1] + 30))
        for seq, (role, after) in enumerate(writers, start=1):
            messages.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128)).hex,
                    "ticket_id": ticket_id,
                    "seq": seq,
                    "client_msg_id": None,
                    "sender_id": role,
                    "sender_role": role,
                    "sender_name": role,
                    "text": "…",
                    "attachments": [],
                    "kind": "message",
                    "created_at": created + timedelta(seconds=after),
                }
            )
        if len(tickets) >= BATCH:
            yield tickets, messages
            tickets, messages = [], []
    if tickets:
        yield tickets, messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    from tests.support.apps import base_config, make_app  # a migrated schema, as tests make it

    scratch = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    url = args.database_url or f"sqlite:///{scratch / 'reports.db'}"
    make_app(base_config(scratch / "instance", url))
    engine = create_engine(url)
    end = datetime(2026, 3, 31)
    started = time.perf_counter()
    with engine.begin() as conn:
        for tickets, messages in _rows(args.tickets, end, random.Random(7)):
            conn.execute(insert(TicketRow.__table__), tickets)
            conn.execute(insert(MessageRow.__table__), messages)
    print(
        f"seeded {args.tickets} tickets in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )
    store = SqlTicketStore(engine)
    for bucket in ("day", "week"):
        timings = []
        for _ in range(args.runs):
            began = time.perf_counter()
            data = store.report(end - timedelta(days=30), end, bucket)
            timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
        print(
            f"{bucket}: {data.totals.conversations} conversations, "
            f"p50 {statistics.median(timings):.0f} ms, p99 {p99:.0f} ms over {args.runs} runs"
        )


if __name__ == "__main__":
    main()
