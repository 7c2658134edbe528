"""HTTP helpers: the documented error shape, and signing in through the API."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

import jwt

from .apps import create_account

PASSWORD = "correct horse 1"


def error_of(response, status: int, code: str) -> dict:
    """The response's error object, after checking its status, code and message."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    return error


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying ``token``."""
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class SignedIn:
    """An agent or admin signed in through POST /api/admin/auth/token."""

    id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def token_pair(
    client, email: str = "admin@example.com", role: str = "admin", create: bool = True
) -> dict:
    """Create an account (unless it exists) and return the token pair the API hands out."""
    if create:
        create_account(client.application, email=email, name=email.split("@")[0], role=role)
    response = client.post("/api/admin/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def sign_in(client, role: str = "agent", email: str = "ana@example.com") -> SignedIn:
    """Create an account with ``role`` and sign it in with the test client."""
    token = token_pair(client, email, role)["accessToken"]
    subject = jwt.decode(token, options={"verify_signature": False})["sub"]
    return SignedIn(subject, email, token)


class QuietHandler(BaseHTTPRequestHandler):
    """The request handler of a stand-in server on a loopback port (a webhook receiver, an AI
    provider, a host site), logging nothing so that test output shows only what fails."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's signature
        """Log nothing."""


def block_from_elsewhere(server, token: str, entries: list) -> None:
    """Store the live ``server``'s blocklist as an admin at 127.0.0.2 would: the API refuses an
    entry that covers the caller's own address, and the tests' clients are at 127.0.0.1."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=10, source_address=("127.0.0.2", 0)
    )
    try:
        connection.request(
            "PUT",
            "/api/admin/blocklist",
            body=json.dumps({"entries": entries}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        assert response.status == 200, response.read()
    finally:
        connection.close()
