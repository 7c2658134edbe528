"""What happens when MongoDB goes away mid-conversation and comes back? (a dedicated
nx-27017, killed and restarted on the same port and data under a live server)"""

from __future__ import annotations

import time

import pytest
import requests

from support.apps import require
from support.mongo_server import NxServer, with_database
from support.socket_clients import WAIT, new_ticket, peers  # noqa: F401 (peers: fixture)

pytestmark = [pytest.mark.mongo, pytest.mark.slow]

# The store gives up on server selection after 2 s; answering within this is "promptly".
PROMPTLY = 10.0


@pytest.fixture
def mongo(tmp_path):
    """An nx-27017 of this test's own, so it can be killed."""
    server = NxServer(tmp_path / "mongo")
    try:
        server.start()
    except (OSError, RuntimeError) as exc:
        require(False, f"nx-27017 could not be started: {exc}")
    yield server
    server.kill()


def send_until_stored(guest, ticket_id: str, text: str) -> dict:
    """Send with one clientMsgId until acknowledged, as a widget retries after an outage."""
    deadline = time.monotonic() + 60
    while True:
        ack = guest.call(
            "chat:message", {"ticketId": ticket_id, "text": text, "clientMsgId": "after-outage"}
        )
        if ack["ok"]:
            return ack["message"]
        assert ack["error"]["code"] == "unavailable", ack
        assert time.monotonic() < deadline, "MongoDB came back but sends kept failing"
        time.sleep(0.2)


def test_while_mongodb_is_down_sends_fail_fast_and_afterwards_nothing_acknowledged_is_lost(
    live_server_factory, peers, mongo
):
    server = live_server_factory(
        MONGO_URI=with_database(mongo.uri, "outage"), MESSAGE_RATE_LIMIT="off"
    )
    guest = peers.guest(server)
    created = new_ticket(guest, "message 1")
    ticket_id = created["ticket"]["id"]
    acknowledged = [created["message"]] + [
        guest.send(ticket_id, f"message {n}") for n in range(2, 6)
    ]

    mongo.kill()
    started = time.monotonic()
    refused = guest.call(
        "chat:message", {"ticketId": ticket_id, "text": "while down"}, timeout=PROMPTLY + WAIT
    )
    assert time.monotonic() - started < PROMPTLY
    assert refused["ok"] is False and refused["error"]["code"] == "unavailable"
    ready = requests.get(server.url + "/readyz", timeout=PROMPTLY + WAIT)
    assert ready.status_code == 503
    assert ready.json()["checks"]["mongo"].startswith("failing")
    assert requests.get(server.url + "/healthz", timeout=WAIT).ok  # the server still serves

    mongo.start()
    acknowledged.append(send_until_stored(guest, ticket_id, "after the outage"))
    joined = guest.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": 0})
    assert [m["id"] for m in joined["messages"]] == [m["id"] for m in acknowledged]
    assert [m["seq"] for m in joined["messages"]] == list(range(1, len(acknowledged) + 1))
    assert requests.get(server.url + "/readyz", timeout=WAIT).status_code == 200
