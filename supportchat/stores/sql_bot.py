"""The SQL store's part of AI replies (PROTOCOL.md §3.9): a ticket's bot switch, and the claim
that lets exactly one process answer a customer message."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from ..clock import utcnow
from ..errors import not_found
from . import Ticket
from .sql_rows import ticket_from_row, tickets


class SqlBot:
    """Mixed into SqlTicketStore."""

    engine: Engine
    reader: Engine

    def set_bot(self, ticket_id: str, active: bool) -> tuple[Ticket, bool]:
        where = tickets.c.id == ticket_id
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(tickets)
                .where(where, tickets.c.bot_active != active)
                .values(bot_active=active, updated_at=utcnow())
            ).rowcount
            row = conn.execute(select(tickets).where(where)).first()
        if row is None:
            raise not_found()
        return ticket_from_row(row._mapping), changed == 1

    def claim_ai(self, ticket_id: str, seq: int) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(tickets)
                    .where(
                        tickets.c.id == ticket_id,
                        tickets.c.status == "open",
                        tickets.c.bot_active.is_(True),
                        tickets.c.ai_seq < seq,
                    )
                    .values(ai_seq=seq)
                ).rowcount
                == 1
            )

    def bot_tickets(self, limit: int) -> list[Ticket]:
        stmt = select(tickets).where(tickets.c.status == "open", tickets.c.bot_active.is_(True))
        with self.reader.connect() as conn:
            return [ticket_from_row(row._mapping) for row in conn.execute(stmt.limit(limit))]
