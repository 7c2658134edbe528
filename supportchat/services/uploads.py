"""Uploads: the type sniffed from the content, the size limit kept while streaming, the bytes
kept by the FileStore (stores/files.py).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from typing import Any, BinaryIO

import filetype

from ..clock import iso
from ..context import Context
from ..errors import AppError
from ..models import new_id
from ..stores import StoredFile, Ticket
from . import cursors, filenames, files, tickets
from .actors import Actor, require_agent

SNIFF_BYTES = 8192  # what filetype's signatures need
CHUNK_BYTES = 64 * 1024
RASTER_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
ALLOWED_TYPES = RASTER_IMAGES | {
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
_SAME_AS = {"image/apng": "image/png"}  # an animated PNG is a PNG
# Markup is not plain text: a browser that ever rendered it would run HTML or SVG scripts.
_MARKUP = re.compile(r"^[\ufeff\s]*<[A-Za-z!?/]")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\"]")


def save(
    ctx: Context, actor: Actor, ticket: Ticket, name: str | None, stream: BinaryIO
) -> dict[str, Any]:
    """Store an upload to ``ticket`` and return its File (PROTOCOL.md §2): refused when
    empty, over MAX_UPLOAD_MB (counted as it streams) or of a type not allowed."""
    if ticket.status == "closed":
        raise AppError(
            "ticket_closed", "This conversation is closed; start a new one to send files."
        )
    head = stream.read(SNIFF_BYTES)
    if not head:
        raise AppError("invalid", "The file is empty; choose another one.", {"field": "file"})
    kind = sniff(head, name or "")
    file_id = new_id()
    size = ctx.files.save(file_id, _checked(ctx, head, stream, kind))
    try:
        stored = ctx.store.add_file(
            ticket.id,
            filenames.download_name(display_name(name), kind),
            size,
            kind,
            actor.id,
            file_id=file_id,
        )
    except BaseException:
        ctx.files.delete(file_id)
        raise
    return stored_file_view(ctx, stored)


def sniff(head: bytes, name: str) -> str:
    """The type of a file from its first bytes (its name only tells csv from plain text);
    AppError ``unsupported_media_type`` for a type not allowed."""
    kind = filetype.guess_mime(head)
    if kind is None and _plain_text(head):
        kind = "text/csv" if name.lower().endswith(".csv") else "text/plain"
    kind = _SAME_AS.get(kind, kind)
    if kind not in ALLOWED_TYPES:
        raise AppError(
            "unsupported_media_type",
            "This type of file cannot be sent; send an "
            "image (PNG, JPEG, GIF, WebP), a PDF, plain text, CSV, a ZIP or an office "
            "document.",
            {"type": kind or "unknown"},
        )
    return kind


def _plain_text(head: bytes) -> bool:
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head)  # may end mid-character
    except UnicodeDecodeError:
        return False
    return "\x00" not in text and not _MARKUP.match(text)


def _checked(ctx: Context, head: bytes, stream: BinaryIO, kind: str) -> Iterator[bytes]:
    """The upload's bytes, stopped with ``too_large`` at MAX_UPLOAD_MB and, for text, with
    ``unsupported_media_type`` at the first byte that is not UTF-8 text."""
    limit = ctx.config["MAX_UPLOAD_MB"] * 1024 * 1024
    decoder = codecs.getincrementaldecoder("utf-8")() if kind.startswith("text/") else None
    total, chunk = 0, head
    while chunk:
        total += len(chunk)
        if total > limit:
            raise AppError(
                "too_large",
                f"The file is over the {ctx.config['MAX_UPLOAD_MB']} MB limit; send a smaller one.",
                {"field": "file", "limit": limit},
            )
        if decoder is not None:
            try:
                if "\x00" in decoder.decode(chunk):
                    raise UnicodeDecodeError("utf-8", chunk, 0, 1, "NUL")
            except UnicodeDecodeError:
                raise AppError(
                    "unsupported_media_type",
                    "The file starts as text but is not; send it as a ZIP.",
                    {"type": "application/octet-stream"},
                ) from None
        yield chunk
        chunk = stream.read(CHUNK_BYTES)
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise AppError(
                "unsupported_media_type",
                "The file ends in broken text; send it as a ZIP.",
                {"type": "application/octet-stream"},
            ) from None


def display_name(name: str | None) -> str:
    """The name shown for a file: the last part of what the uploader sent, without control
    characters; it is only ever shown, never used as a path."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE_NAME.sub("", name).strip().lstrip(".")[:200]
    return name or "file"


def stored_file_view(ctx: Context, stored: StoredFile) -> dict[str, Any]:
    """PROTOCOL.md §2 File, with a fresh signed link."""
    return files.file_view(
        ctx, {"id": stored.id, "name": stored.name, "size": stored.size, "type": stored.type}
    )


def downloadable(ctx: Context, file_id: str) -> tuple[StoredFile, BinaryIO]:
    """A stored file's metadata and bytes, or AppError ``not_found``."""
    stored = ctx.store.get_file(file_id)
    try:
        if stored is None:
            raise FileNotFoundError(file_id)
        return stored, ctx.files.open(stored.id)
    except FileNotFoundError:
        raise AppError("not_found", "No such file; it may have been deleted.") from None


def list_files(
    ctx: Context, actor: Actor, ticket_id: str | None, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of uploaded files, newest first, and the cursor of the next page (agents)."""
    require_agent(actor)
    if ticket_id:
        tickets.accessible(ctx, actor, ticket_id)
    page = ctx.store.list_files(ticket_id, cursors.decode_cursor(cursor), limit + 1)
    more = len(page) > limit
    page = page[:limit]
    next_cursor = cursors.keyset_cursor(page[-1].created_at, page[-1].id) if more else None
    return [
        {
            **stored_file_view(ctx, item),
            "ticketId": item.ticket_id,
            "uploaderId": item.uploader_id,
            "createdAt": iso(item.created_at),
        }
        for item in page
    ], next_cursor
