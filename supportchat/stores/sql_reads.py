"""The SQL store's per-agent read positions (table ``agent_reads``): each agent's own unread."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, bindparam, case, select
from sqlalchemy.dialects import postgresql, sqlite

from ..models import AgentRead

agent_reads = AgentRead.__table__


def _raise_read(insert) -> Any:
    """``INSERT … ON CONFLICT DO UPDATE`` raising an agent's position in a ticket to ``seq``."""
    stmt = insert(agent_reads).values(
        agent_id=bindparam("agent_id"), ticket_id=bindparam("ticket_id"), seq=bindparam("seq")
    )
    return stmt.on_conflict_do_update(
        index_elements=[agent_reads.c.agent_id, agent_reads.c.ticket_id],
        set_={
            "seq": case(
                (agent_reads.c.seq < stmt.excluded.seq, stmt.excluded.seq),
                else_=agent_reads.c.seq,
            )
        },
    )


_RAISE_READ = {"sqlite": _raise_read(sqlite.insert), "postgresql": _raise_read(postgresql.insert)}


class SqlReads:
    """Mixed into SqlTicketStore."""

    engine: Engine
    reader: Engine

    def mark_agent_read(self, agent_id: str, ticket_id: str, seq: int) -> None:
        with self.engine.begin() as conn:
            self._raise_reads(conn, [{"agent_id": agent_id, "ticket_id": ticket_id, "seq": seq}])

    def _raise_reads(self, conn: Connection, positions: list[dict[str, Any]]) -> None:
        """Raise agents' positions (``agent_id``, ``ticket_id``, ``seq``) in ``conn``'s
        transaction: also where agents' own messages are stored (sql.py)."""
        conn.execute(_RAISE_READ[self.engine.dialect.name], positions)

    def agent_reads(self, agent_id: str, ticket_ids: list[str]) -> dict[str, int]:
        if not ticket_ids:
            return {}
        stmt = select(agent_reads.c.ticket_id, agent_reads.c.seq).where(
            agent_reads.c.agent_id == agent_id, agent_reads.c.ticket_id.in_(ticket_ids)
        )
        with self.reader.connect() as conn:
            return dict(conn.execute(stmt).all())
