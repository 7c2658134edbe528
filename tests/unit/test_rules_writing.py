"""A customer writes in a session, an agent in a ticket: the rules, without a server."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

import pytest

from supportchat.errors import AppError
from supportchat.services import messages, tickets
from supportchat.services.tickets import Session
from supportchat.stores.sql import SqlTicketStore


def refused(code: str, call, *args, **kwargs) -> AppError:
    """The AppError ``call`` raises; fails the test if it raises another code or none."""
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.to_dict()
    return caught.value


def test_the_first_message_of_a_session_opens_its_ticket_and_tells_agents_once(ctx, customer):
    written = messages.write(ctx, customer, "Hello", session=Session("s-1"))
    again = messages.write(ctx, customer, "Still there?", session=Session("s-1"))
    assert written.ticket_id == again.ticket_id
    assert [item["id"] for item in ctx.publish.named("ticket:created")] == [written.ticket_id]
    assert [written.message.seq, again.message.seq] == [1, 2]


def test_messages_are_numbered_one_by_one_notes_included(ctx, customer, ana):
    ticket_id = messages.write(ctx, customer, "Hi", session=Session("s-1")).ticket_id
    note = messages.write(ctx, ana, "VIP", ticket_id=ticket_id, kind="note")
    reply = messages.write(ctx, ana, "Hello!", ticket_id=ticket_id)
    assert [note.message.seq, reply.message.seq] == [2, 3]
    assert ctx.store.get_ticket(ticket_id).last_public_seq == 3


def test_a_repeated_client_msg_id_returns_the_stored_message_and_publishes_nothing(ctx, customer):
    first = messages.write(ctx, customer, "Hello", session=Session("s-1"), client_msg_id="m-1")
    second = messages.write(ctx, customer, "Hello", session=Session("s-1"), client_msg_id="m-1")
    assert second.message == first.message
    ticket_id = first.ticket_id
    heard = [
        (audience, m["id"]) for audience, name, m in ctx.publish.events if name == "chat:message"
    ]
    # Once to the room's agents and once to its guests, each numbered in its own sequence.
    assert heard == [
        (f"ticket:{ticket_id}", first.message.id),
        (f"guests:{ticket_id}", first.message.id),
    ]
    assert ctx.publish.stored[ticket_id] == 1


def test_text_is_stored_normalized_and_without_control_characters(ctx, customer):
    written = messages.write(
        ctx, customer, "  Cafe\u0301\r\nbill\u200b\x07  ", session=Session("s-1")
    )
    assert written.message.text == "Caf\u00e9\nbill"


@pytest.mark.parametrize("text", ["", "   ", "\u200b\x00"])
def test_an_empty_message_is_refused_before_a_ticket_opens(ctx, customer, text):
    error = refused("invalid", messages.write, ctx, customer, text, session=Session("s-1"))
    assert error.details == {"field": "text"}
    assert ctx.store.latest_for_session("s-1") is None
    assert ctx.publish.events == []


def test_a_message_over_the_limit_is_refused_with_the_limit(make_ctx, customer):
    ctx = make_ctx(MAX_MESSAGE_CHARS="10")
    messages.write(ctx, customer, "x" * 10, session=Session("s-1"))
    error = refused("too_large", messages.write, ctx, customer, "x" * 11, session=Session("s-1"))
    assert error.details == {"field": "text", "limit": 10}


def test_the_profanity_filter_masks_or_rejects_listed_words(make_ctx, customer):
    masking = make_ctx(PROFANITY_FILTER="mask", PROFANITY_WORDS="darn")
    written = messages.write(masking, customer, "Darn it, darned", session=Session("s-1"))
    assert written.message.text == "**** it, darned"
    rejecting = make_ctx(PROFANITY_FILTER="reject", PROFANITY_WORDS="darn")
    refused("invalid", messages.write, rejecting, customer, "darn", session=Session("s-2"))


def test_a_closed_session_refuses_more_messages_but_ticket_create_opens_a_new_one(
    ctx, customer, ana
):
    first = messages.write(ctx, customer, "Hi", session=Session("s-1")).ticket_id
    tickets.close(ctx, ana, first)
    refused("ticket_closed", messages.write, ctx, customer, "Hello?", session=Session("s-1"))
    refused("ticket_closed", messages.write, ctx, customer, "Hello?", ticket_id=first)
    reopened = messages.write(ctx, customer, "Hello?", session=Session("s-1"), reopen=True)
    assert reopened.ticket_id != first
    assert tickets.accessible(ctx, customer, reopened.ticket_id).status == "open"


def test_another_customers_session_and_ticket_do_not_exist_for_them(ctx, customer, other_customer):
    ticket_id = messages.write(ctx, customer, "Mine", session=Session("s-1")).ticket_id
    refused("not_found", messages.write, ctx, other_customer, "Yours?", session=Session("s-1"))
    refused(
        "not_found",
        messages.write,
        ctx,
        other_customer,
        "Yours?",
        session=Session("s-1"),
        reopen=True,
    )
    refused("not_found", messages.write, ctx, other_customer, "Yours?", ticket_id=ticket_id)
    refused("not_found", tickets.accessible, ctx, other_customer, ticket_id)


def test_agents_read_any_ticket_but_cannot_open_one(ctx, customer, ana):
    ticket_id = messages.write(ctx, customer, "Hi", session=Session("s-1")).ticket_id
    assert tickets.accessible(ctx, ana, ticket_id).id == ticket_id
    refused("forbidden", tickets.open, ctx, ana, Session("s-9"))


def test_only_agents_write_private_notes(ctx, customer):
    ticket_id = messages.write(ctx, customer, "Hi", session=Session("s-1")).ticket_id
    error = refused(
        "forbidden", messages.write, ctx, customer, "psst", ticket_id=ticket_id, kind="note"
    )
    assert error.details == {"field": "kind"}


def test_attachments_must_be_files_of_this_conversation_and_at_most_ten(ctx, customer):
    ticket_id = messages.write(ctx, customer, "Hi", session=Session("s-1")).ticket_id
    refused(
        "too_large",
        messages.write,
        ctx,
        customer,
        "",
        ticket_id=ticket_id,
        attachments=[f"f{index}" for index in range(11)],
    )
    error = refused(
        "invalid", messages.write, ctx, customer, "", ticket_id=ticket_id, attachments=["f1"]
    )
    assert error.details == {"field": "attachments", "id": "f1"}
    stored = ctx.store.add_file(ticket_id, "a.txt", 3, "text/plain", customer.id)
    written = messages.write(ctx, customer, "", ticket_id=ticket_id, attachments=[stored.id])
    assert [item["id"] for item in written.message.attachments] == [stored.id]


def test_the_first_customer_message_gets_the_automatic_reply_once(ctx, customer):
    ctx.section.changed["behavior"] = {"autoReply": "We answer within the hour."}
    first = messages.write(ctx, customer, "Hi", session=Session("s-1"))
    second = messages.write(ctx, customer, "Hello?", session=Session("s-1"))
    assert [reply.text for reply in first.replies] == ["We answer within the hour."]
    assert first.replies[0].sender == {"id": "bot", "role": "bot", "name": "Support"}
    assert second.replies == []


def test_a_customer_identity_is_verified_only_with_the_right_hmac(make_ctx, customer):
    ctx = make_ctx(IDENTITY_HMAC_SECRET="s3cret")
    good = hmac.new(b"s3cret", b"jane@example.com", hashlib.sha256).hexdigest()
    who = {"email": "jane@example.com"}
    verified = messages.write(ctx, customer, "Hi", session=Session("s-1", who, None, good))
    forged = messages.write(ctx, customer, "Hi", session=Session("s-2", who, None, "0" * 64))
    customer_of = {
        written.ticket_id: tickets.accessible(ctx, customer, written.ticket_id).customer
        for written in (verified, forged)
    }
    assert customer_of[verified.ticket_id]["verified"] is True
    assert customer_of[verified.ticket_id]["label"] == "jane@example.com"
    assert customer_of[forged.ticket_id]["verified"] is False
    # A customer's messages are signed with their ticket's label, in every ticket they write in.
    again = messages.write(ctx, customer, "Still me", ticket_id=verified.ticket_id)
    assert [verified.message.sender["name"], again.message.sender["name"]] == [
        "jane@example.com",
        "jane@example.com",
    ]
    assert forged.message.sender["name"] == customer_of[forged.ticket_id]["label"]


class CountingStore(SqlTicketStore):
    """The SQLite store, counting the ticket reads a write makes."""

    reads = 0

    def get_ticket(self, ticket_id):
        self.reads += 1
        return super().get_ticket(ticket_id)

    def latest_for_session(self, session_id):
        self.reads += 1
        return super().latest_for_session(session_id)


def test_a_customer_message_reads_its_ticket_once(ctx, engine, customer):
    counting = replace(ctx, store=CountingStore(engine))
    messages.write(counting, customer, "Hi", session=Session("s-1"))
    counting.store.reads = 0
    messages.write(counting, customer, "Again", session=Session("s-1"))
    assert counting.store.reads == 1


def test_a_message_in_a_ticket_named_by_id_reads_no_ticket_unless_it_attaches_files(
    ctx, engine, customer, other_customer, ana
):
    counting = replace(ctx, store=CountingStore(engine))
    ticket_id = messages.write(counting, customer, "Hi", session=Session("s-1")).ticket_id
    counting.store.reads = 0
    messages.write(counting, customer, "Again", ticket_id=ticket_id)
    messages.write(counting, ana, "Hello!", ticket_id=ticket_id)
    assert counting.store.reads == 0
    # The append itself keeps others out: no message lands, no number is taken.
    refused("not_found", messages.write, counting, other_customer, "Mine?", ticket_id=ticket_id)
    refused("not_found", messages.write, counting, ana, "Lost", ticket_id="no-such-ticket")
    assert counting.store.get_ticket(ticket_id).last_seq == 3
    counting.store.reads = 0
    refused(
        "invalid", messages.write, counting, customer, "", ticket_id=ticket_id, attachments=["f"]
    )
    assert counting.store.reads == 1
