"""Response bodies as the services shape them: the API document's source for answers
(supportchat/blueprints/openapi.py); the schemathesis test checks a live server against them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import STATUS_BY_CODE


class View(BaseModel):
    """A response body; documented in serialization mode (every field always present)."""

    model_config = ConfigDict(json_schema_mode="serialization")


Timestamp = Annotated[str, Field(examples=["2026-11-22T10:00:00.123Z"])]


class ErrorDetail(View):
    code: Literal[tuple(STATUS_BY_CODE)]  # type: ignore[valid-type]
    message: str
    details: dict[str, Any] = Field(default_factory=dict)  # left out when empty


class ErrorBody(View):
    """Every failure, on every route: one ``error`` object."""

    error: ErrorDetail


class Person(View):
    id: str
    role: Literal["guest", "agent", "bot", "system"]
    name: str


class Assignee(View):
    id: str
    name: str


class FileView(View):
    id: str
    name: str
    size: int
    type: str
    url: str


class FileRow(FileView):
    ticketId: str
    uploaderId: str
    createdAt: Timestamp


class MessageView(View):
    id: str
    ticketId: str
    seq: int
    clientMsgId: str | None
    sender: Person
    text: str
    attachments: list[FileView]
    kind: Literal["message", "note", "event"]
    createdAt: Timestamp


class Customer(View):
    label: str
    verified: bool
    userIdentifier: dict[str, str] = Field(default_factory=dict)  # agents only
    metadata: dict[str, Any] = Field(default_factory=dict)  # agents only


class TicketView(View):
    id: str
    status: Literal["open", "closed"]
    sessionId: str | None
    createdAt: Timestamp
    updatedAt: Timestamp
    closedAt: Timestamp | None
    closedBy: Person | None
    customer: Customer
    assignee: Assignee | None
    lastSeq: int
    lastMessageAt: Timestamp
    lastMessagePreview: str
    unread: bool
    rating: int | None
    botActive: bool


class ChatPosted(View):
    reply: str
    ticketId: str
    status: Literal["open", "closed"]
    message: MessageView
    replies: list[MessageView]


class ChatMessages(View):
    ticketId: str
    status: Literal["open", "closed"]
    messages: list[MessageView]
    lastSeq: int


class Uploaded(View):
    file: FileView


class Conversation(View):
    id: str
    title: str
    participantLabel: str
    lastMessageAt: Timestamp
    lastMessagePreview: str
    unread: bool
    status: Literal["open", "closed"]
    assignee: Assignee | None


class InboxPage(View):
    conversations: list[Conversation]
    nextCursor: str | None


class HistoryPage(View):
    messages: list[MessageView]
    hasMore: bool


class SessionsPage(View):
    sessions: list[TicketView]
    nextCursor: str | None


class FilesPage(View):
    files: list[FileRow]
    nextCursor: str | None


class Tokens(View):
    accessToken: str
    refreshToken: str
    expiresIn: int


class Revoked(View):
    revoked: Literal[True]


class Branding(View):
    title: str
    primaryColor: str
    welcomeMessage: str
    customCss: str


class BusinessHours(View):
    timezone: str
    days: dict[str, list[list[str]]]


class FormField(View):
    name: str
    label: str
    type: Literal["text", "email", "tel", "textarea"]
    required: bool


class PreChatForm(View):
    enabled: bool
    fields: list[FormField]


class Csat(View):
    enabled: bool


class Behavior(View):
    autoReply: str
    offlineMessage: str
    businessHours: BusinessHours | None
    preChatForm: PreChatForm
    csat: Csat


class Ai(View):
    enabled: bool
    provider: str
    baseUrl: str
    model: str
    systemPrompt: str
    apiKeySet: bool


class AiTest(View):
    ok: bool
    model: str
    latencyMs: int
    error: str | None


class Settings(View):
    branding: Branding
    behavior: Behavior
    ai: Ai


class Account(View):
    id: str
    email: str
    name: str
    role: Literal["agent", "admin"]
    active: bool
    createdAt: Timestamp


class AccountBody(View):
    agent: Account


class AccountList(View):
    agents: list[Account]


class BlockEntry(View):
    network: str
    note: str | None
    createdAt: Timestamp


class Blocklist(View):
    entries: list[BlockEntry]
    environment: list[str]


class SchemaRevision(View):
    status: Literal["ok"]
    revision: str | None


class Health(View):
    status: Literal["ok"]


class Readiness(View):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]
