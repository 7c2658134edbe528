"""The reports' figures computed by each database (TicketStore.report; definitions in
supportchat/stores/reports.py), on a hand-built set of tickets with known times, on SQLite,
PostgreSQL and MongoDB (fixture ``ticket_store``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from supportchat.stores import NewMessage

GUEST = {"id": "guest-1", "role": "guest", "name": "Visitor 1A2B"}
AGENT = {"id": "agent-1", "role": "agent", "name": "Ana"}
BOT = {"id": "bot", "role": "bot", "name": "Support"}
CUSTOMER = {"label": "Visitor 1A2B", "verified": False}
START, END = datetime(2026, 3, 2), datetime(2026, 3, 16)  # Monday to Monday, two weeks


@pytest.fixture
def clock(monkeypatch):
    """The stores' clock, set by the test: each write happens at a known moment."""
    now = [START]
    for module in ("supportchat.stores.sql", "supportchat.stores.mongo"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: now[0])

    def set_to(moment: datetime) -> None:
        now[0] = moment

    return set_to


class Builder:
    def __init__(self, store, clock):
        self.store, self.clock = store, clock

    def ticket(self, at: datetime, *steps, rating: int | None = None) -> str:
        """A ticket opened at ``at``; steps are (seconds after ``at``, who, kind, client id)
        or (seconds, "close")."""
        self.clock(at)
        ticket, _ = self.store.create_ticket(f"client-{at.isoformat()}", None, CUSTOMER)
        for seconds, who, *rest in steps:
            self.clock(at + timedelta(seconds=seconds))
            if who == "close":
                self.store.close_ticket(ticket.id, AGENT)
                continue
            kind, client_msg_id = (rest + ["message", None])[:2] if rest else ("message", None)
            sender = {"guest": GUEST, "agent": AGENT, "bot": BOT}[who]
            new = NewMessage(sender=sender, text="…", kind=kind, client_msg_id=client_msg_id)
            self.store.append_message(ticket.id, new)
        if rating is not None:
            rate(self.store, ticket.id, rating)
        return ticket.id


def rate(store, ticket_id: str, score: int) -> None:
    """The customer's rating, as the rating feature stores it."""
    if hasattr(store, "engine"):
        with store.engine.begin() as conn:
            conn.execute(
                text("UPDATE tickets SET rating = :score WHERE id = :id"),
                {"score": score, "id": ticket_id},
            )
    else:
        store.tickets.update_one({"_id": ticket_id}, {"$set": {"rating": score}})


@pytest.fixture
def tickets(ticket_store, clock):
    _app, store = ticket_store
    build = Builder(store, clock)
    monday, tuesday, next_monday = START, START + timedelta(days=1), START + timedelta(days=7)
    # A: answered after 100 s (the automatic reply is no answer), closed after an hour, 5 stars.
    build.ticket(
        monday + timedelta(hours=9),
        (0, "guest"),
        (0, "bot", "message", "auto-reply"),
        (100, "agent"),
        (3600, "close"),
        rating=5,
    )
    # B: a note after 10 s is no answer either; answered after 300 s, closed after 2 h, 3 stars.
    build.ticket(
        monday + timedelta(hours=12),
        (0, "guest"),
        (10, "agent", "note"),
        (300, "agent"),
        (7200, "close"),
        rating=3,
    )
    # C: the bot answered and the ticket was closed after 10 minutes, no person involved.
    build.ticket(tuesday + timedelta(hours=8), (0, "guest"), (5, "bot"), (600, "close"))
    # D: the agent wrote as the ticket opened: answered at once (first response 0 s), although
    # the customer asked 30 s later (the first response runs from the opening, stores/reports.py).
    build.ticket(tuesday + timedelta(hours=9), (0, "agent"), (30, "guest"), (50, "agent"))
    # E: next week, never answered, closed after an hour, 4 stars; the bot handed over.
    build.ticket(
        next_monday + timedelta(hours=10),
        (0, "guest"),
        (1, "bot"),
        (2, "bot", "event"),
        (3600, "close"),
        rating=4,
    )
    # Outside the window: just before it, and at its (exclusive) end.
    build.ticket(START - timedelta(seconds=1), (0, "guest"), rating=1)
    build.ticket(END, (0, "guest"), (1, "agent"), rating=1)
    return store


def test_totals_of_the_window(tickets):
    totals = tickets.report(START, END, "day").totals
    assert totals.conversations == 5
    assert totals.messages == 12  # A 3, B 2 (no note), C 2, D 3, E 2 (no event), window only
    assert totals.first_response == {50: 100.0, 90: 300.0}  # of 0, 100, 300
    assert totals.resolution == {50: 3600.0, 90: 7200.0}  # of 600, 3600, 3600, 7200
    assert (totals.rated, totals.average, totals.distribution) == (3, 4.0, [0, 0, 1, 1, 1])
    assert totals.bot_resolved == 1  # C


def test_series_by_day_and_by_week(tickets):
    days = tickets.report(START, END, "day").series
    assert sorted(days) == ["2026-03-02", "2026-03-03", "2026-03-09"]
    monday, tuesday, later = (days[key] for key in sorted(days))
    assert (monday.conversations, monday.messages, monday.first_response[50]) == (2, 5, 100.0)
    assert monday.average == 4.0
    assert (tuesday.conversations, tuesday.messages, tuesday.first_response) == (
        2,
        5,
        {50: 0.0, 90: 0.0},
    )
    assert tuesday.average is None and tuesday.bot_resolved == 1
    assert (later.conversations, later.messages, later.first_response, later.average) == (
        1,
        2,
        {},
        4.0,
    )

    weeks = tickets.report(START, END, "week").series
    assert sorted(weeks) == ["2026-03-02", "2026-03-09"]
    first = weeks["2026-03-02"]
    assert (first.conversations, first.messages, first.first_response[50], first.average) == (
        4,
        10,
        100.0,
        4.0,
    )
    assert weeks["2026-03-09"].conversations == 1


def test_an_empty_window_has_zero_figures(tickets):
    empty = tickets.report(datetime(2025, 1, 1), datetime(2025, 2, 1), "week")
    assert empty.series == {}
    assert (empty.totals.conversations, empty.totals.messages, empty.totals.rated) == (0, 0, 0)
    assert empty.totals.first_response == {} and empty.totals.average is None


def test_figures_stay_whole_past_a_cursor_batch(ticket_store, clock):
    """More tickets than a server hands out in one batch (101) are still counted once each."""
    _app, store = ticket_store
    for index in range(150):
        clock(START + timedelta(hours=index))
        store.create_ticket(f"client-{index}", None, CUSTOMER)
    data = store.report(START, END, "week")
    assert data.totals.conversations == 150
    assert sorted((key, f.conversations) for key, f in data.series.items()) == [("2026-03-02", 150)]


@pytest.mark.parametrize(
    "ticket_store", [pytest.param("mongo", marks=pytest.mark.mongo)], indirect=True
)
def test_mongo_tickets_stored_before_bot_only_are_judged_by_their_messages(tickets):
    """MongoDB keeps ``botOnly`` on tickets from now on; on those stored before (no such field)
    the report reads the messages of the closed ones no agent answered. (SQL: migration 0012
    fills the column, tests/test_report_migration.py.)"""
    assert tickets.report(START, END, "day").totals.bot_resolved == 1  # C, by its botOnly
    tickets.tickets.update_many({}, {"$unset": {"botOnly": ""}})
    data = tickets.report(START, END, "week")
    assert data.totals.bot_resolved == 1  # C, by its messages
    assert data.series["2026-03-02"].bot_resolved == 1
