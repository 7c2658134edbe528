"""Storage under the gevent worker. PostgreSQL: a query waiting on the server parks its
greenlet only, so the rest of the process keeps serving (psycopg 3.1.14+ waits through
gevent's patched ``select`` when the process is monkey-patched, as ``supportchat serve`` and
gunicorn's gevent worker are). SQLite: its driver holds the loop while it works, commits
included (on a thread they cost more than they saved: bench/RESULTS.md). On both, appends
from many greenlets at once are numbered without gaps while other greenlets open tickets."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from support.apps import ROOT

# Each script runs in a fresh, monkey-patched process.
PRELUDE = """
    from gevent import monkey

    monkey.patch_all()

    import sys
    import time
    from pathlib import Path

    import gevent
    from sqlalchemy import text

    sys.path.insert(0, "tests")
    from support.apps import base_config, make_app

    app = make_app(base_config(Path(sys.argv[1]), *sys.argv[2:]))
"""

# Prints the seconds the query took and how often a ticker greenlet ran meanwhile (every
# 10 ms when the loop is free).
POSTGRES = """
    from supportchat.extensions import db

    ticks, spans = [], []

    def query():
        with app.app_context():
            started = time.monotonic()
            db.session.execute(text("SELECT pg_sleep(0.6)"))
            spans.append((time.monotonic() - started, len(ticks)))

    def ticker():
        while not spans:
            ticks.append(1)
            gevent.sleep(0.01)

    gevent.joinall([gevent.spawn(query), gevent.spawn(ticker)])
    print(*spans[0])
"""

# Many greenlets appending at once (group commit) while others open tickets.
BURST = """
    from supportchat.stores import NewMessage

    store = app.extensions["supportchat.context"].store
    with app.app_context():
        tickets = [store.create_ticket(f"client-{n}", None, {})[0] for n in range(3)]
    guest = {"id": "guest-1", "role": "guest", "name": "Guest"}

    def send(n):
        ticket = tickets[n % 3]
        message, created, _ = store.append_message(
            ticket.id, NewMessage(sender=guest, text=f"m{n}", client_msg_id=f"c{n % 150}")
        )
        return ticket.id, message.seq, message.text, created

    def open_ticket(n):
        with app.app_context():
            return store.create_ticket(f"other-{n}", f"session-{n}", {})[1]

    sends = [gevent.spawn(send, n) for n in range(300)]
    opens = [gevent.spawn(open_ticket, n) for n in range(100)]
    gevent.joinall(sends + opens, timeout=30, raise_error=True)
    assert all(g.value for g in opens), "a ticket was not opened"
    results = [g.value for g in sends]
    for ticket in tickets:
        stored = store.messages_after(ticket.id, 0, 500, True)
        assert [m.seq for m in stored] == list(range(1, 51)), [m.seq for m in stored]
        mine = {(tid, seq, text) for tid, seq, text, _ in results if tid == ticket.id}
        assert mine == {(ticket.id, m.seq, m.text) for m in stored}
    assert sum(created for *_, created in results) == 150
"""

# Many greenlets reading tickets by id at once (every event reads its ticket first): they
# share a few SELECTs, and each hears its own ticket, None for an unknown id, or the error.
READS = """
    from sqlalchemy import event

    store = app.extensions["supportchat.context"].store
    with app.app_context():
        tickets = [store.create_ticket(f"client-{n}", None, {})[0] for n in range(3)]
    ids = [tickets[n % 3].id for n in range(99)] + ["no-such-ticket"]
    statements = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    readers = [gevent.spawn(store.get_ticket, ticket_id) for ticket_id in ids]
    gevent.joinall(readers, timeout=30, raise_error=True)
    assert [g.value and g.value.id for g in readers] == ids[:99] + [None]
    assert [g.value.client_key for g in readers[:3]] == ["client-0", "client-1", "client-2"]
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert 1 <= len(reads) <= 5, len(reads)

    with store.engine.begin() as conn:  # every reader of a failed batch hears the failure
        conn.execute(text("ALTER TABLE tickets RENAME TO tickets_gone"))
    readers = [gevent.spawn(store.get_ticket, ticket_id) for ticket_id in ids[:10]]
    gevent.joinall(readers, timeout=30)
    assert all(g.ready() and "tickets" in str(g.exception) for g in readers), readers
"""

# The queue both share, on its own: a request that gives up while it waits (its greenlet
# killed) leaves the others served, and a leader killed while serving fails only its batch.
QUEUE = """
    from supportchat.stores.batching import Batcher, Request

    served = []

    def serve(batch):
        served.append([item.ticket_id for item in batch])
        gevent.sleep(0.05)  # the database's wait
        for item in batch:
            item.outcome = item.ticket_id.upper()

    batcher = Batcher(serve)
    first = gevent.spawn(batcher.run, Request("a"))
    gevent.sleep(0.01)  # "a" is being served; the next three wait for the next batch
    waiting = [gevent.spawn(batcher.run, Request(name)) for name in "bcd"]
    gevent.sleep(0.01)
    waiting[0].kill()
    gevent.joinall([first, *waiting], timeout=5)
    assert [g.value for g in (first, *waiting[1:])] == ["A", "C", "D"]
    assert served == [["a"], ["c", "d"]], served

    leader = gevent.spawn(batcher.run, Request("e"))
    gevent.sleep(0.01)
    behind = gevent.spawn(batcher.run, Request("f"))
    gevent.sleep(0.01)
    leader.kill()
    behind.join(timeout=5)
    assert behind.value == "F" and served[-1] == ["f"], served
    print("ok")
"""


def run(script: str, *args: str) -> str:
    source = textwrap.dedent(PRELUDE) + textwrap.dedent(script)
    result = subprocess.run(
        [sys.executable, "-c", source, *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.postgres
def test_a_slow_postgres_query_lets_other_greenlets_run_meanwhile(postgres_url, tmp_path):
    seconds, ticks = map(float, run(POSTGRES, str(tmp_path / "instance"), postgres_url).split())
    # A blocking driver would hold the whole loop for the 0.6 s: the ticker would not run
    # once before the query returned. A cooperative one ticks all along (about 60 times).
    assert seconds >= 0.6
    assert ticks >= 10, ticks


def test_greenlets_appending_at_once_get_gap_free_numbers_and_one_message_per_retry(
    tmp_path, database_url
):
    # 300 sends, every clientMsgId twice: 150 messages, 50 per ticket, numbered 1..50; and
    # 100 tickets opened meanwhile. The appends share group commits, numbered on PostgreSQL in
    # one pipeline a batch, resends and a batch's own duplicates among them.
    run(BURST, str(tmp_path / "instance"), database_url)


def test_greenlets_reading_tickets_at_once_share_a_few_reads(tmp_path, database_url):
    # 100 greenlets read tickets by id at once, as 100 arriving messages do: one query each
    # queued every greenlet for the connection pool (PostgreSQL collapsed at 750 msg/s).
    run(READS, str(tmp_path / "instance"), database_url)


def test_a_request_given_up_or_a_leader_killed_leaves_the_queue_serving(tmp_path):
    assert run(QUEUE, str(tmp_path / "instance")).strip() == "ok"
