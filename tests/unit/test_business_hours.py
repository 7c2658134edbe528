"""Business hours: local intervals in the hours' own time zone, end excluded."""

from datetime import UTC, datetime

from supportchat.services.business_hours import within

BERLIN = {"timezone": "Europe/Berlin", "days": {"mon": [["09:00", "17:30"]], "sat": []}}


def test_no_hours_means_no_answer():
    assert within(None, datetime.now(UTC)) is None


def test_intervals_are_read_in_the_hours_time_zone():
    # Monday 2026-11-30: Berlin is UTC+1 in winter.
    assert within(BERLIN, datetime(2026, 11, 30, 7, 59, tzinfo=UTC)) is False
    assert within(BERLIN, datetime(2026, 11, 30, 8, 0, tzinfo=UTC)) is True
    assert within(BERLIN, datetime(2026, 11, 30, 16, 29, tzinfo=UTC)) is True
    assert within(BERLIN, datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) is False


def test_a_day_without_intervals_is_closed():
    assert within(BERLIN, datetime(2026, 12, 5, 12, 0, tzinfo=UTC)) is False
    assert within(BERLIN, datetime(2026, 12, 1, 12, 0, tzinfo=UTC)) is False  # tuesday: unlisted
