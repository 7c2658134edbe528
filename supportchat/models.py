"""Relational models (typed SQLAlchemy 2). The SQL ticket store reads these tables with Core."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .clock import utcnow
from .extensions import db


def new_id() -> str:
    """A fresh opaque id."""
    return uuid.uuid4().hex


class Agent(db.Model):
    """An agent or admin account."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="agent")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    preferences: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the agent's own choices


class Setting(db.Model):
    """One settings section (branding, behavior, ai) as JSON; secrets live in ``secret``."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secret: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AuthToken(db.Model):
    """A refresh token issued, or any token revoked; ``family`` ties rotations together."""

    __tablename__ = "auth_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # access | refresh
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime)


class TwoFactor(db.Model):
    """An agent's TOTP sign-in: the secret sealed by services.secrets_box, recovery codes
    hashed; ``confirmed_at`` is unset while enrolment waits for a first code."""

    __tablename__ = "two_factor"

    agent_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(Text)
    recovery_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)  # no code works twice
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BlockEntry(db.Model):
    """An address or network refused at the door."""

    __tablename__ = "blocklist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(db.Model):
    """Who did what, when, and from where."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# What the reports read of a ticket besides created_at (stores/sql_reports.py).
REPORT_COLUMNS = ("first_response_ms", "resolution_ms", "rating", "bot_only")


class TicketRow(db.Model):
    """A support conversation (SQL ticket store)."""

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the clientId
    session_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    customer: Mapped[dict[str, Any]] = mapped_column(JSON)
    assignee_id: Mapped[str | None] = mapped_column(String(32))
    assignee_name: Mapped[str | None] = mapped_column(String(100))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_public_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[datetime] = mapped_column(DateTime)
    last_message_preview: Mapped[str] = mapped_column(String(200), default="")
    # The seq of the message the preview shows (a customer's or an agent's): what each agent's
    # own read position is compared with for "unread" (bot messages and events never count).
    preview_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    agent_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    guest_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(Integer)
    last_guest_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    bot_active: Mapped[bool] = mapped_column(Boolean, default=False)  # AI replies answer it
    ai_seq: Mapped[int] = mapped_column(Integer, default=0)  # customer seq the bot claimed
    labels: Mapped[list[str] | None] = mapped_column(JSON)  # the tags; ticket_labels finds them
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The oldest customer message no agent has answered yet (None: an agent wrote last).
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime)
    first_reply_at: Mapped[datetime | None] = mapped_column(DateTime)  # first agent answer
    # The reports' figures of the ticket, kept as it changes (stores/reports.py): whole
    # milliseconds from its creation to first_reply_at and to closed_at, and whether the bot
    # alone answered (stores.bot_answer).
    first_response_ms: Mapped[int | None] = mapped_column(BigInteger)
    resolution_ms: Mapped[int | None] = mapped_column(BigInteger)
    bot_only: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_tickets_inbox", "status", "last_message_at", "id"),
        Index("ix_tickets_activity", "last_message_at", "id"),
        Index("ix_tickets_assignee", "assignee_id", "last_message_at", "id"),
        # At most one open ticket per session: two racing first messages open one ticket.
        Index(
            "uq_tickets_open_session",
            "session_id",
            unique=True,
            sqlite_where=db.text("status = 'open'"),
            postgresql_where=db.text("status = 'open'"),
        ),
        Index("ix_tickets_session", "session_id", "created_at"),
        # Reports: the window is a range of this index alone (no table row is read).
        Index("ix_tickets_report", "created_at", *REPORT_COLUMNS),
        Index("ix_tickets_waiting", "status", "waiting_since", "id"),  # "waiting longest"
    )


class MessageRow(db.Model):
    """One message of a ticket, numbered by ``seq`` without gaps."""

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(32), ForeignKey("tickets.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    sender_id: Mapped[str] = mapped_column(String(64))
    sender_role: Mapped[str] = mapped_column(String(10))
    sender_name: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The number guests know it by (PROTOCOL.md §2, v1.1); NULL for a note.
    guest_seq: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("uq_messages_seq", "ticket_id", "seq", unique=True),
        # NULL client_msg_id values never collide, so only keyed sends are deduplicated.
        Index("uq_messages_client_msg", "ticket_id", "sender_id", "client_msg_id", unique=True),
        Index("uq_messages_guest_seq", "ticket_id", "guest_seq", unique=True),
        Index("ix_messages_report", "created_at", "kind"),  # reports: counted from it alone
    )


class FileRow(db.Model):
    """Metadata of an uploaded file; the bytes live in the file store."""

    __tablename__ = "files"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(100))
    uploader_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_files_created", "created_at", "id"),)


class Webhook(db.Model):
    """A subscription: events of these types are POSTed to ``url``, signed with ``secret``
    (sealed by services.secrets_box); ``disabled_reason`` says why delivery stopped."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[str] = mapped_column(Text)  # a JSON list; the outbox matches '"type"' in it
    secret: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OutboxEvent(db.Model):
    """An event to deliver (services.outbox), stored with the change that caused it."""

    __tablename__ = "outbox_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Delivery(db.Model):
    """One event on its way to one target: a webhook's id, or ``mail:team`` /
    ``mail:transcript`` / ``mail:agent``; claimed by a worker with a lease (services.outbox_worker)."""

    __tablename__ = "outbox_deliveries"

    event_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("outbox_events.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    response_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_outbox_deliveries_due", "status", "next_attempt_at"),
        Index("ix_outbox_deliveries_target", "target", "created_at"),
    )


class TicketLabel(db.Model):
    """One tag of a ticket, for the inbox's ``label`` filter (the ticket row keeps the list)."""

    __tablename__ = "ticket_labels"

    ticket_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(32), primary_key=True)

    __table_args__ = (Index("ix_ticket_labels_label", "label", "ticket_id"),)


class AgentRead(db.Model):
    """How far one agent has read one ticket (agents' sequence): unread is per agent. The
    reader is any agent actor, AUTH_BEARER_TOKEN's too, so ``agent_id`` is no foreign key."""

    __tablename__ = "agent_reads"

    agent_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer)


class CannedRow(db.Model):
    """A canned response agents insert by its shortcut."""

    __tablename__ = "canned_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    shortcut: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(db.Model):
    """A personal API token for scripts: only its sha256 is kept; it acts as its owner, with
    its own role (never more than the owner's)."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(10))
    agent_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
