"""The ticket store on SQLAlchemy Core: SQLite by default, PostgreSQL in production.

Sequence numbers come from ``UPDATE tickets SET last_seq = last_seq + 1 ... RETURNING``
(sql_numbering.py) in the same transaction as the message insert (and, for a message guests
see, ``last_guest_seq = last_guest_seq + 1`` in the same statement: the guest sequence). The
update locks the ticket row (PostgreSQL) or the database (SQLite), so concurrent appends to one
ticket are serialized and a rolled-back append gives its number back: ``seq`` has no gaps and
no duplicates.

Appends that arrive together share one transaction and one durable commit (group commit), and
reads of a ticket by id that arrive together share one ``SELECT`` (batching.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    and_,
    bindparam,
    case,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..errors import AppError, not_found
from ..models import new_id
from . import (
    Appended,
    Message,
    NewMessage,
    Ticket,
    TicketQuery,
    closed_error,
    rated_already,
    signature,
)
from .batching import Append, Batcher, Request
from .reports import ReportData
from .sql_bot import SqlBot
from .sql_files import SqlFiles
from .sql_guest_seq import SqlGuestSeq
from .sql_numbering import WRITER_STATUS, number_all, sent_as
from .sql_reads import SqlReads
from .sql_reports import report as database_report
from .sql_rows import (
    message_from_row,
    messages,
    millis_between,
    ticket_from_row,
    tickets,
)
from .sql_search import SqlSearch, labelled_ticket_ids

# The statements every message runs, built once: building one and its cache key per call
# was a tenth of the server's time under load (bench/RESULTS.md).
_TICKETS_BY_ID = select(tickets).where(tickets.c.id.in_(bindparam("ticket_ids", expanding=True)))
_BY_CLIENT_MSG_ID = select(messages).where(
    messages.c.ticket_id == bindparam("ticket_id"),
    messages.c.sender_id == bindparam("sender_id"),
    messages.c.client_msg_id == bindparam("client_msg_id"),
)
_INSERT_MESSAGES = insert(messages)


def _agents_read(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An agent who writes has read the ticket up to their own message."""
    return [
        {"agent_id": row["sender_id"], "ticket_id": row["ticket_id"], "seq": row["seq"]}
        for row in rows
        if row["sender_role"] == "agent"
    ]


class SqlTicketStore(SqlSearch, SqlGuestSeq, SqlBot, SqlReads, SqlFiles):
    """TicketStore on a SQLAlchemy engine."""

    def __init__(self, engine: Engine):
        self.engine = engine  # changes: engine.begin()
        # Reads: reader.connect(). On PostgreSQL without a transaction: each statement sees
        # what is committed either way (read committed), and psycopg then sends no BEGIN before
        # and no ROLLBACK after a read, two of its round trips. SQLite begins none for reads.
        self.reader = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self._commits = Batcher(self._store)
        self._lookups = Batcher(self._look_up)  # every event reads its ticket first
        self.outbox = None  # services.outbox: events recorded in the changes' transactions

    def create_ticket(
        self,
        client_key: str,
        session_id: str | None,
        customer: dict[str, Any],
        bot_active: bool = False,
    ) -> tuple[Ticket, bool]:
        if session_id and (existing := self._open_for_session(session_id)):
            return existing, False
        now = utcnow()
        row = {
            "id": new_id(),
            "client_key": client_key,
            "session_id": session_id,
            "status": "open",
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
            "closed_by": None,
            "customer": customer,
            "assignee_id": None,
            "assignee_name": None,
            "last_seq": 0,
            "last_public_seq": 0,
            "last_message_at": now,
            "last_message_preview": "",
            "preview_seq": 0,
            "agent_read_seq": 0,
            "guest_read_seq": 0,
            "rating": None,
            "last_guest_seq": 0,
            "bot_active": bot_active,
            "ai_seq": 0,
            "labels": None,
            "rating_comment": None,
            "rated_at": None,
            "waiting_since": None,
            "first_reply_at": None,
            "first_response_ms": None,
            "resolution_ms": None,
            "bot_only": None,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(tickets).values(row))
                if self.outbox is not None:
                    self.outbox.ticket(conn, "ticket.created", ticket_from_row(row))
        except IntegrityError:
            # Another request opened this session's ticket first: answer with that one.
            if session_id and (existing := self._open_for_session(session_id)):
                return existing, False
            raise
        return ticket_from_row(row), True

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        return self._lookups.run(Request(ticket_id))

    def _look_up(self, batch: list[Request]) -> None:
        ids = list(dict.fromkeys(item.ticket_id for item in batch))
        try:
            found = {ticket.id: ticket for ticket in self.get_tickets(ids)}
        except Exception as error:  # the database failed: every read in the batch hears it
            for item in batch:
                item.error = error
            return
        for item in batch:
            item.outcome = found.get(item.ticket_id)

    def get_tickets(self, ticket_ids: list[str]) -> list[Ticket]:
        if not ticket_ids:
            return []
        with self.reader.connect() as conn:
            rows = conn.execute(_TICKETS_BY_ID, {"ticket_ids": list(ticket_ids)})
            return [ticket_from_row(row._mapping) for row in rows]

    def latest_for_session(self, session_id: str) -> Ticket | None:
        return self._one(
            select(tickets)
            .where(tickets.c.session_id == session_id)
            .order_by(tickets.c.created_at.desc())
            .limit(1)
        )

    def list_tickets(self, query: TicketQuery) -> list[Ticket]:
        stmt = select(tickets)
        if query.status != "all":
            stmt = stmt.where(tickets.c.status == query.status)
        if query.assignee == "none":
            stmt = stmt.where(tickets.c.assignee_id.is_(None))
        elif query.assignee:
            stmt = stmt.where(tickets.c.assignee_id == query.assignee)
        if query.text:
            stmt = stmt.where(self.search_condition(query.text))
        if query.label:
            stmt = stmt.where(tickets.c.id.in_(labelled_ticket_ids(query.label)))
        if query.sort == "waiting":  # index ix_tickets_waiting
            stmt = stmt.where(tickets.c.waiting_since.is_not(None))
            key = tuple_(tickets.c.waiting_since, tickets.c.id)
            if query.cursor:
                stmt = stmt.where(key > tuple_(*query.cursor))
            order = [tickets.c.waiting_since.asc(), tickets.c.id.asc()]
        else:
            key = tuple_(tickets.c.last_message_at, tickets.c.id)
            if query.cursor:
                stmt = stmt.where(key < tuple_(*query.cursor))
            order = [tickets.c.last_message_at.desc(), tickets.c.id.desc()]
        stmt = stmt.order_by(*order).limit(query.limit)
        with self.reader.connect() as conn:
            return [ticket_from_row(row._mapping) for row in conn.execute(stmt)]

    def append_message(self, ticket_id: str, new: NewMessage) -> Appended:
        return self._commits.run(Append(ticket_id, new))

    def _store(self, batch: list[Append]) -> None:
        """One transaction for the batch; each append's outcome or error is set on it."""
        now = utcnow()
        rows = []
        try:
            with self.engine.begin() as conn:
                for item, numbers in zip(batch, number_all(conn, batch, now), strict=True):
                    item.error = None
                    try:
                        numbered = self._numbered(conn, item.ticket_id, item.new, numbers, now)
                    except AppError as error:
                        item.error = error
                        continue
                    if isinstance(numbered, Message):  # a resend: stored before
                        item.outcome = Appended(numbered, False)
                    else:
                        rows.append(numbered)
                        item.outcome = Appended(message_from_row(numbered), True, bool(numbers[2]))
                if rows:
                    conn.execute(_INSERT_MESSAGES, rows)
                    if writers := _agents_read(rows):
                        self._raise_reads(conn, writers)
                    if self.outbox is not None:
                        self.outbox.messages(conn, [message_from_row(row) for row in rows])
        except IntegrityError as error:
            if len(batch) > 1:  # find the one that collided: each on its own
                for item in batch:
                    self._store([item])
                return
            # A concurrent send with the same clientMsgId won; its transaction holds the number.
            (item,) = batch
            stored = item.new.client_msg_id and self._by_client_msg_id(item.ticket_id, item.new)
            item.outcome, item.error = (Appended(stored, False), None) if stored else (None, error)
        except Exception as error:  # the database failed: every append in the batch hears it
            for item in batch:
                item.error = error

    def _numbered(
        self,
        conn,
        ticket_id: str,
        new: NewMessage,
        numbers: Sequence[Any] | None,
        now: datetime,
    ) -> dict[str, Any] | Message:
        """The row of the message to insert with what its numbering returned (``last_seq``,
        ``last_guest_seq``, ``bot_active``, the customer's label), or the message stored before
        under the sender's ``clientMsgId``; without numbers, why the ticket took none."""
        if numbers is None:
            params = sent_as(ticket_id, new)
            if new.client_msg_id and (stored := conn.execute(_BY_CLIENT_MSG_ID, params).first()):
                return message_from_row(stored._mapping)
            status = conn.execute(WRITER_STATUS, params).scalar()
            raise not_found() if status is None else closed_error()
        return {
            "id": new_id(),
            "ticket_id": ticket_id,
            "seq": numbers[0],
            "guest_seq": numbers[1] if new.kind != "note" else None,
            "client_msg_id": new.client_msg_id,
            "sender_id": new.sender["id"],
            "sender_role": new.sender["role"],
            "sender_name": signature(new.sender, numbers[3]),
            "text": new.text,
            "attachments": new.attachments,
            "kind": new.kind,
            "created_at": now,
        }

    def messages_after(
        self, ticket_id: str, seq: int, limit: int, include_notes: bool
    ) -> list[Message]:
        number = self._number(include_notes)
        stmt = self._messages(ticket_id, include_notes).where(number > seq)
        with self.reader.connect() as conn:
            rows = conn.execute(stmt.order_by(number).limit(limit))
            return [message_from_row(row._mapping) for row in rows]

    def messages_before(
        self, ticket_id: str, seq: int | None, limit: int, include_notes: bool
    ) -> list[Message]:
        number = self._number(include_notes)
        stmt = self._messages(ticket_id, include_notes)
        if seq is not None:
            stmt = stmt.where(number < seq)
        with self.reader.connect() as conn:
            rows = conn.execute(stmt.order_by(number.desc()).limit(limit))
            return [message_from_row(row._mapping) for row in reversed(rows.all())]

    def close_ticket(self, ticket_id: str, closed_by: dict[str, str]) -> Ticket:
        now = utcnow()
        return self._update(
            ticket_id,
            tickets.c.status == "open",
            "ticket.closed",
            status="closed",
            closed_at=now,
            closed_by=closed_by,
            updated_at=now,
            resolution_ms=millis_between(
                bindparam("closed", now, type_=DateTime), tickets.c.created_at
            ),
        )

    def update_customer(self, ticket_id: str, customer: dict[str, Any]) -> Ticket:
        return self._update(ticket_id, None, None, customer=customer, updated_at=utcnow())

    def assign_ticket(self, ticket_id: str, assignee: dict[str, str] | None) -> Ticket:
        return self._update(
            ticket_id,
            None,
            "ticket.assigned",
            assignee_id=assignee and assignee["id"],
            assignee_name=assignee and assignee["name"],
            updated_at=utcnow(),
        )

    def mark_read(self, ticket_id: str, side: str, seq: int) -> Ticket:
        column = tickets.c[f"{side}_read_seq"]
        return self._update(
            ticket_id, None, None, **{column.name: case((column < seq, seq), else_=column)}
        )

    def rate_ticket(self, ticket_id: str, score: int, comment: str | None) -> Ticket:
        where = tickets.c.id == ticket_id
        with self.engine.begin() as conn:
            rated = conn.execute(
                update(tickets)
                .where(where, tickets.c.rating.is_(None))
                .values(rating=score, rating_comment=comment, rated_at=utcnow())
            ).rowcount
            row = conn.execute(select(tickets).where(where)).first()
            if rated and self.outbox is not None:
                self.outbox.ticket(conn, "ticket.rated", ticket_from_row(row._mapping))
        if row is None:
            raise not_found()
        if not rated:
            raise rated_already()
        return ticket_from_row(row._mapping)

    def ping(self) -> None:
        with self.reader.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def report(self, start: datetime, end: datetime, bucket: str) -> ReportData:
        """The reports' figures, computed by the database (stores/reports.py)."""
        return database_report(self.engine, start, end, bucket)

    def _update(self, ticket_id: str, condition, event: str | None, **values) -> Ticket:
        where = tickets.c.id == ticket_id
        with self.engine.begin() as conn:
            stmt = update(tickets).where(where if condition is None else and_(where, condition))
            changed = conn.execute(stmt.values(values)).rowcount
            row = conn.execute(select(tickets).where(where)).first()
            if event and changed and row is not None and self.outbox is not None:
                self.outbox.ticket(conn, event, ticket_from_row(row._mapping))
        if row is None:
            raise not_found()
        return ticket_from_row(row._mapping)

    def _one(self, stmt, params: dict[str, Any] | None = None) -> Ticket | None:
        with self.reader.connect() as conn:
            row = conn.execute(stmt, params).first()
        return ticket_from_row(row._mapping) if row else None

    def _open_for_session(self, session_id: str) -> Ticket | None:
        return self._one(
            select(tickets).where(tickets.c.session_id == session_id, tickets.c.status == "open")
        )

    def _messages(self, ticket_id: str, include_notes: bool):
        stmt = select(messages).where(messages.c.ticket_id == ticket_id)
        return stmt if include_notes else stmt.where(messages.c.guest_seq.is_not(None))

    @staticmethod
    def _number(include_notes: bool):
        """The sequence a read is in: everything (agents), or what guests see."""
        return messages.c.seq if include_notes else messages.c.guest_seq

    def _by_client_msg_id(self, ticket_id: str, new: NewMessage) -> Message | None:
        with self.reader.connect() as conn:
            row = conn.execute(_BY_CLIENT_MSG_ID, sent_as(ticket_id, new)).first()
        return message_from_row(row._mapping) if row else None
