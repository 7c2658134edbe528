"""The MongoDB store's part of AI replies (PROTOCOL.md §3.9): a ticket's bot switch, and the
claim that lets exactly one process answer a customer message."""

from __future__ import annotations

from pymongo import ReturnDocument

from ..clock import utcnow
from . import Ticket
from .mongo_documents import ms, ticket_from_document


class MongoBot:
    """Mixed into MongoTicketStore (its ``tickets`` collection and ``_found``)."""

    def set_bot(self, ticket_id: str, active: bool) -> tuple[Ticket, bool]:
        doc = self.tickets.find_one_and_update(
            {"_id": ticket_id, "botActive": {"$ne": active}},
            {"$set": {"botActive": active, "updatedAt": ms(utcnow())}},
            projection={"pending": 0},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            return ticket_from_document(doc), True
        return self._found(self.tickets.find_one({"_id": ticket_id}, {"pending": 0})), False

    def claim_ai(self, ticket_id: str, seq: int) -> bool:
        claimed = self.tickets.find_one_and_update(
            {
                "_id": ticket_id,
                "status": "open",
                "botActive": True,
                "$or": [{"aiSeq": {"$lt": seq}}, {"aiSeq": {"$exists": False}}],
            },
            {"$set": {"aiSeq": seq}},
            projection={"_id": 1},
        )
        return claimed is not None

    def bot_tickets(self, limit: int) -> list[Ticket]:
        docs = self.tickets.find({"status": "open", "botActive": True}, {"pending": 0})
        return [ticket_from_document(doc) for doc in docs.limit(limit)]
