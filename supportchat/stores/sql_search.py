"""The SQL ticket store's search, tags and canned responses (mixed into SqlTicketStore).

Search reads the database's own text index, never every message: on SQLite the FTS5 table
``search_index`` (one row per message and one per ticket's customer, kept by triggers), on
PostgreSQL GIN indexes on ``to_tsvector('simple', …)`` of messages and of the customer's
label and identifiers (migration 0009 creates both; the expressions here must stay equal to
the indexed ones). A ticket matches when one of its messages, or its customer, has every word.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    Engine,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..errors import not_found
from ..models import CannedRow, MessageRow, TicketLabel, TicketRow, new_id
from . import Canned, SearchMatch, Ticket
from .search_common import customer_text, shortcut_taken

tickets = TicketRow.__table__
messages = MessageRow.__table__
ticket_labels = TicketLabel.__table__
canned = CannedRow.__table__
search_index = table("search_index", column("body"), column("ticket_id"), column("seq"))

WORD = re.compile(r"\w+")
POSTGRES_MESSAGE = "to_tsvector('simple', messages.text)"
POSTGRES_CUSTOMER = (
    "(to_tsvector('simple', coalesce(tickets.customer->>'label', '')) || json_to_tsvector("
    "'simple', coalesce(tickets.customer->'userIdentifier', '{}'::json), '[\"string\"]'))"
)


def fts_query(words: str, ticket_ids: list[str] | None = None) -> str:
    """An FTS5 query for all of these words in ``body``, each quoted (no operator reaches
    FTS5); with ``ticket_ids``, in those tickets only (``ticket_id`` is indexed too, so the
    index intersects the two instead of reading every match)."""
    query = "body : (" + " ".join(f'"{word}"' for word in WORD.findall(words)) + ")"
    if ticket_ids:
        query += " AND ticket_id : (" + " OR ".join(f'"{id_}"' for id_ in ticket_ids) + ")"
    return query


def matching_ticket_ids(words: str):
    """A SELECT of the ids of tickets whose messages or customer have all ``words`` (SQLite)."""
    return select(search_index.c.ticket_id).where(
        literal_column("search_index").op("MATCH")(fts_query(words))
    )


def postgres_condition(words: str):
    """Tickets whose messages or customer have all ``words``, as two correlated EXISTS: the
    planner then either walks the inbox in activity order and checks each ticket (a common
    word: a page is found within a few dozen tickets) or reads both GIN indexes once into a
    hashed set (a rare word). An ``IN (… UNION …)`` instead always collects and de-duplicates
    every match first, seconds for a word in half the messages."""
    query = func.plainto_tsquery(literal_column("'simple'"), words)
    customers = tickets.alias("customers")
    customer_vector = POSTGRES_CUSTOMER.replace("tickets.", "customers.")
    return or_(
        exists(
            select(literal_column("1")).where(
                messages.c.ticket_id == tickets.c.id,
                literal_column(POSTGRES_MESSAGE).op("@@")(query),
            )
        ),
        exists(
            select(literal_column("1"))
            .select_from(customers)
            .where(
                customers.c.id == tickets.c.id,
                literal_column(customer_vector).op("@@")(query),
            )
        ),
    )


def labelled_ticket_ids(label: str):
    """A SELECT of the ids of tickets tagged ``label``."""
    return select(ticket_labels.c.ticket_id).where(ticket_labels.c.label == label)


class SqlSearch:
    """Search, tags and canned responses for SqlTicketStore."""

    engine: Engine
    reader: Engine
    # SQLite: from this many matching rows on, words are common enough that walking the inbox
    # in activity order and asking the index about each ticket finds a page sooner than
    # collecting and sorting every matching ticket.
    dense_matches = 2000

    def search_condition(self, words: str):
        """The WHERE clause of tickets whose messages or customer have all ``words``."""
        if self.engine.dialect.name != "sqlite":
            return postgres_condition(words)
        with self.reader.connect() as conn:
            many = conn.execute(
                select(func.count()).select_from(
                    matching_ticket_ids(words).limit(self.dense_matches).subquery()
                )
            ).scalar()
        if many >= self.dense_matches:
            per_ticket = (
                literal(fts_query(words) + ' AND ticket_id : "').concat(tickets.c.id).concat('"')
            )
            return exists(
                select(literal_column("1"))
                .select_from(search_index)
                .where(literal_column("search_index").op("MATCH")(per_ticket))
            )
        return tickets.c.id.in_(matching_ticket_ids(words))

    def search_matches(self, ticket_ids: list[str], words: str) -> dict[str, SearchMatch]:
        if not ticket_ids:
            return {}
        dialect = self.engine.dialect.name
        with self.reader.connect() as conn:
            if dialect == "sqlite":
                # One row per ticket: the bare columns come from the row with the largest seq.
                rows = conn.execute(
                    select(
                        search_index.c.ticket_id, func.max(search_index.c.seq), search_index.c.body
                    )
                    .where(
                        literal_column("search_index").op("MATCH")(fts_query(words, ticket_ids)),
                        search_index.c.ticket_id.in_(ticket_ids),
                    )
                    .group_by(search_index.c.ticket_id)
                )
                return {
                    ticket_id: SearchMatch(int(seq) or None, body) for ticket_id, seq, body in rows
                }
            query = func.plainto_tsquery(literal_column("'simple'"), words)
            rows = conn.execute(
                select(messages.c.ticket_id, messages.c.seq, messages.c.text).where(
                    literal_column(POSTGRES_MESSAGE).op("@@")(query),
                    messages.c.ticket_id.in_(ticket_ids),
                )
            )
            found: dict[str, SearchMatch] = {}
            for ticket_id, seq, body in rows:
                if ticket_id not in found or seq > found[ticket_id].seq:
                    found[ticket_id] = SearchMatch(seq, body)
            rest = [ticket_id for ticket_id in ticket_ids if ticket_id not in found]
            if rest:
                for ticket_id, customer in conn.execute(
                    select(tickets.c.id, tickets.c.customer).where(
                        tickets.c.id.in_(rest), literal_column(POSTGRES_CUSTOMER).op("@@")(query)
                    )
                ):
                    found[ticket_id] = SearchMatch(None, customer_text(customer))
            return found

    def set_labels(self, ticket_id: str, labels: list[str]) -> Ticket:
        labels = sorted(set(labels))
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id)
                .values(labels=labels, updated_at=utcnow())
            ).rowcount
            if not changed:
                raise not_found()
            conn.execute(delete(ticket_labels).where(ticket_labels.c.ticket_id == ticket_id))
            if labels:
                conn.execute(
                    insert(ticket_labels),
                    [{"ticket_id": ticket_id, "label": label} for label in labels],
                )
        return self.get_ticket(ticket_id)

    def list_canned(self) -> list[Canned]:
        with self.reader.connect() as conn:
            rows = conn.execute(select(canned).order_by(canned.c.shortcut))
            return [canned_from_row(row._mapping) for row in rows]

    def add_canned(self, shortcut: str, title: str, text: str) -> Canned:
        row = {
            "id": new_id(),
            "shortcut": shortcut,
            "title": title,
            "text": text,
            "created_at": utcnow(),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(canned).values(row))
        except IntegrityError:
            raise shortcut_taken(shortcut) from None
        return canned_from_row(row)

    def update_canned(self, canned_id: str, changes: dict[str, str]) -> Canned:
        try:
            with self.engine.begin() as conn:
                if changes:
                    conn.execute(update(canned).where(canned.c.id == canned_id).values(changes))
                row = conn.execute(select(canned).where(canned.c.id == canned_id)).first()
        except IntegrityError:
            raise shortcut_taken(changes.get("shortcut", "")) from None
        if row is None:
            raise not_found("canned response")
        return canned_from_row(row._mapping)

    def delete_canned(self, canned_id: str) -> None:
        with self.engine.begin() as conn:
            if not conn.execute(delete(canned).where(canned.c.id == canned_id)).rowcount:
                raise not_found("canned response")


def canned_from_row(row) -> Canned:
    return Canned(id=row["id"], shortcut=row["shortcut"], title=row["title"], text=row["text"])
