"""Ticket tags (PROTOCOL.md §4 ``ticket:label``): agents replace a ticket's labels."""

from __future__ import annotations

from ..context import Context
from ..stores import Ticket
from .actors import Actor, require_agent
from .tickets import accessible, announce


def normal(label: str) -> str:
    """A tag as stored and filtered: lower case, so "Billing" and "billing" are one tag."""
    return label.lower()


def set_labels(ctx: Context, actor: Actor, ticket_id: str, labels: list[str]) -> Ticket:
    """Replace the ticket's tags (each already checked by schemas.TicketLabel); agents hear
    ``ticket:updated``."""
    require_agent(actor)
    accessible(ctx, actor, ticket_id)
    ticket = ctx.store.set_labels(ticket_id, sorted({normal(label) for label in labels}))
    announce(ctx, ticket)
    return ticket
