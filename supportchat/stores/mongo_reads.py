"""The MongoDB store's per-agent read positions (collection ``agent_reads``, one document per
agent and ticket): each agent's own unread."""

from __future__ import annotations


def _key(agent_id: str, ticket_id: str) -> str:
    return f"{agent_id}:{ticket_id}"


class MongoReads:
    """Mixed into MongoTicketStore (its ``db``)."""

    def mark_agent_read(self, agent_id: str, ticket_id: str, seq: int) -> None:
        self.db.agent_reads.update_one(
            {"_id": _key(agent_id, ticket_id)},
            {"$max": {"seq": seq}, "$setOnInsert": {"agentId": agent_id, "ticketId": ticket_id}},
            upsert=True,
        )

    def agent_reads(self, agent_id: str, ticket_ids: list[str]) -> dict[str, int]:
        if not ticket_ids:
            return {}
        found = self.db.agent_reads.find(
            {"_id": {"$in": [_key(agent_id, ticket_id) for ticket_id in ticket_ids]}}
        )
        return {doc["ticketId"]: doc["seq"] for doc in found}
