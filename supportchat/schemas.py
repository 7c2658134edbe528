"""Payload schemas shared by both doors: parse once, refuse bad input with a clear message."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from .errors import AppError

MAX_METADATA_BYTES = 4096
# JavaScript's largest safe integer: every client can hold it, every database can store it.
MAX_SEQ = 2**53 - 1

# Ids are opaque, but control characters never belong in one (PostgreSQL refuses NUL).
Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
SessionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
Seq = Annotated[int, Field(ge=0, le=MAX_SEQ)]
PATTERN_HINTS = {
    "sessionId": "must be 1 to 128 letters, digits, '_' or '-'",
    "labels": "must be 1 to 32 letters, digits, '_' or '-'",
    "label": "must be 1 to 32 letters, digits, '_' or '-'",
    "shortcut": "must be 1 to 32 lower-case letters, digits or '-'",
    "action": "must be an action name such as agent.update, or its start such as agent",
}
Label = Annotated[str, StringConstraints(pattern=r"^[\w-]{1,32}$")]
SearchText = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _small_json(value: dict[str, Any]) -> dict[str, Any]:
    encoded = orjson.dumps(value)
    if len(encoded) > MAX_METADATA_BYTES:
        raise ValueError(f"must be at most {MAX_METADATA_BYTES} bytes as JSON")
    return orjson.loads(encoded)  # NaN and Infinity become null, as in JSON proper


UserIdentifier = Annotated[
    dict[
        Annotated[str, StringConstraints(max_length=64)],
        Annotated[str, StringConstraints(max_length=256)],
    ],
    Field(max_length=10),
]
Metadata = Annotated[dict[str, Any], AfterValidator(_small_json)]


class Payload(BaseModel):
    """Strict types; unknown fields (``role``, ``sender``, ``userId``…) are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class TicketCreate(Payload):
    text: str | None = None
    sessionId: SessionId | None = None
    userIdentifier: UserIdentifier | None = None
    identifierHash: Annotated[str, StringConstraints(max_length=128)] | None = None
    metadata: Metadata | None = None
    clientMsgId: Id | None = None


class TicketList(Payload):
    status: Literal["open", "closed", "all"] = "open"
    assigned: Literal["me", "none", "any"] = "any"
    cursor: Annotated[str, StringConstraints(max_length=512)] | None = None
    limit: int = Field(25, ge=1, le=100)
    q: SearchText | None = None
    label: Label | None = None
    sort: Literal["newest", "waiting"] = "newest"


class TicketRef(Payload):
    ticketId: Id


class TicketJoin(TicketRef):
    sinceSeq: Seq | None = None


class ChatMessage(TicketRef):
    text: str = ""
    clientMsgId: Id | None = None
    attachments: list[Id] = Field(default_factory=list, max_length=10)
    kind: Literal["message", "note"] = "message"


class TicketAssign(TicketRef):
    agentId: Id | None


class Typing(TicketRef):
    typing: bool


class Read(TicketRef):
    seq: Seq


class TicketBot(TicketRef):
    active: bool


class TicketLabel(TicketRef):
    labels: list[Label] = Field(max_length=20)


class TicketRate(TicketRef):
    score: int = Field(ge=1, le=5)
    comment: Annotated[str, StringConstraints(max_length=1000)] | None = None


# HTTP API (PROTOCOL.md §3.4–3.7)


def Text(limit: int, min_length: int = 0):  # noqa: N802 - a type factory, used like a type
    """A string of at most ``limit`` characters."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=limit)]


class Query(Payload):
    """Query-string parameters: digits are accepted where a number is expected."""

    model_config = ConfigDict(extra="ignore", strict=False, frozen=True)


class ChatPost(Payload):
    clientId: str | None = None
    sessionId: SessionId
    message: str
    metadata: Metadata | None = None
    userIdentifier: UserIdentifier | None = None
    identifierHash: Text(128) | None = None
    clientMsgId: Id | None = None
    attachments: list[Id] = Field(default_factory=list, max_length=10)


class ChatPoll(Query):
    sessionId: SessionId
    since: Seq = 0
    wait: int = Field(0, ge=0, le=30)


class ChatTyping(Payload):
    clientId: str | None = None
    sessionId: SessionId
    typing: bool


class ChatRead(Payload):
    clientId: str | None = None
    sessionId: SessionId
    seq: Seq


class InboxQuery(Query):
    cursor: Text(512) | None = None
    limit: int = Field(25, ge=1, le=100)
    status: Literal["open", "closed", "all"] = "open"
    assigned: Literal["me", "none", "any"] = "any"
    q: SearchText | None = None
    label: Label | None = None
    sort: Literal["newest", "waiting"] = "newest"


class HistoryQuery(Query):
    conversationId: Id
    before: Seq | None = None
    limit: int = Field(50, ge=1, le=200)


class SessionsQuery(Query):
    cursor: Text(512) | None = None
    limit: int = Field(25, ge=1, le=100)
    status: Literal["open", "closed", "all"] = "all"


class FilesQuery(Query):
    cursor: Text(512) | None = None
    limit: int = Field(25, ge=1, le=100)
    ticketId: Id | None = None


class TokenRequest(Payload):
    email: Text(254, 1)
    password: Text(1024, 1)
    totp: Text(32) | None = None  # with two-factor sign-in: a current or recovery code


class AgentCreate(Payload):
    email: Text(254, 1)
    name: Text(100, 1)
    password: Text(1024, 1)
    role: Literal["agent", "admin"] = "agent"


class AgentUpdate(Payload):
    name: Text(100, 1) | None = None
    role: Literal["agent", "admin"] | None = None
    active: bool | None = None
    password: Text(1024, 1) | None = None


class BlockItem(Payload):
    network: Text(64, 1)
    note: Text(200) | None = None


class BlocklistUpdate(Payload):
    entries: list[Text(64, 1) | BlockItem] = Field(max_length=1000)


Shortcut = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,32}$")]


class CannedCreate(Payload):
    shortcut: Shortcut
    title: Text(100, 1)
    text: Text(4000, 1)


class CannedUpdate(Payload):
    shortcut: Shortcut | None = None
    title: Text(100, 1) | None = None
    text: Text(4000, 1) | None = None


class AdminMessage(Payload):
    conversationId: Id
    text: str
    kind: Literal["message", "note"] = "message"


class ApiTokenCreate(Payload):
    name: Text(100, 1)
    role: Literal["agent", "admin"] = "agent"
    expiresInDays: int = Field(90, ge=1, le=3650)


class PreferencesUpdate(Payload):
    """An agent's own preferences: a key left out keeps its value, null restores its default;
    any other key is refused, so that a misspelt one never looks saved."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    sound: bool | None = None
    desktop: bool | None = None
    emailWhenOffline: bool | None = None


class AuditQuery(Query):
    cursor: int | None = Field(None, ge=1, le=MAX_SEQ)
    action: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.-]{1,64}$")] | None = None
    limit: int = Field(50, ge=1, le=200)


class ReportQuery(Query):
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")
    bucket: Literal["day", "week"] = "day"
    format: Literal["json", "csv"] = "json"


P = TypeVar("P", bound=Payload)


def parse(schema: type[P], data: Any) -> P:
    """``data`` as ``schema``, or AppError ``invalid`` naming the first bad field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise AppError("invalid", "The payload must be a JSON object.")
    try:
        orjson.dumps(data)  # what no store can keep: broken characters, huge numbers, deep nesting
    except orjson.JSONEncodeError as exc:
        raise AppError(
            "invalid",
            "The payload must be plain JSON text: no unpaired surrogate "
            "characters, integers within 64 bits, at most 254 levels of nesting.",
            {"reason": str(exc)},
        ) from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "payload"
        if first["type"] == "missing":
            message = "is required"
        elif first["type"] == "string_pattern_mismatch":
            general = ".".join(str(part) for part in first["loc"] if not isinstance(part, int))
            message = PATTERN_HINTS.get(general, "must not contain control characters")
        elif first["type"] == "value_error" and "error" in first.get("ctx", {}):
            message = str(first["ctx"]["error"])  # one of our validators' own sentence
        elif first["type"] == "extra_forbidden":
            message = "is not a field of this request" + (
                f"; send only {', '.join(schema.model_fields)}" if len(first["loc"]) == 1 else ""
            )
        else:
            message = first["msg"][0].lower() + first["msg"][1:]
        raise AppError("invalid", f"{field}: {message}.", {"field": field}) from None
