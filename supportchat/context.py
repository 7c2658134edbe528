"""The collaborators of the services, built once by ``create_app`` and handed to each service
as its first argument, so a rule can be run with nothing but a store (tests/unit)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from .stores import TicketStore
from .stores.files import FileStore


@dataclass(frozen=True)
class Context:
    """What the services work with; the doors fetch it once per request or event."""

    store: TicketStore
    files: FileStore
    config: Mapping[str, Any]  # the settings of config.py, read-only here
    publish: Any  # realtime.publish: to_ticket, to_guests, to_agents, message_stored, ...
    update_inbox: Callable[[str], None]  # a ticket's inbox row is due (services.inbox)
    section: Callable[[str], dict[str, Any]]  # a run-time settings section (services.settings)
    # Counts one conversation opened from the caller's address (services.ratelimit).
    limit_opening: Callable[[], None] = lambda: None
    # A message was stored on a ticket whose bot is active (services.ai_replies): a customer's
    # is answered, an agent's hands the ticket over. (context, actor, ticket id, seq)
    after_bot_message: Callable[..., None] = lambda *_args: None


def current() -> Context:
    """The context of the running application (for the doors: blueprints and sockets)."""
    return current_app.extensions["supportchat.context"]
