"""The MongoDB store's records of uploaded files (collection ``files``; the bytes are in
stores.files), as sql_files.py is for SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..clock import utcnow
from ..models import new_id
from . import StoredFile
from .mongo_documents import file_document, file_from_document, ms
from .mongo_indexes import NEWEST_FILES


class MongoFiles:
    """Mixed into MongoTicketStore (its ``files`` collection)."""

    def add_file(
        self,
        ticket_id: str,
        name: str,
        size: int,
        type: str,
        uploader_id: str,
        file_id: str | None = None,
    ) -> StoredFile:
        stored = StoredFile(
            id=file_id or new_id(),
            ticket_id=ticket_id,
            name=name,
            size=size,
            type=type,
            uploader_id=uploader_id,
            created_at=utcnow(),
        )
        self.files.insert_one(file_document(stored))
        return stored

    def get_file(self, file_id: str) -> StoredFile | None:
        doc = self.files.find_one({"_id": file_id})
        return file_from_document(doc) if doc else None

    def list_files(
        self, ticket_id: str | None, cursor: tuple[datetime, str] | None, limit: int
    ) -> list[StoredFile]:
        where: dict[str, Any] = {"ticketId": ticket_id} if ticket_id else {}
        if cursor:
            at, last_id = ms(cursor[0]), cursor[1]
            where["$or"] = [{"createdAt": {"$lt": at}}, {"createdAt": at, "_id": {"$lt": last_id}}]
        docs = self.files.find(where).sort(NEWEST_FILES).limit(limit)
        return [file_from_document(doc) for doc in docs]
