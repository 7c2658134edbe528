"""Does every stored message reach everyone exactly once, in order, across reconnects and a
crashed server? (PROTOCOL.md §4.1.)"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from support.socket_clients import WAIT, new_ticket, peers, sign_in  # noqa: F401 (peers: fixture)

pytestmark = pytest.mark.slow  # each test starts server processes


def history(peer, ticket_id: str, since: int) -> list[dict]:
    """Every message after ``since``, following ``hasMore`` page by page."""
    messages: list[dict] = []
    while True:
        page = peer.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": since})
        messages += page["messages"]
        if not page["hasMore"]:
            return messages
        since = messages[-1]["seq"]


def test_an_agent_who_was_away_gets_exactly_the_200_messages_it_missed(
    live_server_factory, database_url, peers
):
    server = live_server_factory(database_url, MESSAGE_RATE_LIMIT="off")
    session = sign_in(server)
    guest = peers.guest(server)
    ticket_id = new_ticket(guest, "before the agent left")["ticket"]["id"]
    agent = peers.agent(server, session)
    held = agent.ok("ticket:join", {"ticketId": ticket_id})["messages"][-1]["seq"]
    agent.close()

    sent = [guest.send(ticket_id, f"message {n}", clientMsgId=f"m-{n}") for n in range(200)]

    back = peers.agent(server, session)
    joined = back.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": held})
    assert joined["messages"] == sent and joined["hasMore"] is False
    assert [m["seq"] for m in joined["messages"]] == list(range(held + 1, held + 201))
    # One more than a page: the oldest 200 come first, and hasMore says to ask again.
    page = back.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": held - 1})
    assert [m["seq"] for m in page["messages"]] == list(range(held, held + 200))
    assert page["hasMore"] is True


def test_a_resent_message_returns_the_stored_one_and_is_not_broadcast_again(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})

    first = guest.send(ticket_id, "Where is my parcel?", clientMsgId="retry-1")
    again = guest.send(ticket_id, "Where is my parcel?", clientMsgId="retry-1")
    assert (again["id"], again["seq"]) == (first["id"], first["seq"])
    fence = guest.send(ticket_id, "next one")
    # Broadcasts reach the agent in order: once the next message is here, a repeat would be.
    agent.wait_for("chat:message", lambda m: m["id"] == fence["id"])
    assert [m["clientMsgId"] for m in agent.received("chat:message")] == ["retry-1", None]
    assert agent.ok("ticket:join", {"ticketId": ticket_id})["ticket"]["lastSeq"] == fence["seq"]


def test_the_same_client_msg_id_from_the_other_side_is_a_different_message(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    mine = guest.send(ticket_id, "hello", clientMsgId="1")
    theirs = agent.send(ticket_id, "hello", clientMsgId="1")
    assert theirs["id"] != mine["id"] and theirs["seq"] == mine["seq"] + 1


def test_private_notes_reach_agents_only(live_server, peers):
    agent = peers.agent(live_server)
    colleague = peers.agent(live_server)
    guest = peers.guest(live_server)
    first = new_ticket(guest)
    ticket_id = first["ticket"]["id"]
    for watcher in (agent, colleague):
        watcher.ok("ticket:join", {"ticketId": ticket_id})

    note = agent.send(ticket_id, "Customer is on the premium plan", kind="note")
    assert note["kind"] == "note"
    assert colleague.wait_for("chat:message", lambda m: m["id"] == note["id"]) == note
    reply = agent.send(ticket_id, "Let me look into it")
    guest.wait_for("chat:message", lambda m: m["id"] == reply["id"])
    assert [m["id"] for m in guest.received("chat:message")] == [
        first["message"]["id"],
        reply["id"],
    ]

    for since in (None, 0):
        history = guest.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": since})
        assert [m["kind"] for m in history["messages"]] == ["message", "message"]
    guest_view = guest.ok("ticket:join", {"ticketId": ticket_id})["ticket"]
    assert "premium" not in guest_view["lastMessagePreview"]
    agent_history = agent.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": 0})["messages"]
    assert [m["kind"] for m in agent_history] == ["message", "note", "message"]


def test_every_participant_receives_the_conversation_in_seq_order(
    live_server_factory, database_url, peers
):
    server = live_server_factory(database_url, MESSAGE_RATE_LIMIT="off")
    ana, bob = peers.agent(server), peers.agent(server)
    guest = peers.guest(server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    for watcher in (ana, bob):
        watcher.ok("ticket:join", {"ticketId": ticket_id})

    writers = [(guest, "guest"), (ana, "ana"), (bob, "bob")]
    threads = [
        threading.Thread(
            target=lambda p=peer, n=name: [p.send(ticket_id, f"{n} {i}") for i in range(15)]
        )
        for peer, name in writers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)

    last = 46  # the first message and 3 × 15
    for watcher in (guest, ana, bob):
        watcher.wait_for("chat:message", lambda m: m["seq"] == last)
        heard = [m["seq"] for m in watcher.received("chat:message") if m["seq"] > 1]
        assert heard == list(range(2, last + 1))


def test_a_killed_server_loses_no_acknowledged_message_and_retries_do_not_duplicate(
    live_server_factory, database_url, peers
):
    server = live_server_factory(database_url, MESSAGE_RATE_LIMIT="off")
    session = sign_in(server)
    agent = peers.agent(server, session, reconnection=True)
    guest = peers.guest(server, str(uuid.uuid4()), reconnection=True)
    ticket_id = new_ticket(guest, "hello", clientMsgId="m-first")["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})

    # The guest keeps up to 20 sends in flight, like a client with a send window; the
    # server dies mid-stream, with some stored but unacknowledged and some never stored.
    acked: dict[str, dict] = {"m-first": {"seq": 1}}
    sent: list[str] = ["m-first"]
    window = threading.Semaphore(20)
    stop = threading.Event()

    def acknowledged(key: str, ack: dict) -> None:
        if ack.get("ok"):
            acked[key] = ack["message"]
        window.release()

    def write() -> None:
        n = 0
        while not stop.is_set():
            if not window.acquire(timeout=0.1):
                continue
            key = f"m-{n}"
            try:
                guest.client.emit(
                    "chat:message",
                    {"ticketId": ticket_id, "text": f"line {n}", "clientMsgId": key},
                    namespace="/guest",
                    callback=lambda ack, k=key: acknowledged(k, ack),
                )
                sent.append(key)
            except Exception:  # not connected: this send is simply lost, like a browser's
                window.release()
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + WAIT
    while len(acked) < 40 and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()
    acked_before_kill = dict(acked)
    stop.set()
    writer.join(WAIT)
    assert len(acked_before_kill) >= 40
    assert len(sent) > len(acked_before_kill), "some sends were in flight when it died"

    server.start()
    for peer in (guest, agent):  # both reconnect on their own
        peer.inbox.wait_count("connect", 2, timeout=WAIT * 2)
    # Retry everything that was not acknowledged, and a few that were (their ack "got lost").
    unacked = [key for key in sent if key not in acked_before_kill]
    lost_acks = list(acked_before_kill)[5:10]
    for key in unacked + lost_acks:
        stored = guest.send(ticket_id, f"line {key[2:]}", clientMsgId=key)
        if key in acked_before_kill:
            assert stored["seq"] == acked_before_kill[key]["seq"], key

    live = agent.received("chat:message")
    held = {m["seq"] for m in live}
    contiguous = 1
    while contiguous + 1 in held:
        contiguous += 1
    missed = history(agent, ticket_id, contiguous)
    everything = history(agent, ticket_id, 0)
    keys = [m["clientMsgId"] for m in everything]
    assert sorted(keys) == sorted(set(sent)), "each sent message stored exactly once"
    assert [m["seq"] for m in everything] == list(range(1, len(sent) + 1))
    by_key = {m["clientMsgId"]: m for m in everything}
    for key, ack in acked_before_kill.items():
        if key != "m-first":
            assert (by_key[key]["id"], by_key[key]["seq"]) == (ack["id"], ack["seq"])
    # What the agent heard live plus what it asked for is the whole conversation, in order.
    assert [m["seq"] for m in missed] == list(range(contiguous + 1, len(sent) + 1))
