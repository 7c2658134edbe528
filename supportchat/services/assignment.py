"""Assignment as agents see it (issue #13 item 8): admins give a ticket to any active agent,
agents take or release it (services.tickets.assign), and an open ticket's history records
each change as an event line."""

from __future__ import annotations

from ..context import Context
from ..stores import Ticket
from . import messages, tickets
from .actors import Actor


def assign(ctx: Context, actor: Actor, ticket_id: str, agent_id: str | None) -> Ticket:
    """Assign (``agent_id``) or release (None) a ticket; a change writes "Assigned to Ana by
    Bo", "Ana took this conversation" or "Unassigned by Bo" into an open ticket."""
    before = tickets.accessible(ctx, actor, ticket_id)
    ticket = tickets.assign(ctx, actor, ticket_id, agent_id)
    if _who(before) != _who(ticket) and ticket.status == "open":
        messages.write_event(ctx, ticket.id, line(actor.name, actor.id, ticket.assignee))
    return ticket


def line(by_name: str, by_id: str, assignee: dict[str, str] | None) -> str:
    """The event text for an assignment made by ``by_name`` (id ``by_id``)."""
    if assignee is None:
        return f"Unassigned by {by_name}"
    if assignee["id"] == by_id:
        return f"{by_name} took this conversation"
    return f"Assigned to {assignee['name']} by {by_name}"


def _who(ticket: Ticket) -> str | None:
    return ticket.assignee["id"] if ticket.assignee else None
