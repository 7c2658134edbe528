"""Malformed and forged socket events: odd event names, deep nesting and client-sent lifecycle
events all get an ``invalid`` ack, change nothing, and leave no message text in the logs."""

from __future__ import annotations

import json

import pytest

from support.ops import json_lines, metrics, sample
from support.socket_clients import new_ticket, open_peer, peers  # noqa: F401

SECRET = "my private words 7731"
NAMES = [None, True, False, 0, 7, -1.5, [], ["ticket:create"], {}, {"event": "chat:message"}]


@pytest.fixture
def server(live_server_factory):
    return live_server_factory(CONNECT_RATE_LIMIT="4 per minute")


def nested(depth: int) -> str:
    return "[" * (depth - 1) + json.dumps(SECRET) + "]" * (depth - 1)


def test_event_names_that_are_not_strings_are_invalid_on_both_namespaces(server, peers):
    for peer in (peers.guest(server), peers.agent(server)):
        for name in NAMES:
            ack = peer.call_text(name, json.dumps({"text": SECRET}))  # type: ignore[arg-type]
            assert ack["ok"] is False and ack["error"]["code"] == "invalid", (name, ack)
        assert peer.connected
    assert "ticket" in new_ticket(peers.guest(server))


def test_deep_nesting_is_refused_before_parsing(server, peers):
    guest = peers.guest(server)
    for depth in (33, 1_100, 20_000):
        ack = guest.call_text("chat:message", nested(depth))
        assert ack["ok"] is False, depth
        assert ack["error"]["code"] == "invalid" and ack["error"]["details"] == {"limit": 32}
    # Brackets inside a string are text, not nesting; the event reaches its own checks.
    flat = guest.call_text("ticket:create", json.dumps({"text": "[" * 2_000}))
    assert flat["ok"] is True
    assert guest.call_text("ticket:join", nested(32))["error"]["code"] == "invalid"
    assert guest.connected


def test_a_client_cannot_forge_connect_or_disconnect(server, peers):
    guest = peers.guest(server, client_id="")  # a minted identity, sent once as "session"
    guest.wait_for("session")
    payloads = [None, {}, {"clientId": "forged"}, "text", 5, [1, 2], {"token": "x"}]
    for event in ("connect", "disconnect"):
        for payload in payloads * 5:
            ack = guest.call_text(event, json.dumps(payload))
            assert ack["error"]["code"] == "invalid", (event, payload, ack)
    assert guest.connected and len(guest.received("session")) == 1

    counted = metrics(server.url)
    assert sample(counted, "supportchat_connected_sockets", namespace="/guest") == 1
    # 70 forged connects spent none of the address's connect budget (4 a minute).
    more = [open_peer(server.url, "/guest") for _ in range(3)]
    assert sample(metrics(server.url), "supportchat_connected_sockets", namespace="/guest") == 4
    for peer in more + [guest]:
        peer.close()
    # Real disconnects count once each: the gauge comes back to zero, never below.
    assert _eventually_zero(server.url)


def _eventually_zero(url: str) -> bool:
    import time

    for _ in range(100):
        if sample(metrics(url), "supportchat_connected_sockets", namespace="/guest") == 0:
            return True
        time.sleep(0.1)
    return False


def test_malformed_events_leave_only_json_lines_without_their_text(live_server_factory, peers):
    server = live_server_factory(LOG_LEVEL="debug")
    guest, agent = peers.guest(server), peers.agent(server)
    for peer in (guest, agent):
        for name in NAMES + ["connect", "disconnect", "no:such"]:
            peer.call_text(name, json.dumps({"text": SECRET}))  # type: ignore[arg-type]
        peer.call_text("chat:message", nested(5_000))
        peer.call_text("chat:message", '{"text": "' + SECRET + '", "n": NaN}')
    assert new_ticket(guest)["ok"]
    log = server.log()
    assert SECRET not in log
    lines = json_lines(log)  # fails on the first line that is not one JSON object
    assert [line for line in lines if line.get("event") == "unknown"]


def test_a_packet_announcing_too_many_attachments_does_not_take_the_next_events(server, peers):
    guest = peers.guest(server)
    # A binary event that announces a million attachments, then some binary frames: they
    # must not be collected for it, and the client's next event must not be taken as one.
    guest.client.eio.send('51000000-/guest,9["chat:message",{"_placeholder":true,"num":0}]')
    for _ in range(3):
        guest.client.eio.send(b"\x00" * 60_000)
    assert "ticket" in new_ticket(guest)
    assert guest.connected
