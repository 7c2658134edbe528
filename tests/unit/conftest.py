"""The unit tier: the services' rules run on a real SQLite store in a temporary file, with no
application, server or migration; what they publish is recorded instead of sent."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import create_engine, event

from supportchat.config import load
from supportchat.context import Context
from supportchat.extensions import db
from supportchat.services import settings
from supportchat.services.actors import agent, guest
from supportchat.stores.files import LocalFileStore
from supportchat.stores.sql import SqlTicketStore

CLIENT_A = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
CLIENT_B = "9c5b94b1-35ad-49bb-b118-8e8fc24abf80"


class Heard:
    """The publisher's side of the transport, recorded: what clients would have received."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, Any]] = []  # (audience, event, payload)
        self.stored: Counter[str] = Counter()  # messages stored, per ticket

    def to_ticket(
        self, event: str, ticket_id: str, payload: Any, *, guests: bool = True, agents: bool = True
    ) -> None:
        self.events.append((f"ticket:{ticket_id}", event, payload))

    def to_guests(self, event: str, ticket_id: str, payload: Any) -> None:
        self.events.append((f"guests:{ticket_id}", event, payload))

    def to_agents(self, event: str, payload: Any) -> None:
        self.events.append(("agents", event, payload))

    def message_stored(self, ticket_id: str) -> None:
        self.stored[ticket_id] += 1

    def ticket_changed(self, ticket_id: str) -> None:
        self.events.append((f"waiters:{ticket_id}", "wake", ticket_id))

    def named(self, event: str) -> list[Any]:
        """The payloads of every ``event`` sent."""
        return [payload for _audience, name, payload in self.events if name == event]


class Sections:
    """Run-time settings as an admin left them: the defaults, with some values changed."""

    def __init__(self) -> None:
        self.changed: dict[str, dict[str, Any]] = {}

    def __call__(self, name: str) -> dict[str, Any]:
        return {**settings.DEFAULTS[name], **self.changed.get(name, {})}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@pytest.fixture
def engine(tmp_path):
    """A SQLite database in a temporary file with the application's schema."""
    engine = create_engine(f"sqlite:///{tmp_path / 'unit.db'}")
    event.listen(engine, "connect", _sqlite_pragmas)
    db.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def make_ctx(engine, tmp_path):
    """``make_ctx(**settings)``: a context on the SQLite store with these settings (as
    environment variables would give them) over a complete test configuration."""

    def make(**overrides: str) -> Context:
        environ = {
            "SECRET_KEY": "unit-secret-key-" + "x" * 32,
            "JWT_SECRET": "unit-jwt-secret-" + "y" * 32,
            "AUTH_REFRESH_SECRET": "unit-refresh-secret-" + "z" * 32,
            "DATABASE_URL": str(engine.url),
            **overrides,
        }
        values, _sources = load(environ, tmp_path / "instance")
        return Context(
            store=SqlTicketStore(engine),
            files=LocalFileStore(tmp_path / "uploads"),
            config=values,
            publish=Heard(),
            update_inbox=lambda _ticket_id: None,
            section=Sections(),
        )

    return make


@pytest.fixture
def ctx(make_ctx) -> Context:
    """A context with the default settings."""
    return make_ctx()


@pytest.fixture
def customer():
    return guest(CLIENT_A)


@pytest.fixture
def other_customer():
    return guest(CLIENT_B)


@pytest.fixture
def ana():
    return agent("agent-ana", "agent", "Ana")
