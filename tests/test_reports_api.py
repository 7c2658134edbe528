"""GET /api/admin/reports (PROTOCOL.md §3.7): agents read the figures of a window per day or
week, as JSON or CSV; the figures themselves are tested per database in test_reports_store."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from support.http import error_of


def today() -> date:
    return datetime.now(UTC).date()


def a_conversation(client, guest, agent) -> date:
    """Opens and answers one conversation; returns the (UTC) day it opened on, which is its
    bucket even when a run crosses midnight between this and the report."""
    asked = client.post("/api/chat", json={"clientId": guest, "sessionId": "s-1", "message": "Hi"})
    ticket_id = asked.get_json()["ticketId"]
    answered = client.post(
        "/api/admin/messages",
        json={"conversationId": ticket_id, "text": "Hello!"},
        headers=agent.headers,
    )
    assert answered.status_code == 201
    return date.fromisoformat(asked.get_json()["message"]["createdAt"][:10])


def test_agents_read_the_last_30_days_by_default(client, agent, guest):
    opened = a_conversation(client, guest, agent)
    response = client.get("/api/admin/reports", headers=agent.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    end = date.fromisoformat(report["end"])
    assert end in (opened, today())
    assert (report["start"], report["bucket"]) == ((end - timedelta(days=29)).isoformat(), "day")
    totals = report["totals"]
    assert (totals["conversations"], totals["messages"], totals["botResolved"]) == (1, 2, 0)
    assert totals["firstResponseSeconds"]["p50"] >= 0
    assert totals["resolutionSeconds"] == {"p50": None, "p90": None}
    assert totals["csat"] == {
        "count": 0,
        "average": None,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
    }
    assert len(report["series"]) == 30
    assert report["series"][-1]["start"] == report["end"]
    per_day = {row["start"]: row["conversations"] for row in report["series"]}
    assert per_day[opened.isoformat()] == 1 and sum(per_day.values()) == 1
    assert set(report["series"][0]) == {
        "start",
        "conversations",
        "messages",
        "firstResponseP50",
        "csatAverage",
    }


def test_weeks_start_on_monday_and_cover_the_window(client, admin):
    query = "?from=2026-03-04&to=2026-03-17&bucket=week"
    report = client.get(f"/api/admin/reports{query}", headers=admin.headers).get_json()
    assert [row["start"] for row in report["series"]] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert report["totals"]["conversations"] == 0


def test_the_csv_download_has_one_row_a_bucket(client, agent, guest):
    day = a_conversation(client, guest, agent).isoformat()
    response = client.get(
        f"/api/admin/reports?from={day}&to={day}&format=csv", headers=agent.headers
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    assert (rows[0]["start"], rows[0]["conversations"], rows[0]["messages"]) == (day, "1", "2")
    assert rows[0]["csatAverage"] == ""


def test_bad_windows_are_refused(client, agent):
    for query, field in [
        ("?from=2026-03-10&to=2026-03-01", "from"),
        ("?from=2024-01-01&to=2026-03-01", "from"),
        ("?from=yesterday", "from"),
        ("?to=2026-02-30", "to"),
        ("?bucket=month", "bucket"),
        ("?format=xml", "format"),
    ]:
        error = error_of(
            client.get(f"/api/admin/reports{query}", headers=agent.headers), 400, "invalid"
        )
        assert error["details"]["field"] == field, query


def test_customers_and_strangers_may_not_read_reports(client, guest):
    error_of(client.get("/api/admin/reports"), 401, "unauthorized")
    error_of(client.get("/api/admin/reports", headers={"X-Client-Id": guest}), 401, "unauthorized")


@pytest.mark.mongo
def test_the_report_is_read_from_mongodb_when_tickets_live_there(app_builder, mongo_uri, guest):
    from support.http import sign_in

    client = app_builder(None, MONGO_URI=mongo_uri).test_client()
    agent = sign_in(client)
    day = a_conversation(client, guest, agent).isoformat()
    report = client.get(
        f"/api/admin/reports?from={day}&to={day}&bucket=week", headers=agent.headers
    ).get_json()
    assert (report["totals"]["conversations"], report["totals"]["messages"]) == (1, 2)
    assert report["totals"]["firstResponseSeconds"]["p50"] >= 0
    assert report["series"][0]["conversations"] == 1


def test_the_reports_page_reads_durations_as_people_do():
    from supportchat.blueprints.admin_console import duration

    seconds = (None, 0.5, 3.0, 3.42, 59.96, 104.894, 3725, 90000)
    assert [duration(value) for value in seconds] == [
        "–",
        "0.5 s",
        "3 s",
        "3.4 s",
        "1 min 0 s",
        "1 min 45 s",
        "1 h 2 min",
        "1 d 1 h",
    ]
