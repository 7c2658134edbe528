"""Response bodies as the services shape them: the API document's source for answers
(supportchat/blueprints/openapi.py); the schemathesis test checks a live server against them.
The admin console's are in admin_responses.py."""

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


class Rating(View):
    score: int
    comment: str | None
    createdAt: Timestamp


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
    waitingSince: Timestamp | None
    botActive: bool
    labels: list[str]
    rating: Rating | None


class ChatPosted(View):
    reply: str
    ticketId: str
    status: Literal["open", "closed"]
    message: MessageView
    replies: list[MessageView]


class Done(View):
    ok: Literal[True]


class ChatMessages(View):
    ticketId: str
    status: Literal["open", "closed"]
    messages: list[MessageView]
    lastSeq: int
    agentTyping: bool
    agentReadSeq: int


class Uploaded(View):
    file: FileView


class SearchMatch(View):
    seq: int | None = Field(description="The newest matching message; null: the customer matched")
    snippet: str


class Conversation(View):
    id: str
    title: str
    participantLabel: str
    lastMessageAt: Timestamp
    lastMessagePreview: str
    unread: bool
    status: Literal["open", "closed"]
    assignee: Assignee | None
    labels: list[str]
    waitingSince: Timestamp | None = Field(
        description="The customer's oldest unanswered message; null once an agent answered."
    )
    match: SearchMatch | None = Field(None, description="With q: why the row matched.")


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


class WidgetBranding(View):
    title: str
    primaryColor: str
    welcomeMessage: str


class UploadLimits(View):
    maxMb: int
    types: list[str]


class ChatConfig(View):
    branding: WidgetBranding
    online: bool
    offlineMessage: str
    preChatForm: PreChatForm
    csat: Csat
    locale: Literal["en", "de", "fr", "es", "pt"]
    upload: UploadLimits


class Health(View):
    status: Literal["ok"]


class Readiness(View):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]


class CannedView(View):
    id: str
    shortcut: str
    title: str
    text: str


class CannedBody(View):
    canned: CannedView


class CannedList(View):
    canned: list[CannedView]


class Preferences(View):
    """An agent's own preferences, every key present."""

    sound: bool  # a tone for a new conversation or a message in my ticket (tab hidden)
    desktop: bool  # a browser notification for the same (once the browser allows them)
    emailWhenOffline: bool  # an email for a message in my ticket while I am offline


class MessageBody(View):
    message: MessageView
