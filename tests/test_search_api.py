"""Search, tag filters and canned responses over HTTP (PROTOCOL.md §3.6 ``q``/``label``,
§3.7 canned), on SQLite and PostgreSQL: what agents see, what bad input and callers get."""

from __future__ import annotations

import re
import uuid

from test_api_inbox import inbox, open_ticket

from support.http import error_of, sign_in
from supportchat.stores import TicketQuery


def ids(body) -> list[str]:
    return [row["id"] for row in body["conversations"]]


def label(app, ticket_id, labels):
    with app.app_context():
        app.extensions["supportchat.store"].set_labels(ticket_id, labels)


def test_q_finds_tickets_by_message_words_and_says_where(client, agent):
    invoice = open_ticket(client, "Please resend the invoice for March")
    open_ticket(client, "My password does not work")
    latest = open_ticket(client, "Invoice problem: the March amount is wrong")
    body = inbox(client, agent.headers, q="march INVOICE")
    assert ids(body) == [latest, invoice]
    assert body["conversations"][1]["match"] == {
        "seq": 1,
        "snippet": "Please resend the invoice for March",
    }
    assert "match" not in inbox(client, agent.headers)["conversations"][0]
    assert ids(inbox(client, agent.headers, path="/api/admin/inbox", q="password")) != []


def test_q_finds_the_customer_by_label_and_identifiers(client, agent):
    mine = open_ticket(
        client, "hello", userIdentifier={"email": "zoe@example.org", "phone": "5550199"}
    )
    open_ticket(client, "hello")
    assert ids(inbox(client, agent.headers, q="zoe@example.org")) == [mine]
    match = inbox(client, agent.headers, q="5550199")["conversations"][0]["match"]
    assert match["seq"] is None and "5550199" in match["snippet"]


def test_a_long_message_gives_a_short_snippet_around_the_word(client, agent):
    text = "a" * 300 + " the tracking number is 777 " + "b" * 300
    open_ticket(client, text)
    snippet = inbox(client, agent.headers, q="tracking")["conversations"][0]["match"]["snippet"]
    assert "tracking number" in snippet and len(snippet) <= 162 and snippet.startswith("…")


def test_bad_q_and_label_are_refused_and_name_the_field(client, agent):
    open_ticket(client)
    for params, field in (
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "?!*"}, "q"),
        ({"q": '"'}, "q"),
        ({"label": "two words"}, "label"),
        ({"label": "x" * 33}, "label"),
    ):
        response = agent_get(client, agent, params)
        assert error_of(response, 400, "invalid")["details"]["field"] == field, params


def agent_get(client, agent, params):
    return client.get("/api/conversations", headers=agent.headers, query_string=params)


def test_fts_operators_in_q_are_plain_words(client, agent):
    ticket = open_ticket(client, "NEAR the AND OR NOT door")
    for q in ("NEAR(door", "door AND", "OR door", "door*", "-door", "door:*"):
        assert ids(inbox(client, agent.headers, q=q)) == [ticket], q


def test_guests_and_strangers_cannot_search(client):
    open_ticket(client)
    error_of(client.get("/api/conversations", query_string={"q": "hello"}), 401, "unauthorized")
    headers = {"X-Client-Id": str(uuid.uuid4())}
    response = client.get("/api/conversations", query_string={"q": "hello"}, headers=headers)
    error_of(response, 401, "unauthorized")


def test_label_filters_the_inbox_and_rows_show_labels(app, client, agent):
    billing = open_ticket(client, "one")
    other = open_ticket(client, "two")
    label(app, billing, ["billing", "vip"])
    body = inbox(client, agent.headers, label="Billing")
    assert ids(body) == [billing] and body["conversations"][0]["labels"] == ["billing", "vip"]
    assert inbox(client, agent.headers, label="vip", q="two")["conversations"] == []
    assert {row["id"]: row["labels"] for row in inbox(client, agent.headers)["conversations"]}[
        other
    ] == []


def test_the_text_index_is_used_not_a_scan(app, client):
    """EXPLAIN: SQLite reads the FTS5 table by MATCH, PostgreSQL the GIN indexes."""
    for n in range(30):
        open_ticket(client, f"filler message number {n}")
    with app.app_context():
        from supportchat.extensions import db
        from supportchat.stores.sql import tickets as table

        store = app.extensions["supportchat.store"]
        engine = db.engine
        query = TicketQuery(text="invoice", status="all")
        with engine.connect() as conn:
            stmt = _statement(store, query, table)
            compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
            if engine.dialect.name == "sqlite":
                plan = " ".join(
                    str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
                )
                assert "search_index VIRTUAL TABLE INDEX" in plan, plan
                assert "SCAN messages" not in plan
                # Common words: the inbox in activity order, the index asked per ticket.
                store.dense_matches = 10
                stmt = _statement(store, TicketQuery(text="filler", status="all"), table)
                compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
                plan = " ".join(
                    str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
                )
                assert "USING INDEX ix_tickets_activity" in plan, plan
                assert "search_index VIRTUAL TABLE INDEX" in plan, plan
                assert "TEMP B-TREE" not in plan, plan
            else:
                conn.exec_driver_sql("SET enable_seqscan = off")  # tiny tables: force the choice
                plan = " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
                assert "ix_messages_search" in plan and "ix_tickets_search" in plan, plan
                assert "Seq Scan on messages" not in plan


def _statement(store, query, table):
    """The statement list_tickets runs for ``query`` (built the same way)."""
    from sqlalchemy import select

    return (
        select(table)
        .where(store.search_condition(query.text))
        .order_by(table.c.last_message_at.desc(), table.c.id.desc())
        .limit(25)
    )


# --- canned responses ----------------------------------------------------------------------


def test_admins_keep_canned_responses_and_agents_read_them(client, agent):
    admin = sign_in(client, "admin", "admin@example.com")
    created = client.post(
        "/api/admin/canned",
        headers=admin.headers,
        json={"shortcut": "thanks", "title": "Thanks", "text": "Thanks for writing to us!"},
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    item = created.get_json()["canned"]
    assert set(item) == {"id", "shortcut", "title", "text"}
    listed = client.get("/api/admin/canned", headers=agent.headers).get_json()["canned"]
    assert listed == [item]
    changed = client.patch(
        f"/api/admin/canned/{item['id']}", headers=admin.headers, json={"text": "Thank you!"}
    )
    assert changed.get_json()["canned"]["text"] == "Thank you!"
    assert (
        client.delete(f"/api/admin/canned/{item['id']}", headers=admin.headers).status_code == 204
    )
    assert client.get("/api/admin/canned", headers=agent.headers).get_json() == {"canned": []}
    error_of(
        client.delete(f"/api/admin/canned/{item['id']}", headers=admin.headers), 404, "not_found"
    )


def test_canned_changes_refuse_agents_strangers_and_bad_input(client, agent):
    admin = sign_in(client, "admin", "admin@example.com")
    body = {"shortcut": "hi", "title": "Hi", "text": "Hello!"}
    error_of(client.post("/api/admin/canned", headers=agent.headers, json=body), 403, "forbidden")
    error_of(client.post("/api/admin/canned", json=body), 401, "unauthorized")
    error_of(client.get("/api/admin/canned"), 401, "unauthorized")
    for bad, field in (
        ({**body, "shortcut": "Hi There"}, "shortcut"),
        ({**body, "shortcut": "x" * 33}, "shortcut"),
        ({**body, "title": ""}, "title"),
        ({**body, "text": "   "}, "text"),
        ({**body, "text": "x" * 4001}, "text"),
        ({"title": "Hi", "text": "Hello!"}, "shortcut"),
        ({**body, "title": 5}, "title"),
    ):
        response = client.post("/api/admin/canned", headers=admin.headers, json=bad)
        assert error_of(response, 400, "invalid")["details"]["field"] == field, bad
    assert client.post("/api/admin/canned", headers=admin.headers, json=body).status_code == 201
    error_of(client.post("/api/admin/canned", headers=admin.headers, json=body), 409, "conflict")
    assert len(client.get("/api/admin/canned", headers=agent.headers).get_json()["canned"]) == 1
    error_of(
        client.patch("/api/admin/canned/nope", headers=admin.headers, json={"title": "x"}),
        404,
        "not_found",
    )


def test_canned_changes_from_the_dashboard_cookie_need_the_csrf_header(client):
    sign_in(client, "admin", "admin@example.com")
    page = client.get("/agent/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    from support.http import PASSWORD

    login = client.post(
        "/agent/login",
        data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert login.status_code == 303
    body = {"shortcut": "bye", "title": "Bye", "text": "Goodbye!"}
    error_of(client.post("/api/admin/canned", json=body), 403, "forbidden")
    csrf = client.get_cookie("csrf_access_token").value
    response = client.post("/api/admin/canned", json=body, headers={"X-CSRF-TOKEN": csrf})
    assert response.status_code == 201
    page = client.get("/admin/canned")
    assert page.status_code == 200 and b"canned" in page.data
