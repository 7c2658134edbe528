"""Response bodies of the admin console's API (settings, accounts, the blocklist, API tokens,
the audit trail, reports); the rest, and what both share, are in responses.py."""

from __future__ import annotations

from typing import Any, Literal

from .responses import Csat, PreChatForm, Timestamp, View


class Branding(View):
    title: str
    primaryColor: str
    welcomeMessage: str
    customCss: str


class BusinessHours(View):
    timezone: str
    days: dict[str, list[list[str]]]


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


class ListedAccount(Account):
    lastSeenAt: Timestamp | None  # the latest sign-in or session renewal
    signedIn: bool


class AccountList(View):
    agents: list[ListedAccount]


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


class ApiToken(View):
    id: str
    name: str
    role: Literal["agent", "admin"]
    prefix: str
    createdAt: Timestamp
    lastUsedAt: Timestamp | None
    expiresAt: Timestamp


class ApiTokenCreated(ApiToken):
    token: str  # shown this once; only its hash is stored


class ApiTokenBody(View):
    token: ApiTokenCreated


class ApiTokenList(View):
    tokens: list[ApiToken]


class AuditEvent(View):
    id: int
    at: Timestamp
    actor: str
    action: str
    target: str | None
    address: str | None
    details: dict[str, Any] | None


class AuditPage(View):
    events: list[AuditEvent]
    nextCursor: str | None


class Percentiles(View):
    p50: float | None
    p90: float | None


class CsatFigures(View):
    count: int
    average: float | None
    distribution: dict[Literal["1", "2", "3", "4", "5"], int]


class ReportTotals(View):
    conversations: int
    messages: int
    firstResponseSeconds: Percentiles
    resolutionSeconds: Percentiles
    csat: CsatFigures
    botResolved: int


class ReportBucket(View):
    start: str
    conversations: int
    messages: int
    firstResponseP50: float | None
    csatAverage: float | None


class Report(View):
    start: str
    end: str
    bucket: Literal["day", "week"]
    totals: ReportTotals
    series: list[ReportBucket]
