"""Payload schemas shared by both doors: parse once, refuse bad input with a clear message."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .errors import AppError

MAX_METADATA_BYTES = 4096

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
SessionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]


def _small_json(value: dict[str, Any]) -> dict[str, Any]:
    if len(orjson.dumps(value)) > MAX_METADATA_BYTES:
        raise ValueError(f"must be at most {MAX_METADATA_BYTES} bytes as JSON")
    return value


UserIdentifier = Annotated[
    dict[Annotated[str, StringConstraints(max_length=64)],
         Annotated[str, StringConstraints(max_length=256)]],
    Field(max_length=10)]
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


class TicketRef(Payload):
    ticketId: Id


class TicketJoin(TicketRef):
    sinceSeq: int | None = Field(None, ge=0)


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
    seq: int = Field(ge=0)


P = TypeVar("P", bound=Payload)


def parse(schema: type[P], data: Any) -> P:
    """``data`` as ``schema``, or AppError ``invalid`` naming the first bad field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise AppError("invalid", "The payload must be a JSON object.")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "payload"
        message = "is required" if first["type"] == "missing" else first["msg"][0].lower() + first["msg"][1:]
        raise AppError("invalid", f"{field}: {message}.", {"field": field}) from None
