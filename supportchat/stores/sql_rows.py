"""The SQL store's tables and how a row becomes a Ticket or a Message (the MongoDB store's
counterpart is mongo_documents.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..models import FileRow, MessageRow, TicketRow
from . import Message, Ticket

tickets = TicketRow.__table__
messages = MessageRow.__table__
files = FileRow.__table__


class millis_between(FunctionElement):  # noqa: N801 (a SQL function's name)
    """``millis_between(late, early)``: whole milliseconds from ``early`` to ``late``, rounded,
    as the database computes it when a ticket changes (first answer, close)."""

    type = BigInteger()
    name = "millis_between"
    inherit_cache = True


@compiles(millis_between, "sqlite")
def _sqlite_millis(element, compiler, **kw) -> str:
    late, early = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(ROUND((julianday({late}) - julianday({early})) * 86400000.0) AS INTEGER)"


@compiles(millis_between, "postgresql")
def _postgres_millis(element, compiler, **kw) -> str:
    late, early = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(ROUND(EXTRACT(EPOCH FROM ({late} - {early})) * 1000) AS BIGINT)"


class customer_label(FunctionElement):  # noqa: N801 (a SQL function's name)
    """``customer_label(customer)``: the ``label`` of a ticket's customer JSON, as text (the
    name a customer's message is signed with, read by the statement that numbers it)."""

    type = String()
    name = "customer_label"
    inherit_cache = True


@compiles(customer_label, "sqlite")
def _sqlite_label(element, compiler, **kw) -> str:
    (customer,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"json_extract({customer}, '$.label')"


@compiles(customer_label, "postgresql")
def _postgres_label(element, compiler, **kw) -> str:
    (customer,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({customer} ->> 'label')"


def millis(late: datetime | None, early: datetime) -> int | None:
    """millis_between in Python, for rows written from a Ticket (migrate-tickets)."""
    return None if late is None else round((late - early) / timedelta(milliseconds=1))


def ticket_from_row(row) -> Ticket:
    assignee = (
        {"id": row["assignee_id"], "name": row["assignee_name"]} if row["assignee_id"] else None
    )
    return Ticket(
        id=row["id"],
        client_key=row["client_key"],
        session_id=row["session_id"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        closed_at=row["closed_at"],
        closed_by=row["closed_by"],
        customer=row["customer"],
        assignee=assignee,
        last_seq=row["last_seq"],
        last_public_seq=row["last_public_seq"],
        last_message_at=row["last_message_at"],
        last_message_preview=row["last_message_preview"],
        agent_read_seq=row["agent_read_seq"],
        guest_read_seq=row["guest_read_seq"],
        rating=row["rating"],
        last_guest_seq=row["last_guest_seq"],
        bot_active=bool(row["bot_active"]),
        ai_seq=row["ai_seq"],
        labels=tuple(row["labels"] or ()),
        rating_comment=row["rating_comment"],
        rated_at=row["rated_at"],
        waiting_since=row["waiting_since"],
        first_reply_at=row["first_reply_at"],
        preview_seq=row["preview_seq"],
        bot_only=None if row["bot_only"] is None else bool(row["bot_only"]),
    )


def message_from_row(row) -> Message:
    return Message(
        id=row["id"],
        ticket_id=row["ticket_id"],
        seq=row["seq"],
        client_msg_id=row["client_msg_id"],
        sender={"id": row["sender_id"], "role": row["sender_role"], "name": row["sender_name"]},
        text=row["text"],
        attachments=row["attachments"] or [],
        kind=row["kind"],
        created_at=row["created_at"],
        guest_seq=row["guest_seq"],
    )
