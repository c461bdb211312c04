"""The calendar feed of open deadlines from the bot's web server, behind a long random token, over HTTP on
127.0.0.1 (aiohttp's own test utilities). On SQLite, and PostgreSQL when PANELBOT_TEST_DATABASE_URL is
set. The report commands themselves: tests/integration/test_reports_commands.py.
"""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from test_reports_commands import SUMMARY, TOKEN, filed_and_decided  # the panel and its calendar token

from bot.server import make_app


async def test_the_calendar_route_serves_the_feed_for_the_right_token_only(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, r1, r2 = await filed_and_decided(make_panel, clock)
    async with TestClient(TestServer(make_app(panel, calendar_token=TOKEN), host="127.0.0.1")) as client:
        response = await client.get(f"/calendar/{TOKEN}.ics")
        assert response.status == 200
        assert response.content_type == "text/calendar"
        body = await response.read()
        for wrong in (TOKEN[:-1] + "X", TOKEN[:-1], TOKEN + "0", "x", "healthz"):
            assert (await client.get(f"/calendar/{wrong}.ics")).status == 404
        assert (await client.get(f"/calendar/{TOKEN}")).status == 404
    cal = Calendar.from_ical(body)
    summaries = sorted(str(e["SUMMARY"]) for e in cal.walk("VEVENT"))
    # Still open at 10:30: SAL-2026-001's LA notification (5 WD) and SAL-2026-002's decision, request and
    # National Panel clocks, and LA notification. "meets neither threshold" stopped -001's other clocks.
    assert summaries == sorted([
        f"{r1} · Baby A: Local authority notification to the National Panel",
        f"{r2} · Baby A: Virtual panel decision",
        f"{r2} · Baby A: Agency summary and chronology requests sent",
        f"{r2} · Baby A: Rapid review result with the National Panel",
        f"{r2} · Baby A: Local authority notification to the National Panel",
    ])
    assert SUMMARY.encode() not in body and b"school nurse" not in body  # never the summary


async def test_without_a_token_the_calendar_route_is_not_there(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    async with TestClient(TestServer(make_app(panel), host="127.0.0.1")) as client:
        assert (await client.get(f"/calendar/{TOKEN}.ics")).status == 404
        assert (await client.get("/calendar/.ics")).status == 404
        assert (await client.get("/healthz")).status == 200
