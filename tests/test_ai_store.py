"""The store's part of AI replies, the same on SQLite, PostgreSQL and MongoDB: the bot flag,
the claim that lets exactly one process answer a customer message, and start-up's search."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from supportchat.stores import NewMessage

GUEST = {"id": "guest-1", "role": "guest", "name": "Visitor 1A2B"}
SYSTEM = {"id": "system", "role": "system", "name": "Support"}
CUSTOMER = {"label": "Visitor 1A2B", "verified": False, "userIdentifier": {}, "metadata": {}}


def test_new_tickets_start_with_the_bot_flag_given(ticket_store):
    _app, store = ticket_store
    on, _ = store.create_ticket("client-a", "s-on", CUSTOMER, bot_active=True)
    off, _ = store.create_ticket("client-b", "s-off", CUSTOMER)
    assert store.get_ticket(on.id).bot_active is True and on.bot_active is True
    assert store.get_ticket(off.id).bot_active is False
    assert [t.id for t in store.bot_tickets(10)] == [on.id]


def test_the_flag_changes_once_for_racing_callers(ticket_store):
    _app, store = ticket_store
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER, bot_active=True)
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: store.set_bot(ticket.id, False), range(8)))
    assert sum(changed for _ticket, changed in outcomes) == 1
    assert all(t.bot_active is False for t, _changed in outcomes)
    assert store.bot_tickets(10) == []
    turned_on, changed = store.set_bot(ticket.id, True)
    assert changed and turned_on.bot_active is True


def test_one_claim_per_customer_message_and_none_when_off_or_closed(ticket_store):
    _app, store = ticket_store
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER, bot_active=True)
    first, *_ = store.append_message(ticket.id, NewMessage(sender=GUEST, text="Hi"))
    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda _: store.claim_ai(ticket.id, first.seq), range(8)))
    assert claims.count(True) == 1
    assert store.get_ticket(ticket.id).ai_seq == first.seq

    second, *_ = store.append_message(ticket.id, NewMessage(sender=GUEST, text="Hello?"))
    assert store.claim_ai(ticket.id, first.seq) is False  # an older message: superseded
    store.set_bot(ticket.id, False)
    assert store.claim_ai(ticket.id, second.seq) is False  # handed over
    store.set_bot(ticket.id, True)
    assert store.claim_ai(ticket.id, second.seq) is True

    third, *_ = store.append_message(ticket.id, NewMessage(sender=GUEST, text="Bye"))
    store.close_ticket(ticket.id, {"id": "agent-1", "role": "agent", "name": "Ana"})
    assert store.claim_ai(ticket.id, third.seq) is False


def test_system_events_leave_the_preview_and_the_unread_flag_alone(ticket_store):
    _app, store = ticket_store
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER, bot_active=True)
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="Where is my order?"))
    store.append_message(
        ticket.id, NewMessage(sender=SYSTEM, text="Handed over to the team", kind="event")
    )
    stored = store.get_ticket(ticket.id)
    assert stored.last_message_preview == "Where is my order?"
    assert stored.agent_read_seq == 0 and stored.last_seq == 2
