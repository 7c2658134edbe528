"""The SQL store's per-agent read positions (table ``agent_reads``): each agent's own unread."""

from __future__ import annotations

from sqlalchemy import Engine, case, select
from sqlalchemy.dialects import postgresql, sqlite

from ..models import AgentRead

agent_reads = AgentRead.__table__
_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class SqlReads:
    """Mixed into SqlTicketStore."""

    engine: Engine
    reader: Engine

    def mark_agent_read(self, agent_id: str, ticket_id: str, seq: int) -> None:
        insert = _INSERT[self.engine.dialect.name](agent_reads)
        stmt = insert.values(agent_id=agent_id, ticket_id=ticket_id, seq=seq)
        stmt = stmt.on_conflict_do_update(
            index_elements=[agent_reads.c.agent_id, agent_reads.c.ticket_id],
            set_={
                "seq": case(
                    (agent_reads.c.seq < stmt.excluded.seq, stmt.excluded.seq),
                    else_=agent_reads.c.seq,
                )
            },
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def agent_reads(self, agent_id: str, ticket_ids: list[str]) -> dict[str, int]:
        if not ticket_ids:
            return {}
        stmt = select(agent_reads.c.ticket_id, agent_reads.c.seq).where(
            agent_reads.c.agent_id == agent_id, agent_reads.c.ticket_id.in_(ticket_ids)
        )
        with self.reader.connect() as conn:
            return dict(conn.execute(stmt).all())
