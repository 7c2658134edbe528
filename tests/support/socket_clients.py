"""Helpers for Socket.IO tests: sign agents in over HTTP, connect real python-socketio
clients to a live server, and wait for what they receive with deadlines."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
import requests
import socketio

from .apps import LiveServer, make_app

WAIT = 15.0  # seconds: generous, since several helpers share two cores
ADMIN = {"email": "admin@example.com", "password": "admin-password-1"}  # live_server_factory's
PASSWORD = "correct horse 1"


class Inbox:
    """Everything one client received, in order, with deadline-based waits."""

    def __init__(self) -> None:
        self._events: list[tuple[str, Any]] = []
        self._changed = threading.Condition()

    def add(self, event: str, payload: Any = None) -> None:
        with self._changed:
            self._events.append((event, payload))
            self._changed.notify_all()

    def all(self, event: str) -> list[Any]:
        """Payloads of ``event`` received so far, oldest first."""
        with self._changed:
            return [payload for name, payload in self._events if name == event]

    def wait_for(
        self, event: str, match: Callable[[Any], bool] = lambda _: True, timeout: float = WAIT
    ) -> Any:
        """The first payload of ``event`` that ``match``es, waiting up to ``timeout`` seconds."""

        def first() -> list[Any] | None:
            found = [payload for payload in self.all(event) if match(payload)]
            return found[:1] or None

        return self._wait(first, timeout, f"no matching {event!r}")[0]

    def wait_count(self, event: str, count: int, timeout: float = WAIT) -> list[Any]:
        """Wait until ``event`` has been received ``count`` times; all its payloads."""
        return self._wait(
            lambda: (found := self.all(event))[count - 1 :] and found,
            timeout,
            f"{event!r} not received {count} times",
        )

    def _wait(self, result: Callable[[], Any], timeout: float, failure: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:  # a reentrant lock: ``result`` may call ``all``
            while not (found := result()):
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [name for name, _ in self._events]
                    raise AssertionError(f"{failure} within {timeout}s; received {seen}")
                self._changed.wait(left)
            return found


class Peer:
    """One python-socketio client on one namespace."""

    def __init__(self, client: socketio.Client, namespace: str, inbox: Inbox):
        self.client = client
        self.namespace = namespace
        self.inbox = inbox
        self.user: dict[str, str] = {}  # agents: id, role and name from their token

    def call(self, event: str, data: Any = None, timeout: float = WAIT) -> dict[str, Any]:
        """Emit and return the acknowledgement."""
        return self.client.call(event, data, namespace=self.namespace, timeout=timeout)

    def ok(self, event: str, data: Any = None) -> dict[str, Any]:
        """Emit, insist on ``ok: true`` and return the acknowledgement."""
        ack = self.call(event, data)
        assert ack.get("ok") is True, ack
        return ack

    def error(self, event: str, data: Any = None) -> dict[str, Any]:
        """Emit, insist on ``ok: false`` and return the error object."""
        ack = self.call(event, data)
        assert ack.get("ok") is False, ack
        return ack["error"]

    def call_text(self, event: str, payload_json: str, timeout: float = WAIT) -> dict[str, Any]:
        """Emit a payload written as JSON text, for what browsers can send but Python's
        encoders refuse (an unpaired surrogate escape, NaN); return the ack."""
        acks: list[Any] = []
        done = threading.Event()

        def acknowledged(*args: Any) -> None:
            acks.extend(args)
            done.set()

        ack_id = self.client._generate_ack_id(self.namespace, acknowledged)
        # A Socket.IO EVENT packet with an ack id (the Engine.IO layer adds its own prefix).
        self.client.eio.send(f"2{self.namespace},{ack_id}[{json.dumps(event)},{payload_json}]")
        assert done.wait(timeout), f"no ack for {event!r} within {timeout}s"
        return acks[0]

    def send(self, ticket_id: str, text: str, **extra) -> dict[str, Any]:
        """Send a chat message and return the stored message from the ack."""
        return self.ok("chat:message", {"ticketId": ticket_id, "text": text, **extra})["message"]

    def wait_for(
        self, event: str, match: Callable[[Any], bool] = lambda _: True, timeout: float = WAIT
    ) -> Any:
        return self.inbox.wait_for(event, match, timeout)

    def received(self, event: str) -> list[Any]:
        return self.inbox.all(event)

    @property
    def connected(self) -> bool:
        return self.namespace in self.client.namespaces

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


class Refused(Exception):
    """A connection the server refused; ``error`` is the error object it sent, if any."""

    def __init__(self, error: dict[str, Any] | None):
        super().__init__(error)
        self.error = error


def open_peer(
    url: str,
    namespace: str,
    *,
    auth: dict | None = None,
    headers: dict[str, str] | None = None,
    transports: tuple[str, ...] = ("websocket",),
    reconnection: bool = False,
) -> Peer:
    """Connect one client; raise ``Refused`` with the server's error object when refused."""
    headers = dict(headers or {})
    websocket_options = {}
    if "Origin" in headers and transports == ("websocket",):
        # websocket-client adds an Origin of its own unless told which one to send.
        websocket_options["origin"] = headers.pop("Origin")
    client = socketio.Client(
        reconnection=reconnection,
        reconnection_delay=0.2,
        reconnection_delay_max=1,
        websocket_extra_options=websocket_options,
    )
    inbox = Inbox()
    client.on(
        "*", lambda event, *args: inbox.add(event, args[0] if args else None), namespace=namespace
    )
    client.on("connect", lambda: inbox.add("connect"), namespace=namespace)
    client.on("disconnect", lambda *reason: inbox.add("disconnect", reason), namespace=namespace)
    client.on(
        "connect_error", lambda data=None: inbox.add("connect_error", data), namespace=namespace
    )
    try:
        client.connect(
            url,
            namespaces=[namespace],
            transports=list(transports),
            auth=auth,
            headers=headers,
            wait_timeout=WAIT,
        )
    except socketio.exceptions.ConnectionError:
        errors = inbox.all("connect_error")
        client.disconnect()
        raise Refused(
            errors[0].get("data") if errors and isinstance(errors[0], dict) else None
        ) from None
    return Peer(client, namespace, inbox)


def refusal(url: str, namespace: str, **options) -> dict[str, Any] | None:
    """The error object of a connection that must be refused."""
    with pytest.raises(Refused) as refused:
        peer = open_peer(url, namespace, **options)
        peer.close()
    return refused.value.error


class Peers:
    """Opens clients for a test and closes them all at its end."""

    def __init__(self) -> None:
        self._open: list[Peer] = []

    def guest(self, server: LiveServer, client_id: str | None = None, **options) -> Peer:
        """A customer; a fresh clientId unless one is given (``client_id=""`` sends none)."""
        client_id = str(uuid.uuid4()) if client_id is None else client_id
        auth = {"clientId": client_id} if client_id else None
        return self._keep(open_peer(server.url, "/guest", auth=auth, **options))

    def agent(
        self,
        server: LiveServer,
        session: requests.Session | None = None,
        token: str | None = None,
        **options,
    ) -> Peer:
        """An agent with the signed-in ``session``'s cookie, or ``token`` as ``auth.token``."""
        if token is not None:
            options["auth"] = {"token": token}
        else:
            token = (session or sign_in(server)).cookies["token"]
            options["headers"] = {"Cookie": f"token={token}", **options.get("headers", {})}
        peer = self._keep(open_peer(server.url, "/agent", **options))
        claims = jwt.decode(token, options={"verify_signature": False})
        peer.user = {"id": claims["sub"], "role": claims["role"], "name": claims["name"]}
        return peer

    def _keep(self, peer: Peer) -> Peer:
        self._open.append(peer)
        return peer

    def close_all(self) -> None:
        for peer in self._open:
            peer.close()


@pytest.fixture
def peers():
    """Socket.IO clients for one test, all disconnected at its end."""
    opened = Peers()
    yield opened
    opened.close_all()


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


def sign_in(
    server: LiveServer, email: str = ADMIN["email"], password: str = ADMIN["password"]
) -> requests.Session:
    """Sign in through the login form (its CSRF token scraped); the session keeps the cookies."""
    session = requests.Session()
    token = _form_token(session.get(server.url + "/agent/login", timeout=WAIT).text)
    response = session.post(
        server.url + "/agent/login",
        timeout=WAIT,
        allow_redirects=False,
        data={"email": email, "password": password, "csrf_token": token},
    )
    assert response.status_code == 303, response.text
    return session


def api_token(
    server: LiveServer, email: str = ADMIN["email"], password: str = ADMIN["password"]
) -> str:
    """An access token from POST /api/admin/auth/token (the first admin's, by default)."""
    response = requests.post(
        server.url + "/api/admin/auth/token",
        timeout=WAIT,
        json={"email": email, "password": password},
    )
    assert response.status_code == 200, response.text
    return response.json()["accessToken"]


def sign_out(server: LiveServer, session: requests.Session) -> None:
    """Sign out through the dashboard's logout form."""
    token = _form_token(session.get(server.url + "/agent/dashboard", timeout=WAIT).text)
    response = session.post(
        server.url + "/agent/logout",
        data={"csrf_token": token},
        timeout=WAIT,
        allow_redirects=False,
    )
    assert response.status_code == 303, response.text


class ServerApp:
    """An application on a live server's database and secrets: accounts and tokens for tests."""

    def __init__(self, server: LiveServer):
        self.app = make_app(server.env)

    def add_agent(self, email: str, name: str, role: str = "agent") -> dict[str, str]:
        """Create an account; its id, name, email, password and role."""
        from supportchat.services import agents

        with self.app.app_context():
            agent = agents.create_agent(email, name, PASSWORD, role)
            return {
                "id": agent.id,
                "name": agent.name,
                "email": agent.email,
                "password": PASSWORD,
                "role": agent.role,
            }

    def token(self, agent: dict[str, str], expires: timedelta) -> str:
        """An access token for ``agent`` that expires after ``expires`` (negative: already)."""
        from flask_jwt_extended import create_access_token

        with self.app.app_context():
            return create_access_token(
                identity=agent["id"],
                expires_delta=expires,
                additional_claims={"role": agent["role"], "name": agent["name"]},
            )

    def close(self) -> None:
        from supportchat.extensions import db

        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture
def server_app():
    """``server_app(server)``: a ServerApp on that server's database, closed at the end."""
    made: list[ServerApp] = []

    def make(server: LiveServer) -> ServerApp:
        made.append(ServerApp(server))
        return made[-1]

    yield make
    for item in made:
        item.close()


def new_ticket(guest: Peer, text: str = "Hello, I need help", **extra) -> dict[str, Any]:
    """Open a ticket with a first message; the ack (``ticket`` and ``message``)."""
    return guest.ok("ticket:create", {"text": text, **extra})
