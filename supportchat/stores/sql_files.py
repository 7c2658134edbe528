"""The SQL store's records of uploaded files (table ``files``; the bytes are in stores.files)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, select, tuple_

from ..clock import utcnow
from ..models import new_id
from . import StoredFile
from .sql_rows import files


class SqlFiles:
    """Mixed into SqlTicketStore."""

    engine: Engine
    reader: Engine

    def add_file(
        self,
        ticket_id: str,
        name: str,
        size: int,
        type: str,
        uploader_id: str,
        file_id: str | None = None,
    ) -> StoredFile:
        row = {
            "id": file_id or new_id(),
            "ticket_id": ticket_id,
            "name": name,
            "size": size,
            "type": type,
            "uploader_id": uploader_id,
            "created_at": utcnow(),
        }
        with self.engine.begin() as conn:
            conn.execute(insert(files).values(row))
        return StoredFile(**row)

    def get_file(self, file_id: str) -> StoredFile | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(files).where(files.c.id == file_id)).first()
        return StoredFile(**row._mapping) if row else None

    def list_files(
        self, ticket_id: str | None, cursor: tuple[datetime, str] | None, limit: int
    ) -> list[StoredFile]:
        stmt = select(files)
        if ticket_id:
            stmt = stmt.where(files.c.ticket_id == ticket_id)
        if cursor:
            stmt = stmt.where(tuple_(files.c.created_at, files.c.id) < tuple_(*cursor))
        stmt = stmt.order_by(files.c.created_at.desc(), files.c.id.desc()).limit(limit)
        with self.reader.connect() as conn:
            return [StoredFile(**row._mapping) for row in conn.execute(stmt)]
