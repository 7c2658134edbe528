"""The ticket store port: plain values in and out, one adapter per database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..errors import AppError
from .reports import ReportData


@dataclass(frozen=True)
class Ticket:
    """A stored ticket, before it is shaped for a guest or an agent."""

    id: str
    client_key: str
    session_id: str | None
    status: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    closed_by: dict[str, Any] | None
    customer: dict[str, Any]
    assignee: dict[str, str] | None
    last_seq: int
    last_public_seq: int
    last_message_at: datetime
    last_message_preview: str
    agent_read_seq: int
    guest_read_seq: int
    rating: int | None = None


@dataclass(frozen=True)
class Message:
    """A stored message (PROTOCOL.md §2)."""

    id: str
    ticket_id: str
    seq: int
    client_msg_id: str | None
    sender: dict[str, str]
    text: str
    attachments: list[dict[str, Any]]
    kind: str
    created_at: datetime


@dataclass(frozen=True)
class NewMessage:
    """What a service asks the store to append; the store assigns ``id`` and ``seq``."""

    sender: dict[str, str]
    text: str
    kind: str = "message"
    client_msg_id: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class StoredFile:
    """Metadata of an uploaded file."""

    id: str
    ticket_id: str
    name: str
    size: int
    type: str
    uploader_id: str
    created_at: datetime


@dataclass(frozen=True)
class TicketQuery:
    """A page request for the inbox: filters, keyset cursor and size."""

    status: str = "open"  # open | closed | all
    assignee: str | None = None  # None: anyone; "none": unassigned; else an agent id
    cursor: tuple[datetime, str] | None = (
        None  # (last_message_at, id) of the previous page's last row
    )
    limit: int = 25


PREVIEW_CHARS = 140


def from_bot(new: NewMessage) -> bool:
    """Whether the inbox's preview and unread flag pass over this message: bot messages
    (automatic acknowledgements, AI replies) must not hide or mark read what the customer
    asked. They still count as activity (``last_message_at``) and take their seq."""
    return new.sender["role"] == "bot"


def preview(new: NewMessage) -> str:
    """The inbox preview of a message: its first characters, or its attachments' names."""
    if new.text:
        return new.text[:PREVIEW_CHARS]
    return ", ".join(item["name"] for item in new.attachments)[:PREVIEW_CHARS]


def closed_error() -> AppError:
    """What every adapter raises when a message is appended to a closed ticket."""
    return AppError(
        "ticket_closed", "This ticket is closed; start a new conversation to write again."
    )


class TicketStore(Protocol):
    """What the services need from a ticket database. Adapters: SQL, MongoDB."""

    def create_ticket(
        self, client_key: str, session_id: str | None, customer: dict[str, Any]
    ) -> tuple[Ticket, bool]:
        """Open a ticket, or return the open one for ``session_id``; the flag says it is new."""

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        """One ticket by id."""

    def get_tickets(self, ticket_ids: list[str]) -> list[Ticket]:
        """The tickets of these ids that exist, in any order."""

    def latest_for_session(self, session_id: str) -> Ticket | None:
        """The newest ticket opened with ``session_id``."""

    def list_tickets(self, query: TicketQuery) -> list[Ticket]:
        """Tickets by newest activity first, starting after ``query.cursor``."""

    def append_message(self, ticket_id: str, new: NewMessage) -> tuple[Message, bool]:
        """Store a message with the next ``seq``; an already stored ``client_msg_id`` returns
        the stored message and False. Raises AppError ``not_found`` / ``ticket_closed``."""

    def messages_after(
        self, ticket_id: str, seq: int, limit: int, include_notes: bool
    ) -> list[Message]:
        """Messages with ``seq`` greater than ``seq``, oldest first, at most ``limit``."""

    def messages_before(
        self, ticket_id: str, seq: int | None, limit: int, include_notes: bool
    ) -> list[Message]:
        """The ``limit`` newest messages with ``seq`` below ``seq`` (None: the newest), oldest first."""

    def close_ticket(self, ticket_id: str, closed_by: dict[str, str]) -> Ticket:
        """Mark a ticket closed; closing a closed ticket changes nothing."""

    def assign_ticket(self, ticket_id: str, assignee: dict[str, str] | None) -> Ticket:
        """Set or clear the assignee."""

    def mark_read(self, ticket_id: str, side: str, seq: int) -> Ticket:
        """Raise the last read seq of ``side`` (guest | agent) to ``seq``, never lower it."""

    def add_file(
        self,
        ticket_id: str,
        name: str,
        size: int,
        type: str,
        uploader_id: str,
        file_id: str | None = None,
    ) -> StoredFile:
        """Record an uploaded file's metadata, under ``file_id`` (the file store's key for its
        bytes) or a new id."""

    def get_file(self, file_id: str) -> StoredFile | None:
        """One file's metadata."""

    def list_files(
        self, ticket_id: str | None, cursor: tuple[datetime, str] | None, limit: int
    ) -> list[StoredFile]:
        """Files newest first (of one ticket, or all), starting after ``cursor`` =
        (created_at, id) of the previous page's last file."""

    def ping(self) -> None:
        """Raise if the database does not answer."""

    def report(self, start: datetime, end: datetime, bucket: str) -> ReportData:
        """The figures of stores/reports.py for the tickets created in [start, end), per
        ``day`` or ``week``, computed by the database."""
