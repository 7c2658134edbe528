"""The ticket store port: plain values in and out, one adapter per database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

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
    last_guest_seq: int = 0  # the guest sequence: messages guests see (PROTOCOL.md §2, v1.1)
    bot_active: bool = False  # AI replies answer this ticket (PROTOCOL.md §3.9)
    ai_seq: int = 0  # the latest customer message's seq an AI answer was claimed for
    labels: tuple[str, ...] = ()  # agent-set tags, sorted
    rating: int | None = None  # the customer's score, 1..5 (PROTOCOL.md §2, v1.1)
    rating_comment: str | None = None
    rated_at: datetime | None = None
    # The oldest customer message no agent has answered yet; None when an agent wrote last.
    waiting_since: datetime | None = None
    first_reply_at: datetime | None = None  # the first public agent message (reports)
    # The seq of the message the preview shows: unread is an agent's own read position below it.
    preview_seq: int = 0
    # Whether the bot alone answered: None until it does, False once a person writes or the
    # ticket is handed over (reports' botResolved, kept by bot_answer as messages arrive).
    bot_only: bool | None = None


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
    guest_seq: int | None = None  # its number in the guest sequence; None for a note


@dataclass(frozen=True)
class NewMessage:
    """What a service asks the store to append; the store assigns ``id``, ``seq`` and
    ``guest_seq``. A customer writes with ``client_key``: the message goes only into a ticket
    of theirs (any other is ``not_found``), and a sender without a ``name`` signs with the
    ticket's customer label, as it is when the message is stored."""

    sender: dict[str, Any]
    text: str
    kind: str = "message"
    client_msg_id: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    client_key: str | None = None


class Appended(NamedTuple):
    """What an append did: the message (stored now, or before under its ``clientMsgId``),
    whether it is new, and whether AI replies answered the ticket when it was stored (False
    for a resend: it asks nothing new)."""

    message: Message
    created: bool
    bot_active: bool = False


def signature(sender: dict[str, Any], label: str) -> str:
    """The sender's name as stored: without one, a customer signs with the ticket's ``label``."""
    return label if sender["name"] is None else sender["name"]


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
    """A page request for the inbox: filters, order, keyset cursor and size."""

    status: str = "open"  # open | closed | all
    assignee: str | None = None  # None: anyone; "none": unassigned; else an agent id
    # "newest": latest activity first; "waiting": only waiting tickets, the longest wait first
    sort: str = "newest"
    # The previous page's last row: (last_message_at, id), or (waiting_since, id) by "waiting"
    cursor: tuple[datetime, str] | None = None
    limit: int = 25
    text: str | None = None  # words every matching ticket has in one message or its customer
    label: str | None = None  # only tickets with this tag


@dataclass(frozen=True)
class SearchMatch:
    """Why a ticket matched a search: its newest matching message (``seq``, ``text``), or,
    when only its customer's label or identifiers matched, ``seq`` None and their text."""

    seq: int | None
    text: str


@dataclass(frozen=True)
class Canned:
    """A canned response (PROTOCOL.md §3.7)."""

    id: str
    shortcut: str
    title: str
    text: str


PREVIEW_CHARS = 140


def from_bot(new: NewMessage) -> bool:
    """Whether the inbox's preview and unread flag pass over this message: bot messages
    (automatic acknowledgements, AI replies) and system event lines (a hand-off, "Assigned
    to Ana") must not hide or mark read what the customer asked. They still count as activity
    (``last_message_at``) and take their seq."""
    return new.sender["role"] in ("bot", "system")


AUTO_REPLY = "auto-reply"  # the client id of the automatic reply (services/messages.py)


def bot_answer(new: NewMessage) -> bool | None:
    """How a message changes a ticket's ``bot_only`` (reports' botResolved, stores/reports.py):
    True when the bot answers (not the automatic reply), False when an agent writes (a note
    too) or anything is handed over (an ``event`` line), None when it changes nothing. Once
    False it stays False; True only replaces None."""
    if new.kind == "event" or new.sender["role"] == "agent":
        return False
    if new.sender["role"] == "bot" and new.kind == "message" and new.client_msg_id != AUTO_REPLY:
        return True
    return None


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


def rated_already() -> AppError:
    """What every adapter raises when a ticket that has a rating is rated again."""
    return AppError("conflict", "This conversation has been rated already; thank you!")


class TicketStore(Protocol):
    """What the services need from a ticket database. Adapters: SQL, MongoDB."""

    def create_ticket(
        self,
        client_key: str,
        session_id: str | None,
        customer: dict[str, Any],
        bot_active: bool = False,
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

    def append_message(self, ticket_id: str, new: NewMessage) -> Appended:
        """Store a message with the next ``seq`` and, unless it is a note, the next
        ``guest_seq``, both taken atomically with the message; an already stored
        ``client_msg_id`` returns the stored message, not created. An agent's new message also
        raises their own read position (``mark_agent_read``) to it. The ticket is not read
        first: the append itself checks ``new.client_key`` and the status. Raises AppError
        ``not_found`` / ``ticket_closed``."""

    def messages_after(
        self, ticket_id: str, seq: int, limit: int, include_notes: bool
    ) -> list[Message]:
        """Messages with ``seq`` greater than ``seq``, oldest first, at most ``limit``. Without
        notes this is the guests' view: ``seq`` is a guest seq (every bound is)."""

    def messages_before(
        self, ticket_id: str, seq: int | None, limit: int, include_notes: bool
    ) -> list[Message]:
        """The ``limit`` newest messages with ``seq`` below ``seq`` (None: the newest), oldest
        first; without notes, ``seq`` is a guest seq."""

    def close_ticket(self, ticket_id: str, closed_by: dict[str, str]) -> Ticket:
        """Mark a ticket closed; closing a closed ticket changes nothing."""

    def assign_ticket(self, ticket_id: str, assignee: dict[str, str] | None) -> Ticket:
        """Set or clear the assignee."""

    def mark_read(self, ticket_id: str, side: str, seq: int) -> Ticket:
        """Raise the last read seq of ``side`` (guest | agent) to ``seq``, never lower it."""

    def mark_agent_read(self, agent_id: str, ticket_id: str, seq: int) -> None:
        """Raise one agent's own read position in a ticket to ``seq``, never lower it."""

    def agent_reads(self, agent_id: str, ticket_ids: list[str]) -> dict[str, int]:
        """One agent's own read positions in these tickets (tickets never read are absent)."""

    def update_customer(self, ticket_id: str, customer: dict[str, Any]) -> Ticket:
        """Replace who the customer is (``setUser`` during a conversation)."""

    def rate_ticket(self, ticket_id: str, score: int, comment: str | None) -> Ticket:
        """Store the customer's rating; a ticket rated already raises AppError ``conflict``."""

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

    def guest_position(self, ticket_id: str, seq: int) -> int:
        """The guest seq of the newest message guests see with ``seq`` at most ``seq`` (0:
        none): how far a reader at ``seq`` has come, in the guest sequence."""

    def agent_position(self, ticket_id: str, guest_seq: int) -> int:
        """The ``seq`` of the message whose guest seq is ``guest_seq`` (0 when there is none)."""

    def set_bot(self, ticket_id: str, active: bool) -> tuple[Ticket, bool]:
        """Turn AI replies on or off; the flag says whether this call changed it (so of two
        racing hand-offs exactly one announces it)."""

    def claim_ai(self, ticket_id: str, seq: int) -> bool:
        """Claim the AI answer to the customer message ``seq``: True for exactly one caller,
        while the ticket is open, the bot active and no later message was claimed."""

    def bot_tickets(self, limit: int) -> list[Ticket]:
        """Open tickets whose bot is active (start-up looks for unanswered messages)."""

    def search_matches(self, ticket_ids: list[str], text: str) -> dict[str, SearchMatch]:
        """For each of these tickets that ``text`` matches (as in ``list_tickets``), why."""

    def set_labels(self, ticket_id: str, labels: list[str]) -> Ticket:
        """Replace the ticket's tags."""

    def list_canned(self) -> list[Canned]:
        """Every canned response, by shortcut."""

    def add_canned(self, shortcut: str, title: str, text: str) -> Canned:
        """Store a canned response; a taken shortcut raises AppError ``conflict``."""

    def update_canned(self, canned_id: str, changes: dict[str, str]) -> Canned:
        """Change some of ``shortcut``, ``title``, ``text``; ``not_found`` / ``conflict``."""

    def delete_canned(self, canned_id: str) -> None:
        """Remove a canned response; ``not_found`` when there is none."""

    def report(self, start: datetime, end: datetime, bucket: str) -> ReportData:
        """The figures of stores/reports.py for the tickets created in [start, end), per
        ``day`` or ``week``, computed by the database."""
