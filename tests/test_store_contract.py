"""The TicketStore contract: every adapter behaves the same (fixture ``ticket_store``)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from supportchat.errors import AppError
from supportchat.stores import NewMessage, TicketQuery

GUEST = {"id": "guest-1", "role": "guest", "name": "Visitor 1A2B"}
AGENT = {"id": "agent-1", "role": "agent", "name": "Ana"}
BOT = {"id": "bot", "role": "bot", "name": "Support"}
CUSTOMER = {
    "label": "jane@example.com",
    "verified": False,
    "userIdentifier": {"email": "jane@example.com"},
    "metadata": {"plan": "pro"},
}


def open_ticket(store, client_key="client-a", session_id=None, text=None):
    """A new ticket, with one guest message when ``text`` is given."""
    ticket, created = store.create_ticket(client_key, session_id, CUSTOMER)
    assert created
    if text is not None:
        store.append_message(ticket.id, NewMessage(sender=GUEST, text=text))
        ticket = store.get_ticket(ticket.id)
    return ticket


def next_millisecond() -> None:
    """Let the clock move on, so the next write has strictly newer activity."""
    time.sleep(0.002)


def all_pages(store, limit, between_pages=lambda: None, **filters):
    """Every ticket id of a listing, read page by page with keyset cursors."""
    seen, cursor = [], None
    while True:
        page = store.list_tickets(TicketQuery(cursor=cursor, limit=limit, **filters))
        seen.extend(ticket.id for ticket in page)
        if len(page) < limit:
            return seen
        cursor = (page[-1].last_message_at, page[-1].id)
        between_pages()


# --- tickets -------------------------------------------------------------------------------


def test_a_new_ticket_is_open_and_bound_to_its_client(ticket_store):
    _app, store = ticket_store
    ticket, created = store.create_ticket("client-a", "session-1", CUSTOMER)
    assert created
    assert ticket.client_key == "client-a"
    assert ticket.session_id == "session-1"
    assert ticket.status == "open"
    assert ticket.customer == CUSTOMER
    assert (ticket.last_seq, ticket.last_public_seq) == (0, 0)
    assert ticket.assignee is None and ticket.closed_at is None and ticket.closed_by is None


def test_a_ticket_can_be_opened_without_a_session(ticket_store):
    _app, store = ticket_store
    first, created_first = store.create_ticket("client-a", None, CUSTOMER)
    second, created_second = store.create_ticket("client-a", None, CUSTOMER)
    assert created_first and created_second
    assert first.id != second.id
    assert first.session_id is None


def test_opening_the_same_open_session_again_returns_the_same_ticket(ticket_store):
    _app, store = ticket_store
    first, _ = store.create_ticket("client-a", "session-1", CUSTOMER)
    again, created = store.create_ticket("client-a", "session-1", CUSTOMER)
    assert not created
    assert again.id == first.id


def test_a_closed_session_opens_a_new_ticket_which_is_the_latest(ticket_store):
    _app, store = ticket_store
    first, _ = store.create_ticket("client-a", "session-1", CUSTOMER)
    store.close_ticket(first.id, {"id": "agent-1", "role": "agent", "name": "Ana"})
    next_millisecond()
    second, created = store.create_ticket("client-a", "session-1", CUSTOMER)
    assert created and second.id != first.id
    assert store.latest_for_session("session-1").id == second.id


def test_get_ticket_returns_the_stored_ticket_or_none(ticket_store):
    _app, store = ticket_store
    ticket, _ = store.create_ticket("client-a", "session-1", CUSTOMER)
    assert store.get_ticket(ticket.id) == ticket
    assert store.get_ticket("no-such-ticket") is None


def test_get_tickets_returns_those_that_exist(ticket_store):
    _app, store = ticket_store
    first = open_ticket(store, text="Hello")
    second = open_ticket(store, client_key="client-b")
    found = store.get_tickets([first.id, "no-such-ticket", second.id])
    assert sorted(found, key=lambda ticket: ticket.id) == sorted(
        [first, second], key=lambda ticket: ticket.id
    )
    assert store.get_tickets(["no-such-ticket"]) == []
    assert store.get_tickets([]) == []


def test_latest_for_an_unknown_session_is_none(ticket_store):
    _app, store = ticket_store
    assert store.latest_for_session("never-used") is None


# --- listing -------------------------------------------------------------------------------


def test_the_inbox_lists_newest_activity_first(ticket_store):
    _app, store = ticket_store
    older = open_ticket(store, text="first")
    next_millisecond()
    newer = open_ticket(store, text="second")
    next_millisecond()
    store.append_message(older.id, NewMessage(sender=GUEST, text="bump"))
    listed = store.list_tickets(TicketQuery(status="all"))
    assert [ticket.id for ticket in listed] == [older.id, newer.id]
    assert listed[0].last_message_preview == "bump"


def test_the_inbox_filters_by_status(ticket_store):
    _app, store = ticket_store
    open_one = open_ticket(store)
    closed_one = open_ticket(store)
    store.close_ticket(closed_one.id, AGENT)

    def ids(status):
        return {t.id for t in store.list_tickets(TicketQuery(status=status))}

    assert ids("open") == {open_one.id}
    assert ids("closed") == {closed_one.id}
    assert ids("all") == {open_one.id, closed_one.id}


def test_the_inbox_filters_by_assignee(ticket_store):
    _app, store = ticket_store
    mine = open_ticket(store)
    theirs = open_ticket(store)
    nobody = open_ticket(store)
    store.assign_ticket(mine.id, {"id": "agent-1", "name": "Ana"})
    store.assign_ticket(theirs.id, {"id": "agent-2", "name": "Ben"})

    def ids(assignee):
        return {t.id for t in store.list_tickets(TicketQuery(assignee=assignee))}

    assert ids("agent-1") == {mine.id}
    assert ids("none") == {nobody.id}
    assert ids(None) == {mine.id, theirs.id, nobody.id}


def test_paging_visits_every_ticket_once_in_order(ticket_store):
    _app, store = ticket_store
    # Created in a tight loop, many tickets share a millisecond: the cursor must break ties.
    created = [open_ticket(store) for _ in range(11)]
    seen = all_pages(store, limit=3, status="all")
    assert sorted(seen) == sorted(ticket.id for ticket in created)
    moments = [store.get_ticket(ticket_id).last_message_at for ticket_id in seen]
    assert moments == sorted(moments, reverse=True)


def test_paging_is_stable_while_new_tickets_arrive(ticket_store):
    _app, store = ticket_store
    existing = [open_ticket(store, text=f"hello {n}") for n in range(10)]
    arrivals = []

    def new_ticket_arrives():
        arrivals.append(open_ticket(store, text="I am new").id)

    seen = all_pages(store, limit=3, between_pages=new_ticket_arrives, status="open")
    pre_existing = [ticket_id for ticket_id in seen if ticket_id not in arrivals]
    assert arrivals  # tickets did arrive between the pages
    assert len(pre_existing) == len(set(pre_existing))  # no duplicates
    assert set(pre_existing) == {ticket.id for ticket in existing}  # no skips


# --- messages ------------------------------------------------------------------------------


def test_appended_messages_are_numbered_from_one_without_gaps(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    stored = [
        store.append_message(ticket.id, NewMessage(sender=GUEST, text=f"m{n}")) for n in range(5)
    ]
    assert [appended.message.seq for appended in stored] == [1, 2, 3, 4, 5]
    assert all(appended.created for appended in stored)
    assert store.get_ticket(ticket.id).last_seq == 5


def test_a_stored_message_keeps_what_was_sent(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    attachment = {"id": "file-1", "name": "a.png", "size": 10, "type": "image/png"}
    message, created, _ = store.append_message(
        ticket.id,
        NewMessage(sender=AGENT, text="héllo 👋", client_msg_id="c-1", attachments=[attachment]),
    )
    assert created
    assert (message.ticket_id, message.sender, message.text) == (ticket.id, AGENT, "héllo 👋")
    assert (message.client_msg_id, message.attachments, message.kind) == (
        "c-1",
        [attachment],
        "message",
    )
    assert store.messages_after(ticket.id, 0, 10, include_notes=True) == [message]


def test_a_repeated_client_msg_id_returns_the_stored_message(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    first, created, _ = store.append_message(
        ticket.id, NewMessage(sender=GUEST, text="hi", client_msg_id="c-1")
    )
    again, created_again, _ = store.append_message(
        ticket.id, NewMessage(sender=GUEST, text="hi (retry)", client_msg_id="c-1")
    )
    assert created and not created_again
    assert again == first
    assert store.get_ticket(ticket.id).last_seq == 1


def test_a_resend_changes_nothing_and_is_answered_after_the_ticket_closed(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    first, *_ = store.append_message(
        ticket.id, NewMessage(sender=GUEST, text="hi", client_msg_id="c-1")
    )
    before = store.get_ticket(ticket.id)
    again, created, _ = store.append_message(
        ticket.id, NewMessage(sender=GUEST, text="hi", client_msg_id="c-1")
    )
    assert (again, created) == (first, False)
    assert store.get_ticket(ticket.id) == before  # not numbered, previewed or marked read
    store.close_ticket(ticket.id, AGENT)
    late, created, _ = store.append_message(
        ticket.id, NewMessage(sender=GUEST, text="hi", client_msg_id="c-1")
    )
    assert (late, created) == (first, False)  # the sender learns it was stored, not "closed"


def test_the_same_client_msg_id_from_another_sender_is_another_message(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    mine, *_ = store.append_message(
        ticket.id, NewMessage(sender=GUEST, text="hi", client_msg_id="c-1")
    )
    theirs, created, _ = store.append_message(
        ticket.id, NewMessage(sender=AGENT, text="hello", client_msg_id="c-1")
    )
    assert created
    assert theirs.id != mine.id and theirs.seq == 2


def test_messages_without_client_msg_id_are_never_deduplicated(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    first, *_ = store.append_message(ticket.id, NewMessage(sender=GUEST, text="same"))
    second, created, _ = store.append_message(ticket.id, NewMessage(sender=GUEST, text="same"))
    assert created and second.id != first.id


def test_messages_after_returns_what_was_missed_in_order(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    for n in range(1, 6):
        store.append_message(ticket.id, NewMessage(sender=GUEST, text=f"m{n}"))
    after = store.messages_after(ticket.id, 2, 2, include_notes=True)
    assert [message.seq for message in after] == [3, 4]
    assert store.messages_after(ticket.id, 5, 10, include_notes=True) == []


def test_messages_before_returns_the_newest_page_oldest_first(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    for n in range(1, 6):
        store.append_message(ticket.id, NewMessage(sender=GUEST, text=f"m{n}"))
    assert [m.seq for m in store.messages_before(ticket.id, None, 2, True)] == [4, 5]
    assert [m.seq for m in store.messages_before(ticket.id, 4, 2, True)] == [2, 3]
    assert [m.seq for m in store.messages_before(ticket.id, 2, 5, True)] == [1]


def test_notes_are_left_out_unless_asked_for(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="public 1"))
    store.append_message(ticket.id, NewMessage(sender=AGENT, text="private", kind="note"))
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="public 2"))
    for fetch in (
        lambda notes: store.messages_after(ticket.id, 0, 10, notes),
        lambda notes: store.messages_before(ticket.id, None, 10, notes),
    ):
        assert [m.seq for m in fetch(True)] == [1, 2, 3]
        assert [m.text for m in fetch(False)] == ["public 1", "public 2"]


def test_a_note_does_not_change_what_guests_see_of_the_ticket(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store, text="public")
    store.append_message(ticket.id, NewMessage(sender=AGENT, text="secret", kind="note"))
    after = store.get_ticket(ticket.id)
    assert (after.last_seq, after.last_public_seq) == (2, 1)
    assert (after.last_message_preview, after.preview_seq) == ("public", 1)
    assert after.last_message_at == ticket.last_message_at


def test_a_bot_reply_leaves_the_customers_question_as_the_unread_preview(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store, text="Where is my order?")
    next_millisecond()
    store.append_message(ticket.id, NewMessage(sender=BOT, text="Thanks!"))
    after = store.get_ticket(ticket.id)
    assert (after.last_message_preview, after.preview_seq) == ("Where is my order?", 1)
    assert (after.last_seq, after.last_public_seq, after.agent_read_seq) == (2, 2, 0)
    assert after.last_message_at > ticket.last_message_at  # still the latest activity


def test_a_bot_reply_keeps_a_read_ticket_read(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store, text="Where is my order?")
    store.append_message(ticket.id, NewMessage(sender=AGENT, text="On its way."))
    store.append_message(ticket.id, NewMessage(sender=BOT, text="Anything else?"))
    after = store.get_ticket(ticket.id)
    assert after.last_message_preview == "On its way."
    assert after.agent_read_seq == after.last_seq == 3
    assert after.guest_read_seq == 1  # the customer has not seen either reply yet


def test_customer_and_agent_messages_after_a_bot_reply_move_the_preview_again(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store, text="Hello")
    store.append_message(ticket.id, NewMessage(sender=BOT, text="Thanks!"))
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="Still there?"))
    assert store.get_ticket(ticket.id).last_message_preview == "Still there?"
    assert store.get_ticket(ticket.id).preview_seq == 3
    store.append_message(ticket.id, NewMessage(sender=AGENT, text="Yes, looking now."))
    after = store.get_ticket(ticket.id)
    assert (after.last_message_preview, after.preview_seq) == ("Yes, looking now.", 4)
    assert after.agent_read_seq == after.last_seq == 4


def test_the_customer_waits_from_the_oldest_unanswered_message_until_an_agent_answers(
    ticket_store,
):
    _app, store = ticket_store
    ticket = open_ticket(store, text="Where is my order?")
    asked = store.get_ticket(ticket.id).waiting_since
    assert asked is not None and asked == ticket.last_message_at
    next_millisecond()
    store.append_message(ticket.id, NewMessage(sender=BOT, text="Thanks!"))
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="Hello?"))
    store.append_message(ticket.id, NewMessage(sender=AGENT, text="Checking", kind="note"))
    waiting = store.get_ticket(ticket.id)
    assert waiting.waiting_since == asked  # neither the bot, a second ask nor a note moves it
    assert waiting.first_reply_at is None
    next_millisecond()
    store.append_message(ticket.id, NewMessage(sender=AGENT, text="On its way."))
    answered = store.get_ticket(ticket.id)
    assert answered.waiting_since is None
    assert answered.first_reply_at == answered.last_message_at
    next_millisecond()
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="Thanks, and another thing"))
    store.append_message(ticket.id, NewMessage(sender=AGENT, text="Sure"))
    again = store.get_ticket(ticket.id)
    assert again.waiting_since is None
    assert again.first_reply_at == answered.first_reply_at  # the first answer stays the first


def test_appending_to_an_unknown_ticket_is_not_found(ticket_store):
    _app, store = ticket_store
    with pytest.raises(AppError) as raised:
        store.append_message("no-such-ticket", NewMessage(sender=GUEST, text="hi"))
    assert raised.value.code == "not_found"


def test_a_customer_writes_only_in_their_own_ticket_and_signs_with_its_label(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store, client_key="client-a")
    closed = open_ticket(store, client_key="client-a")
    store.close_ticket(closed.id, AGENT)
    unsigned = {**GUEST, "name": None}
    # Another customer's ticket does not exist for them, open or closed (not "ticket_closed").
    for target, key in ((ticket.id, "client-b"), (closed.id, "client-b"), ("nope", "client-a")):
        with pytest.raises(AppError) as raised:
            store.append_message(target, NewMessage(sender=unsigned, text="x", client_key=key))
        assert raised.value.code == "not_found"
    assert store.get_ticket(ticket.id).last_seq == 0  # nothing numbered, nothing stored
    message, created, bot_active = store.append_message(
        ticket.id, NewMessage(sender=unsigned, text="mine", client_key="client-a")
    )
    assert created and not bot_active
    assert message.sender == {**GUEST, "name": CUSTOMER["label"]}
    assert store.messages_after(ticket.id, 0, 10, include_notes=True) == [message]


def test_an_append_says_whether_the_bot_answers_the_ticket(ticket_store):
    _app, store = ticket_store
    ticket, _ = store.create_ticket("client-a", None, CUSTOMER, bot_active=True)
    first = store.append_message(ticket.id, NewMessage(sender=GUEST, text="hi", client_msg_id="1"))
    again = store.append_message(ticket.id, NewMessage(sender=GUEST, text="hi", client_msg_id="1"))
    store.set_bot(ticket.id, False)
    later = store.append_message(ticket.id, NewMessage(sender=GUEST, text="still there?"))
    assert [(a.created, a.bot_active) for a in (first, again, later)] == [
        (True, True),
        (False, False),  # a resend asks nothing new
        (True, False),
    ]


# --- closing, assigning, reading -----------------------------------------------------------


def test_a_closed_ticket_refuses_new_messages(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store, text="hi")
    closed = store.close_ticket(ticket.id, AGENT)
    assert closed.status == "closed" and closed.closed_by == AGENT and closed.closed_at
    with pytest.raises(AppError) as raised:
        store.append_message(ticket.id, NewMessage(sender=GUEST, text="still there?"))
    assert raised.value.code == "ticket_closed"
    assert store.get_ticket(ticket.id).last_seq == 1


def test_closing_a_closed_ticket_changes_nothing(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    first = store.close_ticket(ticket.id, AGENT)
    again = store.close_ticket(ticket.id, {"id": "agent-2", "role": "agent", "name": "Ben"})
    assert again == first


def test_closing_an_unknown_ticket_is_not_found(ticket_store):
    _app, store = ticket_store
    with pytest.raises(AppError) as raised:
        store.close_ticket("no-such-ticket", AGENT)
    assert raised.value.code == "not_found"


def test_a_ticket_can_be_assigned_and_unassigned(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    assigned = store.assign_ticket(ticket.id, {"id": "agent-1", "name": "Ana"})
    assert assigned.assignee == {"id": "agent-1", "name": "Ana"}
    assert store.get_ticket(ticket.id).assignee == {"id": "agent-1", "name": "Ana"}
    assert store.assign_ticket(ticket.id, None).assignee is None


def test_assigning_an_unknown_ticket_is_not_found(ticket_store):
    _app, store = ticket_store
    with pytest.raises(AppError) as raised:
        store.assign_ticket("no-such-ticket", {"id": "agent-1", "name": "Ana"})
    assert raised.value.code == "not_found"


def test_read_position_only_moves_forward(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    assert store.mark_read(ticket.id, "agent", 4).agent_read_seq == 4
    assert store.mark_read(ticket.id, "agent", 2).agent_read_seq == 4
    assert store.mark_read(ticket.id, "guest", 3).guest_read_seq == 3
    assert store.get_ticket(ticket.id).agent_read_seq == 4


def test_each_agents_own_read_position_only_moves_forward(ticket_store):
    _app, store = ticket_store
    first, second = open_ticket(store, "client-a"), open_ticket(store, "client-b")
    assert store.agent_reads("agent-1", [first.id, second.id]) == {}
    store.mark_agent_read("agent-1", first.id, 3)
    store.mark_agent_read("agent-1", first.id, 2)
    store.mark_agent_read("agent-2", second.id, 5)
    assert store.agent_reads("agent-1", [first.id, second.id]) == {first.id: 3}
    assert store.agent_reads("agent-2", [first.id, second.id]) == {second.id: 5}
    assert store.agent_reads("agent-1", []) == {}
    assert store.get_ticket(first.id).agent_read_seq == 0  # the team's position is apart


def test_writing_marks_the_writers_side_as_read(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    store.append_message(ticket.id, NewMessage(sender=GUEST, text="question"))
    store.append_message(ticket.id, NewMessage(sender=AGENT, text="answer"))
    after = store.get_ticket(ticket.id)
    assert (after.guest_read_seq, after.agent_read_seq) == (1, 2)
    assert store.agent_reads(AGENT["id"], [ticket.id]) == {ticket.id: 2}  # their own, too
    store.append_message(ticket.id, NewMessage(sender=AGENT, text="a note", kind="note"))
    assert store.agent_reads(AGENT["id"], [ticket.id]) == {ticket.id: 3}
    assert store.agent_reads(GUEST["id"], [ticket.id]) == {}


def test_marking_an_unknown_ticket_read_is_not_found(ticket_store):
    _app, store = ticket_store
    with pytest.raises(AppError) as raised:
        store.mark_read("no-such-ticket", "guest", 1)
    assert raised.value.code == "not_found"


# --- files ---------------------------------------------------------------------------------


def test_file_metadata_is_stored_and_found_by_id(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    stored = store.add_file(ticket.id, "report.pdf", 1234, "application/pdf", "guest-1")
    assert (stored.ticket_id, stored.name, stored.size, stored.type, stored.uploader_id) == (
        ticket.id,
        "report.pdf",
        1234,
        "application/pdf",
        "guest-1",
    )
    assert store.get_file(stored.id) == stored
    assert store.get_file("no-such-file") is None


def test_file_metadata_can_be_recorded_under_the_file_stores_key(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    stored = store.add_file(ticket.id, "a.png", 10, "image/png", "guest-1", file_id="abc123")
    assert stored.id == "abc123" and store.get_file("abc123") == stored


def test_files_are_listed_newest_first_per_ticket_and_page_by_cursor(ticket_store):
    _app, store = ticket_store
    ticket, other = open_ticket(store), open_ticket(store, client_key="client-b")
    # Added in a tight loop, several share a millisecond: the cursor must break ties by id.
    added = [store.add_file(ticket.id, f"f{n}.txt", n, "text/plain", "guest-1") for n in range(7)]
    store.add_file(other.id, "elsewhere.txt", 1, "text/plain", "guest-2")
    seen, cursor = [], None
    while page := store.list_files(ticket.id, cursor, 3):
        seen.extend(page)
        cursor = (page[-1].created_at, page[-1].id)
    assert seen == sorted(added, key=lambda f: (f.created_at, f.id), reverse=True)
    assert len(store.list_files(None, None, 100)) == 8


# --- concurrency ---------------------------------------------------------------------------


def concurrently(app, count, work):
    """Run ``work(n)`` for n in range(count) on real threads released together."""
    start = threading.Barrier(count)

    def run(n):
        with app.app_context():
            start.wait(timeout=30)
            return work(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_appends_get_gap_free_unique_numbers(ticket_store):
    app, store = ticket_store
    ticket = open_ticket(store)
    results = concurrently(
        app,
        50,
        lambda n: store.append_message(ticket.id, NewMessage(sender=GUEST, text=f"message {n}"))[0],
    )
    assert sorted(message.seq for message in results) == list(range(1, 51))
    assert len({message.id for message in results}) == 50
    stored = store.messages_after(ticket.id, 0, 100, include_notes=True)
    assert [message.seq for message in stored] == list(range(1, 51))
    assert store.get_ticket(ticket.id).last_seq == 50


def test_concurrent_retries_of_one_send_store_one_message(ticket_store):
    app, store = ticket_store
    ticket = open_ticket(store)
    results = concurrently(
        app,
        20,
        lambda n: store.append_message(
            ticket.id, NewMessage(sender=GUEST, text="only once", client_msg_id="retry-me")
        ),
    )
    assert len({(appended.message.id, appended.message.seq) for appended in results}) == 1
    assert sum(appended.created for appended in results) == 1
    assert [m.text for m in store.messages_after(ticket.id, 0, 100, True)] == ["only once"]
    assert store.get_ticket(ticket.id).last_seq == 1


def test_concurrent_first_messages_of_a_session_open_one_ticket(ticket_store):
    app, store = ticket_store
    results = concurrently(
        app, 10, lambda n: store.create_ticket("client-a", "session-1", CUSTOMER)
    )
    assert len({ticket.id for ticket, _ in results}) == 1
    assert sum(created for _, created in results) == 1


# --- the guest sequence (PROTOCOL.md §2, v1.1) ----------------------------------------------


def append_mixed(store, ticket_id):
    """guest, note, agent, note, note, bot, guest: agent seq 1..7, guest seq 1..4."""
    senders = [
        (GUEST, "message"),
        (AGENT, "note"),
        (AGENT, "message"),
        (AGENT, "note"),
        (AGENT, "note"),
        (BOT, "message"),
        (GUEST, "message"),
    ]
    return [
        store.append_message(ticket_id, NewMessage(sender=sender, text=f"m{n}", kind=kind))[0]
        for n, (sender, kind) in enumerate(senders, 1)
    ]


def test_guests_number_what_they_see_without_gaps_and_notes_get_no_guest_seq(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    stored = append_mixed(store, ticket.id)
    assert [m.seq for m in stored] == [1, 2, 3, 4, 5, 6, 7]
    assert [m.guest_seq for m in stored] == [1, None, 2, None, None, 3, 4]
    after = store.get_ticket(ticket.id)
    assert (after.last_seq, after.last_public_seq, after.last_guest_seq) == (7, 7, 4)
    # What is read back carries the same numbers.
    assert store.messages_after(ticket.id, 0, 10, include_notes=True) == stored


def test_the_guests_view_is_bounded_and_ordered_by_guest_seq(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    append_mixed(store, ticket.id)

    def guest_seqs(found):
        return [m.guest_seq for m in found]

    assert guest_seqs(store.messages_after(ticket.id, 0, 10, include_notes=False)) == [1, 2, 3, 4]
    # sinceSeq 2 in guest numbering is agent seq 3: the guest gets guest seq 3 and 4.
    assert guest_seqs(store.messages_after(ticket.id, 2, 10, include_notes=False)) == [3, 4]
    assert guest_seqs(store.messages_after(ticket.id, 3, 1, include_notes=False)) == [4]
    assert store.messages_after(ticket.id, 4, 10, include_notes=False) == []
    assert guest_seqs(store.messages_before(ticket.id, None, 2, False)) == [3, 4]
    assert guest_seqs(store.messages_before(ticket.id, 3, 10, False)) == [1, 2]
    # Agents keep the full sequence.
    assert [m.seq for m in store.messages_after(ticket.id, 2, 10, True)] == [3, 4, 5, 6, 7]
    assert [m.seq for m in store.messages_before(ticket.id, 3, 10, True)] == [1, 2]


def test_a_repeated_send_returns_the_same_guest_seq(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    store.append_message(ticket.id, NewMessage(sender=AGENT, text="note", kind="note"))
    first, *_ = store.append_message(
        ticket.id, NewMessage(sender=GUEST, text="hi", client_msg_id="c-1")
    )
    again, created, _ = store.append_message(
        ticket.id, NewMessage(sender=GUEST, text="hi", client_msg_id="c-1")
    )
    assert not created and again == first
    assert (again.seq, again.guest_seq) == (2, 1)
    assert store.get_ticket(ticket.id).last_guest_seq == 1


def test_positions_translate_between_the_two_sequences(ticket_store):
    _app, store = ticket_store
    ticket = open_ticket(store)
    append_mixed(store, ticket.id)  # guest seq 1..4 are agent seq 1, 3, 6, 7
    assert [store.guest_position(ticket.id, seq) for seq in range(8)] == [0, 1, 1, 2, 2, 2, 3, 4]
    assert [store.agent_position(ticket.id, g) for g in range(5)] == [0, 1, 3, 6, 7]
    assert store.agent_position(ticket.id, 5) == 0
    assert store.guest_position("no-such-ticket", 3) == 0


def test_concurrent_appends_with_notes_keep_both_sequences_gap_free(ticket_store):
    app, store = ticket_store
    ticket = open_ticket(store)

    def send(n):
        kind = "note" if n % 3 == 0 else "message"
        return store.append_message(ticket.id, NewMessage(sender=AGENT, text=f"{n}", kind=kind))[0]

    results = concurrently(app, 30, send)
    assert sorted(m.seq for m in results) == list(range(1, 31))
    public = sorted(results, key=lambda m: m.seq)
    assert [m.guest_seq for m in public if m.kind != "note"] == list(range(1, 21))
    assert all(m.guest_seq is None for m in results if m.kind == "note")
    assert store.get_ticket(ticket.id).last_guest_seq == 20
