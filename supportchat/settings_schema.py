"""The admin's settings as ``PUT /api/admin/settings`` takes them (PROTOCOL.md §3.7): a field
left out keeps its value, null restores its default (secrets: clears). Parsed with
``schemas.parse``, whose hints these add to."""

from __future__ import annotations

from typing import Annotated, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, StringConstraints

from .schemas import PATTERN_HINTS, Payload, Text


class BrandingUpdate(Payload):
    title: Text(100) | None = None
    primaryColor: (
        Annotated[str, StringConstraints(pattern=r"^#(?:[0-9a-fA-F]{3}){1,2}$")] | None
    ) = None
    welcomeMessage: Text(500) | None = None
    customCss: Text(20000) | None = None


Clock = Annotated[str, StringConstraints(pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PATTERN_HINTS.update(
    {
        "branding.primaryColor": "must be a hex colour such as #0f766e",
        "ai.baseUrl": "must be an http:// or https:// address",
        "behavior.preChatForm.fields.name": "must start with a letter, then up to 31 letters, digits or _",
        **{
            f"behavior.businessHours.days.{day}": "must be a time of day from 00:00 to 24:00 (HH:MM)"
            for day in get_args(Weekday)
        },
    }
)


def _interval(value: list[str]) -> list[str]:
    if value[0] >= value[1]:
        raise ValueError(f"an interval must end after it starts ({value[0]}–{value[1]})")
    return value


def _apart(intervals: list[list[str]]) -> list[list[str]]:
    ordered = sorted(intervals)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after[0] < before[1]:
            raise ValueError(
                f"intervals must not overlap ({before[0]}–{before[1]} and {after[0]}–{after[1]})"
            )
    return intervals


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone name such as Europe/Berlin") from None
    return name


class BusinessHours(Payload):
    """When the team answers: per weekday, intervals of local time in ``timezone``."""

    timezone: Annotated[Text(64, 1), AfterValidator(_known_zone)]
    days: dict[
        Weekday,
        Annotated[
            list[
                Annotated[list[Clock], Field(min_length=2, max_length=2), AfterValidator(_interval)]
            ],
            Field(max_length=6),
            AfterValidator(_apart),
        ],
    ]


class FormField(Payload):
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$")]
    label: Text(100, 1)
    type: Literal["text", "email", "tel", "textarea"] = "text"
    required: bool = False


def _distinct_names(fields: list[FormField]) -> list[FormField]:
    names = [field.name for field in fields]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"two fields are named {name!r}; each answer needs a name of its own")
    return fields


class PreChatForm(Payload):
    enabled: bool = False
    fields: Annotated[list[FormField], AfterValidator(_distinct_names)] = Field(
        default_factory=list, max_length=10
    )


class Csat(Payload):
    enabled: bool = False


class BehaviorUpdate(Payload):
    autoReply: Text(1000) | None = None
    offlineMessage: Text(1000) | None = None
    businessHours: BusinessHours | None = None
    preChatForm: PreChatForm | None = None
    csat: Csat | None = None


class AiUpdate(Payload):
    enabled: bool | None = None
    provider: Literal["xai", "openai", "openai-compatible"] | None = None
    baseUrl: (
        Annotated[str, StringConstraints(max_length=500, pattern=r"^(https?://\S+)?$")] | None
    ) = None
    model: Text(100) | None = None
    systemPrompt: Text(4000) | None = None
    apiKey: Text(500) | None = None


class SettingsUpdate(Payload):
    branding: BrandingUpdate | None = None
    behavior: BehaviorUpdate | None = None
    ai: AiUpdate | None = None
