"""The outbox: events stored with the change that caused them, then delivered by
services.outbox_worker to webhooks and by email (PROTOCOL.md §3.9).

The SQL ticket store records a message's or ticket's event in the transaction that stores
the change: the event exists exactly when the change does. Stores without such transactions
(MongoDB) record it right after, under an id derived from what changed, so recording it
again is a no-op. Agents, settings and the outbox always live in SQL.

An event is stored only when someone will receive it: an email it names, or an active webhook
subscribed to its type. Recording reads the active webhooks' subscriptions (one query), then
builds and stores only the wanted events, with their deliveries (a statement each, none when
nobody wants any): with no webhook and email off, a message costs the outbox one small read
per batch.
With email on, a transaction with customer messages also reads their tickets' assignees (one
query), for agents' email.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import Engine, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..models import Agent, Delivery, OutboxEvent, TicketRow, Webhook, new_id
from ..realtime import presence
from ..stores import Message, Ticket
from . import audit, chat_config, settings
from . import preferences as agent_preferences
from .tickets import ticket_view

events_table = OutboxEvent.__table__
deliveries_table = Delivery.__table__
webhooks_table = Webhook.__table__
agents_table, tickets_table = Agent.__table__, TicketRow.__table__

EVENT_TYPES = (
    "ticket.created",
    "message.created",
    "note.created",
    "ticket.assigned",
    "ticket.closed",
    "ticket.rated",
    "auth.refresh",
    "auth.revoke",
    "agent.created",
    "agent.updated",
)
# Audit actions (services.audit) and the webhook events they become.
AUDIT_EVENTS = {
    "auth.refresh": "auth.refresh",
    "auth.revoke": "auth.revoke",
    "agent.create": "agent.created",
    "agent.update": "agent.updated",
}
MAIL_TEAM, MAIL_TRANSCRIPT, MAIL_AGENT = "mail:team", "mail:transcript", "mail:agent"
# The event behind an agent's email ({agentId, message}); no webhook can subscribe to it (not
# in EVENT_TYPES).
AGENT_MAIL = "mail.agent"
_IDS = uuid.UUID("5b0a3c52-4a39-4f43-9a52-2f6a4ad7c0de")


# The statements of every recording, built once (see stores/sql.py on why).
_COLUMNS = (
    "event_id",
    "target",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "updated_at",
)
_INSERT_EVENTS = insert(events_table)
_INSERT_DELIVERIES = insert(deliveries_table)
_SUBSCRIPTIONS = select(webhooks_table.c.id, webhooks_table.c.events).where(webhooks_table.c.active)


_AGENTS = select(agents_table.c.id, agents_table.c.active, agents_table.c.preferences).where(
    agents_table.c.id.in_(bindparam("ids", expanding=True))
)
_ASSIGNEES = (
    select(
        tickets_table.c.id.label("ticket_id"),
        tickets_table.c.waiting_since,
        agents_table.c.id.label("agent_id"),
        agents_table.c.active,
        agents_table.c.preferences,
    )
    .select_from(tickets_table.join(agents_table, agents_table.c.id == tickets_table.c.assignee_id))
    .where(tickets_table.c.id.in_(bindparam("ids", expanding=True)))
)


class _Assignee(NamedTuple):
    ticket_id: str
    waiting_since: datetime | None
    agent_id: str
    active: bool
    preferences: dict[str, Any] | None


def wants_offline_mail(active: bool, preferences: dict[str, Any] | None) -> bool:
    """Whether an agent gets email about their tickets while offline: active, and opted in."""
    return bool(active and agent_preferences.merged(preferences)["emailWhenOffline"] is True)


def _subscribers(hooks: list[Any], type: str) -> list[str]:
    """The ids of the webhooks in ``hooks`` whose events list names ``type``."""
    return [hook for hook, listed in hooks if f'"{type}"' in listed]


@dataclass(frozen=True)
class Event:
    """One event to store: ``targets`` are deliveries besides the subscribed webhooks."""

    id: str
    type: str
    created_at: datetime
    data: dict[str, Any]
    targets: tuple[str, ...] = ()


def event_id(type: str, subject: str | None = None) -> str:
    """The id of the event ``type`` about ``subject`` (the same every time), or a new one."""
    return uuid.uuid5(_IDS, f"{type}:{subject}").hex if subject else new_id()


class Outbox:
    """Records events for one application; the stores call it (``store.outbox``)."""

    def __init__(
        self,
        engine: Engine,
        config: dict[str, Any],
        message_view: Callable[[Message], dict[str, Any]],
        tickets: Callable[[list[str]], list[Ticket]],
    ):
        self.engine, self.config, self.message_view = engine, config, message_view
        self.tickets = tickets  # the ticket store's reader, for stores without ``conn``

    def messages(self, conn, stored: list[Message]) -> None:
        """``message.created`` (``note.created`` for notes) for newly stored messages, with
        the emails they call for. An event nobody receives is not even built (its view, its
        uuid5 id): with no webhook subscribed, that is every message's."""
        hooks = self._subscriptions(conn)
        agents = self._agents_to_mail(conn, stored)
        events = []
        for message in stored:
            type = "note.created" if message.kind == "note" else "message.created"
            targets = (MAIL_TEAM,) if self._new_while_offline(message) else ()
            if not (targets or _subscribers(hooks, type) or message.id in agents):
                continue
            data = self.message_view(message)
            events.append(
                Event(event_id(type, message.id), type, message.created_at, data, targets)
            )
            if message.id in agents:  # an event of its own: it names whom to tell
                mail_data = {"agentId": agents[message.id], "message": data}
                events.append(
                    Event(
                        event_id(AGENT_MAIL, message.id),
                        AGENT_MAIL,
                        message.created_at,
                        mail_data,
                        (MAIL_AGENT,),
                    )
                )
        self.record(conn, events, hooks)

    def ticket(self, conn, type: str, ticket: Ticket) -> None:
        """A ticket event: created, assigned, closed (with a transcript email) or rated."""
        subject = None if type == "ticket.assigned" else ticket.id
        targets = (MAIL_TRANSCRIPT,) if type == "ticket.closed" and self._transcript(ticket) else ()
        data = ticket_view(ticket, for_agent=True)
        self.record(conn, [Event(event_id(type, subject), type, utcnow(), data, targets)])

    def record(self, conn, events: list[Event], hooks: list[Any] | None = None) -> None:
        """Store events and their deliveries in ``conn``'s transaction; with ``conn`` None, each
        in a transaction of its own, where an event stored before is left as it was.
        ``hooks``: the subscriptions, if the caller has just read them."""
        if not events:
            return
        if hooks is None:
            hooks = self._subscriptions(conn)
        if conn is not None:
            self._insert(conn, events, hooks)
            return
        for event in events:
            try:
                with self.engine.begin() as own:
                    self._insert(own, [event], hooks)
            except IntegrityError:
                continue  # recorded before: its deliveries exist too

    def _subscriptions(self, conn) -> list[Any]:
        """The active webhooks and the event types each receives: rows of (id, events), read
        in ``conn``'s transaction or, without one, on a connection of its own."""
        if conn is not None:
            return conn.execute(_SUBSCRIPTIONS).all()
        with self.engine.connect() as own:
            return own.execute(_SUBSCRIPTIONS).all()

    def _insert(self, conn, events: list[Event], hooks: list[Any]) -> None:
        """The events someone will receive, each with a pending delivery for its own targets
        and for every webhook in ``hooks`` that receives its type."""
        now = utcnow()
        deliveries = [
            dict(zip(_COLUMNS, (event.id, target, "pending", 0, now, now, now), strict=True))
            for event in events
            for target in (*event.targets, *_subscribers(hooks, event.type))
        ]
        if not deliveries:
            return
        wanted = {delivery["event_id"] for delivery in deliveries}
        conn.execute(
            _INSERT_EVENTS,
            [
                {"id": e.id, "type": e.type, "created_at": e.created_at, "data": e.data}
                for e in events
                if e.id in wanted
            ],
        )
        conn.execute(_INSERT_DELIVERIES, deliveries)

    def _mail_on(self) -> bool:
        return bool(self.config.get("SMTP_URL") and self.config.get("MAIL_FROM"))

    def _new_while_offline(self, message: Message) -> bool:
        """A customer's first message while the chat is offline (the rule of
        ``/api/chat/config``: the widget showed its offline form), with a team to tell."""
        if message.seq != 1 or message.sender["role"] != "guest" or not self._mail_on():
            return False
        if not self.config.get("TEAM_EMAIL"):
            return False
        return not chat_config.online(settings.section("behavior"))

    def _agents_to_mail(self, conn, stored: list[Message]) -> dict[str, str]:
        """Message id → agent id, for customer messages that start a wait (the ticket's
        ``waiting_since`` is the message's own time: nobody was waiting on an answer yet) in
        a ticket assigned to an active agent who asked for email (wants_offline_mail) and
        has no dashboard open (realtime.presence). Later messages of the same wait add no
        email, so a burst of messages sends one."""
        firsts: dict[str, Message] = {}
        for message in stored:  # in seq order: a ticket's first of the batch is its oldest
            if message.sender["role"] == "guest" and message.kind == "message":
                firsts.setdefault(message.ticket_id, message)
        if not firsts or not self._mail_on():
            return {}
        here = presence.current()
        return {
            firsts[row.ticket_id].id: row.agent_id
            for row in self._assignees(conn, list(firsts))
            if row.waiting_since == firsts[row.ticket_id].created_at
            and wants_offline_mail(row.active, row.preferences)
            and not here.online(row.agent_id)
        }

    def _assignees(self, conn, ticket_ids: list[str]) -> list[Any]:
        """The assigned tickets among ``ticket_ids`` as just written, with their assignees:
        rows of (ticket_id, waiting_since, agent_id, active, preferences). One query in
        ``conn``'s transaction; without it, the ticket store's tickets and the agents."""
        if conn is not None:
            return conn.execute(_ASSIGNEES, {"ids": ticket_ids}).all()
        waits = {
            ticket.assignee["id"]: (ticket.id, ticket.waiting_since)
            for ticket in self.tickets(ticket_ids)
            if ticket.assignee
        }
        if not waits:
            return []
        with self.engine.connect() as own:
            agents = own.execute(_AGENTS, {"ids": list(waits)}).all()
        return [
            _Assignee(*waits[agent.id], agent.id, agent.active, agent.preferences)
            for agent in agents
        ]

    def _transcript(self, ticket: Ticket) -> bool:
        email = (ticket.customer.get("userIdentifier") or {}).get("email")
        return bool(self.config.get("MAIL_TRANSCRIPTS") and self._mail_on() and email)


def emit(type: str, data: dict[str, Any], subject: str | None = None) -> None:
    """Record an event of the running application outside a store's transaction, e.g.
    ``emit("ticket.rated", ticket_view(ticket, True), f"{ticket.id}")`` where a rating lands."""
    outbox = current_app.extensions.get("supportchat.outbox")
    if outbox is not None:
        outbox.record(None, [Event(event_id(type, subject), type, utcnow(), data)])


def _from_audit(event: dict[str, Any]) -> None:
    emit(AUDIT_EVENTS[event["action"]], event, f"audit-{event['id']}")


for _action in AUDIT_EVENTS:
    audit.on(_action, _from_audit)
