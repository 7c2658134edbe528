"""The numbering of a group commit's batch (stores/sql_numbering.py), on SQLite and on
PostgreSQL, where the batch's statements go to the server in one pipeline: each message takes
its own numbers in order, and a database that goes away is reported as one that does not
answer."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from supportchat.clock import utcnow
from supportchat.stores import NewMessage
from supportchat.stores.batching import Append
from supportchat.stores.failures import unavailable_error
from supportchat.stores.sql_numbering import number_all

GUEST = {"id": "guest-1", "role": "guest", "name": "Visitor"}
AGENT = {"id": "agent-1", "role": "agent", "name": "Ana"}


def test_a_batch_numbers_each_message_in_order_and_skips_closed_tickets_and_resends(app):
    store = app.extensions["supportchat.store"]
    with app.app_context():
        first = store.create_ticket("client-a", None, {"label": "Jane"}, bot_active=True)[0]
        closed = store.create_ticket("client-b", None, {"label": "Bob"})[0]
        store.close_ticket(closed.id, AGENT)
        resent = store.create_ticket("client-c", None, {"label": "Cy"})[0]
        store.append_message(resent.id, NewMessage(GUEST, "once", client_msg_id="c-1"))
        batch = [
            Append(first.id, NewMessage(GUEST, "hello", client_key="client-a")),
            Append(first.id, NewMessage(AGENT, "internal", kind="note")),
            Append(closed.id, NewMessage(GUEST, "too late")),
            Append(first.id, NewMessage(GUEST, "not mine", client_key="client-b")),
            Append(first.id, NewMessage(AGENT, "hi!")),
            Append(resent.id, NewMessage(GUEST, "once", client_msg_id="c-1")),
        ]
        with store.engine.begin() as conn:
            numbers = number_all(conn, batch, utcnow())
        # (last_seq, last_guest_seq, bot_active, the customer's label): a note takes a seq
        # only; nothing for a closed ticket, another customer's, or a message stored before.
        assert [row and (*row[:2], bool(row[2]), row[3]) for row in numbers] == [
            (1, 1, True, "Jane"),
            (2, 1, True, "Jane"),
            None,
            None,
            (3, 2, True, "Jane"),
            None,
        ]
        ticket = store.get_ticket(first.id)
        assert (ticket.last_seq, ticket.last_message_preview) == (3, "hi!")


@pytest.mark.postgres
def test_a_batch_that_times_out_on_a_locked_ticket_is_a_database_not_answering(
    app_builder, postgres_url
):
    # The server refuses the statement (lock_timeout) and keeps the connection: the error
    # must still reach the services as SQLAlchemy's OperationalError, which both doors
    # answer as ``unavailable``, not as an internal error.
    app = app_builder(postgres_url)
    store = app.extensions["supportchat.store"]
    with app.app_context():
        tickets = [store.create_ticket(f"client-{n}", None, {})[0] for n in range(2)]
    holder = create_engine(postgres_url)
    with holder.begin() as other:
        other.execute(
            text("SELECT id FROM tickets WHERE id = :id FOR UPDATE"), {"id": tickets[1].id}
        )
        with pytest.raises(OperationalError) as raised, store.engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '100ms'"))
            number_all(
                conn, [Append(ticket.id, NewMessage(GUEST, "wait")) for ticket in tickets], utcnow()
            )
    holder.dispose()
    assert unavailable_error(raised.value).code == "unavailable"
    with app.app_context(), store.engine.begin() as conn:  # the lock is gone: numbered now
        batch = [Append(ticket.id, NewMessage(GUEST, "again")) for ticket in tickets]
        assert [tuple(row[:2]) for row in number_all(conn, batch, utcnow())] == [(1, 1), (1, 1)]
