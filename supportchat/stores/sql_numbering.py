"""The ``UPDATE tickets`` that numbers a message (sql.py): one statement per kind of message,
built once, which takes the next seq of an open ticket and keeps what the inbox, read receipts
and reports read off the ticket row in step with it. It numbers nothing when the sender's
``clientMsgId`` is stored already in the ticket: the resend costs no statement of its own.

A group commit numbers its batch with ``number_all``, straight through the driver: on
PostgreSQL in one pipeline, so the batch waits for the server once, not once a message
(bench/RESULTS.md, "Past capacity")."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    String,
    bindparam,
    case,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError

from . import NewMessage, bot_answer, from_bot, preview
from .batching import Append
from .sql_rows import customer_label, messages, millis_between, tickets

_NOW = bindparam("now", type_=DateTime)
# The sender's message with this clientMsgId in the ticket. A NULL client_msg_id equals
# nothing, so a message without one is always numbered.
_RESENT = exists().where(
    messages.c.ticket_id == tickets.c.id,
    messages.c.sender_id == bindparam("sender_id"),
    messages.c.client_msg_id == bindparam("client_msg_id"),
)


# The ticket is the writing customer's (``client_key``), or anyone's when no customer writes.
_WRITABLE = func.coalesce(bindparam("client_key", type_=String), tickets.c.client_key) == (
    tickets.c.client_key
)

# Why a send took no number: the ticket's status, or no row when it is not the writer's.
WRITER_STATUS = select(tickets.c.status).where(tickets.c.id == bindparam("ticket_id"), _WRITABLE)


def _statement(public: bool, writer: str, answer: bool | None):
    """``UPDATE tickets`` taking the next seq of an open ticket: the writer has read everything
    up to their own message; a public message is also the inbox's latest activity. A bot
    (``writer == "bot"``) writes on the agents' side but leaves the preview and the unread flag
    as they were: agents read past its message only if they had read everything before it.
    ``answer`` is the message's bot_answer (the reports' ``bot_only``)."""
    next_seq = tickets.c.last_seq + 1
    values: dict[str, Any] = {"last_seq": next_seq, "updated_at": bindparam("now")}
    if writer == "bot":
        read = tickets.c.agent_read_seq
        values["agent_read_seq"] = case((read >= tickets.c.last_seq, next_seq), else_=read)
    else:
        values[f"{writer}_read_seq"] = next_seq
    if public:
        values.update(last_public_seq=next_seq, last_message_at=bindparam("now"))
        values["last_guest_seq"] = tickets.c.last_guest_seq + 1
        if writer != "bot":
            values.update(last_message_preview=bindparam("preview_text"), preview_seq=next_seq)
        if writer == "guest":  # the customer waits from their oldest unanswered message
            values["waiting_since"] = func.coalesce(tickets.c.waiting_since, bindparam("now"))
        elif writer == "agent":  # an answer ends the wait
            values["waiting_since"] = None
            values["first_reply_at"] = func.coalesce(tickets.c.first_reply_at, bindparam("now"))
            values["first_response_ms"] = func.coalesce(
                tickets.c.first_response_ms, millis_between(_NOW, tickets.c.created_at)
            )
    if answer is not None:
        values["bot_only"] = func.coalesce(tickets.c.bot_only, True) if answer else False
    return (
        update(tickets)
        .where(tickets.c.id == bindparam("ticket_id"), tickets.c.status == "open", _WRITABLE)
        .where(~_RESENT)
        .values(values)
        .returning(
            tickets.c.last_seq,
            tickets.c.last_guest_seq,
            tickets.c.bot_active,
            customer_label(tickets.c.customer),
        )
    )


_NUMBERING = {
    (public, writer, answer): _statement(public, writer, answer)
    for public in (True, False)
    for writer in ("guest", "agent", "bot")
    for answer in (None, True, False)
}


def numbering(new: NewMessage):
    """The statement that numbers ``new`` (parameters ``ticket_id``, ``client_key``, ``now``,
    ``preview_text``, ``sender_id``, ``client_msg_id``), returning the ticket's ``last_seq``,
    ``last_guest_seq``, ``bot_active`` and customer label, or no row: the ticket is not open or
    not the writing customer's, or the message is stored."""
    writer = "bot" if from_bot(new) else "guest" if new.sender["role"] == "guest" else "agent"
    return _NUMBERING[new.kind != "note", writer, bot_answer(new)]


def sent_as(ticket_id: str, new: NewMessage) -> dict[str, Any]:
    """What identifies a send: ticket, writing customer, sender and ``clientMsgId`` (the
    numbering's check that it is not stored yet, and sql.py's lookups when it numbered
    nothing)."""
    return {
        "ticket_id": ticket_id,
        "client_key": new.client_key,
        "sender_id": new.sender["id"],
        "client_msg_id": new.client_msg_id,
    }


def number_all(conn: Connection, batch: list[Append], now: datetime) -> list[Sequence[Any] | None]:
    """Number each append of a group commit in order, in ``conn``'s transaction: the
    ``numbering`` statement's row for each, or None where nothing was numbered.

    The statements, compiled once, go straight to the driver: SQLAlchemy's work around each
    execution cost more than SQLite's own (bench/RESULTS.md). The batch shares one ``now``,
    converted once for the driver. On PostgreSQL the statements go to the server in one
    pipeline and the batch waits once: under gevent each wait is a turn behind every greenlet
    that can run, so past capacity a batch numbered one statement at a time took seconds and
    the queue never drained."""
    dialect = conn.dialect
    to_driver = _NOW.type.dialect_impl(dialect).bind_processor(dialect)
    when = to_driver(now) if to_driver else now
    sends = [
        (
            _compiled(numbering(item.new), dialect),
            {**sent_as(item.ticket_id, item.new), "now": when, "preview_text": preview(item.new)},
        )
        for item in batch
    ]
    driver = conn.connection.driver_connection  # sqlite3's or psycopg's Connection
    try:
        if dialect.name == "postgresql" and len(sends) > 1:
            with driver.pipeline():
                cursors = [
                    driver.execute(one.string, _values(one, params)) for one, params in sends
                ]
            return [cursor.fetchone() for cursor in cursors]
        cursor = driver.cursor()
        return [
            cursor.execute(one.string, _values(one, params)).fetchone() for one, params in sends
        ]
    except dialect.loaded_dbapi.Error as error:  # as SQLAlchemy would have raised it
        raise DBAPIError.instance(
            sends[0][0].string, None, error, dialect.loaded_dbapi.Error
        ) from error


def _values(compiled, params: dict[str, Any]):
    """``params`` as the driver takes them for ``compiled``: in order for SQLite's ``?``, by
    name for psycopg."""
    values = compiled.construct_params(params)
    return [values[name] for name in compiled.positiontup] if compiled.positional else values


@functools.cache
def _compiled(statement, dialect):
    """One of the numbering statements, compiled once for a database's dialect."""
    return statement.compile(dialect=dialect)
