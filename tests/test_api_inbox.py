"""The agents' inbox and history over HTTP (PROTOCOL.md §3.6): the seed's response shape,
filters, keyset pages that hold still while tickets arrive, and an index behind every page."""

from __future__ import annotations

import os
import uuid

import pytest
import requests
from sqlalchemy import event

from support.apps import base_config, make_app
from support.http import sign_in
from support.socket_clients import WAIT, api_token

CONVERSATION_FIELDS = {
    "id",
    "title",
    "participantLabel",
    "lastMessageAt",
    "lastMessagePreview",
    "unread",
    "status",
    "assignee",
    "labels",
    "waitingSince",
    "previewSeq",  # the seq each agent's own unread is measured against
}


def open_ticket(client, text="Hello, I need help", **fields) -> str:
    """A new customer's first message; the ticket's id."""
    response = client.post(
        "/api/chat",
        json={
            "clientId": str(uuid.uuid4()),
            "sessionId": uuid.uuid4().hex,
            "message": text,
            **fields,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["ticketId"]


def inbox(client, headers, path="/api/conversations", **params):
    response = client.get(path, headers=headers, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_inbox_answers_in_the_seeds_shape_newest_activity_first(client, agent):
    older = open_ticket(client, "My order is late", userIdentifier={"email": "jane@example.com"})
    newer = open_ticket(client, "Where is my refund?")
    body = inbox(client, agent.headers)
    assert set(body) == {"conversations", "nextCursor"} and body["nextCursor"] is None
    assert [item["id"] for item in body["conversations"]] == [newer, older]
    first = body["conversations"][1]
    assert set(first) == CONVERSATION_FIELDS
    assert first["title"] == first["participantLabel"] == "jane@example.com"
    assert first["lastMessagePreview"] == "My order is late"
    assert first["unread"] is True and first["status"] == "open" and first["assignee"] is None
    assert first["lastMessageAt"].endswith("Z")


def test_the_admin_inbox_alias_answers_the_same(client, agent):
    open_ticket(client)
    assert inbox(client, agent.headers, "/api/admin/inbox") == inbox(client, agent.headers)


def test_status_and_assignment_filters_pick_the_matching_conversations(client, agent):
    headers, agent_id = agent.headers, agent.id
    mine, unassigned, closed = open_ticket(client), open_ticket(client), open_ticket(client)
    from supportchat.context import current
    from supportchat.services import actors, tickets

    with client.application.app_context():
        ana = actors.agent(agent_id, "agent", "Ana")
        tickets.assign(current(), ana, mine, agent_id)
        tickets.close(current(), ana, closed)

    def ids(**params):
        return {item["id"] for item in inbox(client, headers, **params)["conversations"]}

    assert ids() == {mine, unassigned}
    assert ids(status="closed") == {closed}
    assert ids(status="all") == {mine, unassigned, closed}
    assert ids(assigned="me") == {mine}
    assert ids(assigned="none") == {unassigned}


def test_pages_hold_still_while_new_conversations_arrive(client, agent):
    headers = agent.headers
    for index in range(7):
        open_ticket(client, f"question {index}")
    expected = [item["id"] for item in inbox(client, headers, limit=100)["conversations"]]
    seen, cursor, arrived = [], None, []
    while True:
        page = inbox(client, headers, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [item["id"] for item in page["conversations"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
        arrived.append(open_ticket(client, "a new customer writes in"))
    assert seen == expected
    # The newcomers wait at the top of a fresh first page.
    assert [item["id"] for item in inbox(client, headers, limit=2)["conversations"]] == arrived[
        ::-1
    ][:2]


def test_a_conversation_reads_as_unread_until_an_agent_has_seen_it(client, agent):
    headers, agent_id = agent.headers, agent.id
    ticket_id = open_ticket(client)
    from supportchat.context import current
    from supportchat.services import actors, tickets

    with client.application.app_context():
        tickets.mark_read(current(), actors.agent(agent_id, "agent", "Ana"), ticket_id, 1)
    assert inbox(client, headers)["conversations"][0]["unread"] is False


@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"status": "pending"}, "status"),
        ({"assigned": "them"}, "assigned"),
        ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
    ],
)
def test_bad_inbox_parameters_are_invalid(client, agent, params, field):
    response = client.get("/api/conversations", headers=agent.headers, query_string=params)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field


def test_the_inbox_needs_a_signed_in_agent(client):
    assert client.get("/api/conversations").get_json()["error"]["code"] == "unauthorized"
    response = client.get("/api/conversations", headers={"X-Client-Id": str(uuid.uuid4())})
    assert response.status_code == 401


def test_history_pages_backwards_oldest_first_with_notes(client, agent):
    headers, agent_id = agent.headers, agent.id
    ticket_id = open_ticket(client, "message 1")
    from supportchat.context import current
    from supportchat.services import actors, messages

    with client.application.app_context():
        ana = actors.agent(agent_id, "agent", "Ana")
        for index in range(2, 6):
            messages.write(
                current(),
                ana,
                f"message {index}",
                ticket_id=ticket_id,
                kind="note" if index == 3 else "message",
            )

    def history(**params):
        response = client.get(
            "/api/admin/messages",
            headers=headers,
            query_string={"conversationId": ticket_id, **params},
        )
        assert response.status_code == 200
        return response.get_json()

    latest = history(limit=2)
    assert [item["seq"] for item in latest["messages"]] == [4, 5] and latest["hasMore"] is True
    older = history(limit=2, before=4)
    assert [item["text"] for item in older["messages"]] == ["message 2", "message 3"]
    assert older["messages"][1]["kind"] == "note" and older["hasMore"] is True
    oldest = history(limit=2, before=2)
    assert [item["seq"] for item in oldest["messages"]] == [1] and oldest["hasMore"] is False
    assert history()["messages"][0]["seq"] == 1


def test_history_of_an_unknown_conversation_is_not_found(client, agent):
    response = client.get("/api/admin/messages?conversationId=nope", headers=agent.headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_the_inbox_over_real_http(live_server):
    first = requests.post(
        live_server.url + "/api/chat",
        timeout=WAIT,
        json={"clientId": str(uuid.uuid4()), "sessionId": "live", "message": "Hi there"},
    ).json()
    token = api_token(live_server)
    body = requests.get(
        live_server.url + "/api/conversations",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert [item["id"] for item in body["conversations"]] == [first["ticketId"]]
    assert body["conversations"][0]["lastMessagePreview"] == "Hi there"


# 100,000 tickets on PostgreSQL: every page is an index range, never a scan and a sort, in
# either order (the longest wait of one status first: ix_tickets_waiting).

SEED_TICKETS = """
INSERT INTO tickets (id, client_key, session_id, status, created_at, updated_at, customer,
                     assignee_id, assignee_name, last_seq, last_public_seq, last_message_at,
                     last_message_preview, agent_read_seq, guest_read_seq)
SELECT md5(i::text), md5('client' || i), 'session-' || i,
       CASE WHEN i %% 4 = 0 THEN 'closed' ELSE 'open' END, at, at,
       '{"label": "Visitor", "verified": false, "userIdentifier": {}, "metadata": {}}',
       CASE WHEN i %% 3 = 0 THEN %(agent)s END, CASE WHEN i %% 3 = 0 THEN 'Ana' END,
       1, 1, at, 'Hello, I need help', 0, 1
FROM generate_series(1, 100000) AS i,
     LATERAL (SELECT timestamp '2026-01-01' + i * interval '7 seconds' AS at) AS moment
"""


@pytest.mark.postgres
def test_an_inbox_page_among_100k_tickets_is_read_from_an_index(postgres_url, tmp_path, capsys):
    app = make_app(base_config(tmp_path / "instance", postgres_url))
    client = app.test_client()
    agent = sign_in(client)
    from supportchat.extensions import db

    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            conn.exec_driver_sql(SEED_TICKETS, {"agent": agent.id})
            # Half the customers wait for an answer ("waiting longest").
            conn.exec_driver_sql(
                "UPDATE tickets SET waiting_since = last_message_at WHERE id < '8'"
            )
            conn.exec_driver_sql("ANALYZE tickets")
            assert conn.exec_driver_sql("SELECT count(*) FROM tickets").scalar() == 100_000
        pages: list[tuple[str, dict]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            if "ORDER BY tickets.last_message_at DESC" in statement or (
                "ORDER BY tickets.waiting_since" in statement
            ):
                pages.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        queries = [
            {},
            {"status": "all"},
            {"status": "closed"},
            {"assigned": "me"},
            {"assigned": "none"},
            {"sort": "waiting"},
            {"sort": "waiting", "status": "closed"},
            {"sort": "waiting", "assigned": "me"},
        ]
        for params in queries:
            first = inbox(client, agent.headers, limit=25, **params)
            assert len(first["conversations"]) == 25
            inbox(client, agent.headers, limit=25, cursor=first["nextCursor"], **params)
        event.remove(engine, "before_cursor_execute", capture)
        assert len(pages) == 2 * len(queries)
        report = []
        with engine.connect() as conn:
            for (statement, parameters), label in zip(
                pages,
                [
                    f"{params or 'status=open'} page {number}"
                    for params in queries
                    for number in (1, 2)
                ],
                strict=False,
            ):
                plan = "\n".join(
                    conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                    ).scalars()
                )
                report.append(f"-- {label}\n{statement}\n{plan}\n")
                assert "Seq Scan" not in plan and "Sort" not in plan, plan
                assert "Index Scan" in plan, plan
    if os.environ.get("SUPPORTCHAT_EXPLAIN_REPORT"):
        with capsys.disabled():
            print("\n".join(report))
    with app.app_context():
        db.engine.dispose()
