"""Tickets: who may list, read, close and mark them, and the inbox's paging."""

from __future__ import annotations

import pytest

from supportchat.errors import AppError
from supportchat.services import messages, tickets
from supportchat.services.tickets import Session


def refused(code: str, call, *args, **kwargs) -> AppError:
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.to_dict()
    return caught.value


def opened(ctx, customer, session_id: str = "s-1", text: str = "Hi") -> str:
    return messages.write(ctx, customer, text, session=Session(session_id)).ticket_id


def test_customers_neither_list_nor_close_tickets(ctx, customer):
    ticket_id = opened(ctx, customer)
    refused("forbidden", tickets.page, ctx, customer)
    refused("forbidden", tickets.close, ctx, customer, ticket_id)


def test_closing_twice_closes_once_and_the_room_hears_it_once(ctx, customer, ana):
    ticket_id = opened(ctx, customer)
    first = tickets.close(ctx, ana, ticket_id)
    second = tickets.close(ctx, ana, ticket_id)
    assert first.closed_at == second.closed_at
    assert [item["closedBy"] for item in ctx.publish.named("ticket:closed")] == [
        {"id": ana.id, "role": "agent", "name": "Ana"}
    ]


def test_typing_in_a_closed_ticket_is_refused(ctx, customer, ana):
    ticket_id = opened(ctx, customer)
    tickets.close(ctx, ana, ticket_id)
    refused("ticket_closed", tickets.typing, ctx, customer, ticket_id, False)


def test_reading_never_goes_past_what_the_side_can_see_nor_backwards(ctx, customer, ana):
    ticket_id = opened(ctx, customer)
    messages.write(ctx, ana, "note", ticket_id=ticket_id, kind="note")
    assert tickets.mark_read(ctx, customer, ticket_id, 99).guest_read_seq == 1
    assert tickets.mark_read(ctx, ana, ticket_id, 99).agent_read_seq == 2
    assert tickets.mark_read(ctx, customer, ticket_id, 0).guest_read_seq == 1


def test_guests_never_see_notes_in_history_or_join(ctx, customer, ana):
    ticket_id = opened(ctx, customer)
    messages.write(ctx, ana, "VIP", ticket_id=ticket_id, kind="note")
    messages.write(ctx, ana, "Hello", ticket_id=ticket_id)
    _ticket, seen, _more = tickets.join(ctx, customer, ticket_id, None)
    assert [item.text for item in seen] == ["Hi", "Hello"]
    found, more = tickets.history(ctx, ana, ticket_id, None, 2)
    assert ([item.text for item in found], more) == (["VIP", "Hello"], True)


def test_paging_the_inbox_visits_every_ticket_once(ctx, customer, ana):
    created = [opened(ctx, customer, f"s-{index}") for index in range(5)]
    seen, cursor = [], None
    while True:
        found, cursor = tickets.page(ctx, ana, cursor=cursor, limit=2)
        seen += [ticket.id for ticket in found]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created)  # ties in activity time are ordered by id


def test_a_cursor_the_server_did_not_give_out_is_refused(ctx, ana):
    error = refused("invalid", tickets.page, ctx, ana, cursor="not a cursor")
    assert error.details == {"field": "cursor"}
