"""Search, tags and canned responses in the TicketStore contract: SQLite (FTS5), PostgreSQL
(tsvector + GIN) and MongoDB (text indexes) answer alike (fixture ``ticket_store``)."""

from __future__ import annotations

import pytest
from test_store_contract import AGENT, CUSTOMER, GUEST, next_millisecond, open_ticket

from supportchat.errors import AppError
from supportchat.stores import NewMessage, TicketQuery


def found(store, text=None, label=None, **filters):
    return [t.id for t in store.list_tickets(TicketQuery(text=text, label=label, **filters))]


def say(store, ticket_id, text, sender=GUEST, kind="message"):
    message, *_ = store.append_message(ticket_id, NewMessage(sender=sender, text=text, kind=kind))
    return message


def test_search_finds_tickets_by_words_in_any_message_newest_activity_first(ticket_store):
    _app, store = ticket_store
    refund = open_ticket(store, text="Where is my refund for the invoice?")
    next_millisecond()
    other = open_ticket(store, text="The login page is broken")
    next_millisecond()
    later = open_ticket(store, text="hello")
    say(store, later.id, "Invoice 42 shows a wrong REFUND amount")
    assert found(store, "refund invoice") == [later.id, refund.id]
    assert found(store, "broken") == [other.id]
    assert found(store, "refund broken") == []  # every word, in one message
    assert found(store, "nothing-like-this") == []


def test_search_reaches_notes_and_the_customer_label_and_identifiers(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store, text="hi")
    say(store, ticket.id, "customer is a reseller", sender=AGENT, kind="note")
    assert found(store, "reseller") == [ticket.id]
    stranger, _ = store.create_ticket(
        "client-b", None, {**CUSTOMER, "label": "Visitor 9Z9Z", "userIdentifier": {}}
    )
    assert found(store, "jane@example.com") == [ticket.id]
    assert found(store, "9Z9Z") == [stranger.id]


def test_common_words_find_the_same_tickets_as_rare_ones(ticket_store):
    """SQLite walks the inbox and asks the index per ticket once words match many rows."""
    _app, store = ticket_store
    ids = []
    for n in range(6):
        ids.append(open_ticket(store, text=f"common word {n}").id)
        next_millisecond()
    store.close_ticket(ids[1], {"id": AGENT["id"], "role": "agent", "name": "Ana"})
    sparse = found(store, "common word", status="all"), found(store, "common", status="open")
    store.dense_matches = 3
    assert (found(store, "common word", status="all"), found(store, "common", status="open")) == (
        sparse
    )
    assert sparse[0] == ids[::-1] and ids[1] not in sparse[1]


def test_search_combines_with_the_other_filters_and_keyset_pages(ticket_store):
    _app, store = ticket_store
    ids = []
    for n in range(5):
        ids.append(open_ticket(store, text=f"printer jam number {n}").id)
        next_millisecond()
    store.close_ticket(ids[0], {"id": AGENT["id"], "role": "agent", "name": "Ana"})
    assert found(store, "printer", status="open") == ids[:0:-1]
    first = store.list_tickets(TicketQuery(text="printer jam", status="all", limit=2))
    cursor = (first[-1].last_message_at, first[-1].id)
    rest = store.list_tickets(TicketQuery(text="printer jam", status="all", cursor=cursor))
    assert [t.id for t in first + rest] == ids[::-1]


def test_a_match_names_the_newest_matching_message_or_the_customer(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store, text="my parcel is late")
    say(store, ticket.id, "unrelated")
    newest = say(store, ticket.id, "still no parcel today", sender=AGENT)
    say(store, ticket.id, "thanks")
    matches = store.search_matches([ticket.id], "parcel")
    assert (matches[ticket.id].seq, matches[ticket.id].text) == (newest.seq, newest.text)
    by_customer = store.search_matches([ticket.id], "jane@example.com")[ticket.id]
    assert by_customer.seq is None and "jane@example.com" in by_customer.text
    assert store.search_matches([ticket.id], "absent") == {}


def test_labels_replace_show_on_the_ticket_and_filter_the_inbox(ticket_store):
    _app, store = ticket_store
    billing = open_ticket(store, text="a")
    next_millisecond()
    both = open_ticket(store, text="b")
    open_ticket(store, text="c")
    assert store.set_labels(billing.id, ["billing"]).labels == ("billing",)
    assert store.set_labels(both.id, ["vip", "billing", "vip"]).labels == ("billing", "vip")
    assert store.get_ticket(both.id).labels == ("billing", "vip")
    assert found(store, label="billing") == [both.id, billing.id]
    assert found(store, label="vip") == [both.id]
    store.set_labels(both.id, [])
    assert found(store, label="vip") == [] and store.get_ticket(both.id).labels == ()
    assert found(store, "b", label="billing") == []
    with pytest.raises(AppError) as missing:
        store.set_labels("no-such-ticket", ["x"])
    assert missing.value.code == "not_found"


def test_canned_responses_are_kept_with_unique_shortcuts(ticket_store):
    _app, store = ticket_store
    thanks = store.add_canned("thanks", "Thank you", "Thanks for writing!")
    store.add_canned("address", "Our address", "1 Main St")
    assert [c.shortcut for c in store.list_canned()] == ["address", "thanks"]
    with pytest.raises(AppError) as taken:
        store.add_canned("thanks", "Again", "x")
    assert taken.value.code == "conflict"
    changed = store.update_canned(thanks.id, {"text": "Thank you!", "shortcut": "ty"})
    assert (changed.shortcut, changed.title, changed.text) == ("ty", "Thank you", "Thank you!")
    with pytest.raises(AppError) as clash:
        store.update_canned(thanks.id, {"shortcut": "address"})
    assert clash.value.code == "conflict"
    assert store.update_canned(thanks.id, {}).shortcut == "ty"
    store.delete_canned(thanks.id)
    assert [c.shortcut for c in store.list_canned()] == ["address"]
    for call in (lambda: store.delete_canned(thanks.id), lambda: store.update_canned("x", {})):
        with pytest.raises(AppError) as gone:
            call()
        assert gone.value.code == "not_found"
