"""The SQL store's translation between the two sequences of a ticket (PROTOCOL.md §2, v1.1):
agents number every message, guests only those they see."""

from __future__ import annotations

from sqlalchemy import Engine, select

from .sql_rows import messages


class SqlGuestSeq:
    """Mixed into SqlTicketStore."""

    engine: Engine
    reader: Engine

    def guest_position(self, ticket_id: str, seq: int) -> int:
        stmt = (
            select(messages.c.guest_seq)
            .where(
                messages.c.ticket_id == ticket_id,
                messages.c.seq <= seq,
                messages.c.guest_seq.is_not(None),
            )
            .order_by(messages.c.seq.desc())
            .limit(1)
        )
        with self.reader.connect() as conn:
            return conn.execute(stmt).scalar() or 0

    def agent_position(self, ticket_id: str, guest_seq: int) -> int:
        stmt = select(messages.c.seq).where(
            messages.c.ticket_id == ticket_id, messages.c.guest_seq == guest_seq
        )
        with self.reader.connect() as conn:
            return conn.execute(stmt).scalar() or 0
