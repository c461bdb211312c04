"""What the business manager reads (issue 8): the report as chat lines, terminal tables, Markdown and CSV;
the two charts (looked at by a person, and checked here for their titles, axes, UK month names and
colour-blind-safe colours); and the calendar feed (UTC times, stable UIDs, no summary).

Pure: a small report built from rows written out here, with its figures counted by hand.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime

from icalendar import Calendar

from bot.reports import charts
from bot.reports.ics import feed
from bot.reports.tables import chat_lines, csv_text, heading, markdown, report_tables, write_csv
from bot.service.reports import CalendarEntry
from flows.clocks import calendar_for
from flows.preset import load_preset
from flows.reports import (
    DeadlineRow,
    DisagreementRow,
    MeetingRow,
    Period,
    ReferralRow,
    build_report,
    meeting_timeliness,
)

SALFORD = load_preset("salford")
CAL = calendar_for(SALFORD)
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def referral(n: int, rtype: str, referrer: str, received: datetime, status: str, outcome: str | None) -> ReferralRow:
    return ReferralRow(f"SAL-2026-{n:03d}", f"Baby {'ABC'[n - 1]}", rtype, referrer, ("neglect",) if n == 1 else (),
                       received, status, outcome, "panel" if outcome else None, received if outcome else None)


ROWS = [
    referral(1, "rapid_review", "Police", utc(2026, 10, 5, 9), "decided", "commence_rapid_review"),
    referral(2, "case_review", "School", utc(2026, 11, 9, 9), "decided", "neither_threshold"),
    referral(3, "rapid_review", "Police", utc(2026, 11, 20, 9), "with_panel", None),
]
DEADLINES = [
    # Met: done the day before it was due.
    DeadlineRow("SAL-2026-001", "Baby A", "agency_return", "Agency summary and chronology returned",
                utc(2026, 10, 14, 17), utc(2026, 10, 13, 12), None, "police"),
    # Missed: due Wed 14 Oct, done Mon 19 Oct: Thu 15, Fri 16, Mon 19 = 3 working days late.
    DeadlineRow("SAL-2026-001", "Baby A", "agency_return", "Agency summary and chronology returned",
                utc(2026, 10, 14, 16), utc(2026, 10, 19, 9), None, "health"),
]
DISPUTES = [DisagreementRow("SAL-2026-002", "Baby B", "case_review", "referrer", "neither_threshold",
                            "They see a rapid review", utc(2026, 11, 12, 10))]
Q4 = Period(date(2026, 10, 1), date(2026, 12, 31), "2026-Q4")
REPORT = build_report(SALFORD, CAL, Q4, NOW, ROWS, DEADLINES, DISPUTES)


# Words -------------------------------------------------------------------------------------------------------


def test_heading_names_the_partnership_the_period_in_uk_dates_and_when() -> None:
    assert heading(REPORT, CAL) == (
        "Salford Safeguarding Children Partnership: report for 2026-Q4 (1 Oct 2026 to 31 Dec 2026), "
        "as at Mon 7 Dec 2026, 12:00"
    )
    unnamed = build_report(SALFORD, CAL, Period(date(2026, 4, 1), date(2027, 3, 31)), NOW, [], [], [])
    assert "report for 1 Apr 2026 to 31 Mar 2027, as at" in heading(unnamed, CAL)


def test_chat_lines_say_the_figures_in_a_few_lines() -> None:
    lines = chat_lines(REPORT, SALFORD, CAL)
    assert lines[1] == "Referrals received: **3**."
    assert "By type: Rapid review 2 · Case review 1." in lines
    assert "By outcome: Commence rapid review 1 · Meets neither threshold 1 · Not yet decided 1." in lines
    assert "By referring agency: Police 2 · School 1." in lines
    assert "By theme: Neglect 1 · No theme recorded 2." in lines
    assert ("Reviews by type and outcome: Rapid review: Commence rapid review 1; "
            "Case review: Meets neither threshold 1.") in lines
    assert "The rapid review meeting's decision: Not yet decided 1." in lines  # Salford 7.12, after commencing
    assert "Disagreements: The referrer 1 · The National Panel 0." in lines
    assert "  Agency summary and chronology returned: 1 met, 1 missed; late by median 3, worst 3 working days." in (
        lines
    )
    assert not any("Lead reviewer" in line for line in lines)  # clocks with nothing due are left out of chat
    assert not any("SAR" in line for line in lines)  # Salford does not report SARs each quarter


def test_tables_follow_salford_10_3_and_say_where_each_comes_from() -> None:
    tables = {t.id: t for t in report_tables(REPORT, SALFORD, CAL)}
    assert list(tables) == [
        "referrals_by_type", "referrals_by_outcome", "referrals_by_referrer", "referrals_by_theme",
        "referrals_by_source", "referrals_by_parallel", "reviews_by_type_and_outcome", "stage_rapid_review_meeting",
        "decisions_by_who", "disagreements", "disagreements_list", "timeliness",
        "returns_by_agency", "missed_deadlines", "referrals_per_month",
    ]
    assert tables["referrals_by_type"].rows == (("Rapid review", 2), ("Case review", 1), ("Total", 3))
    assert tables["referrals_by_type"].source == "Salford 10.3 (a)"
    # Issue 23: these rows were read before the form asked where a referral came from or what runs alongside.
    assert tables["referrals_by_source"].rows[-2:] == (("Not recorded", 3), ("Total", 3))
    assert tables["referrals_by_parallel"].rows[-1] == ("None recorded", 3)
    assert tables["reviews_by_type_and_outcome"].rows[-1] == ("Total", 1, 0, 0, 1, 2)
    # Salford 7.12: SAL-2026-001's panel commenced a rapid review, whose meeting has not decided yet.
    meeting = tables["stage_rapid_review_meeting"]
    assert meeting.heading == "The rapid review meeting's decision, by outcome"
    assert meeting.rows == (("Recommend a child safeguarding practice review", 0),
                            ("Other local review or learning event", 0), ("No further action", 0),
                            ("Not yet decided", 1), ("Total", 1))
    assert meeting.note == ('The referrals received in the period that the panel\'s decision ("Commence rapid '
                            'review") sent to this stage, by its decision as it stands now.')
    timely = {row[0]: row[1:] for row in tables["timeliness"].rows}
    assert timely["Agency summary and chronology returned"] == (1, 1, 0, 3, 3)
    assert timely["Lead reviewer appointed"] == (0, 0, 0, None, None)
    assert tables["missed_deadlines"].rows == (
        ("SAL-2026-001", "Baby A", "Agency summary and chronology returned", "Health (ICB)",
         "Wed 14 Oct 2026, 17:00", "Mon 19 Oct 2026, 10:00", 3),
    )
    assert tables["referrals_per_month"].rows[0][0] == "Oct 2026"
    assert tables["disagreements_list"].rows[0][2:5] == (
        "The referrer", "Meets neither threshold", "Thu 12 Nov 2026, 10:00"
    )


def test_markdown_has_one_section_per_measure() -> None:
    md = markdown(REPORT, SALFORD, CAL)
    assert md.startswith("# Salford Safeguarding Children Partnership: report for 2026-Q4")
    assert "## Referrals by type (Salford 10.3 (a))" in md
    assert "| Referral type | Referrals |\n|---|---:|\n| Rapid review | 2 |" in md
    assert "| Agency summary and chronology returned | 1 | 1 | 0 | 3 | 3 |" in md
    assert "| Lead reviewer appointed | 0 | 0 | 0 | – | – |" in md


def test_csv_files_one_per_measure_with_uk_dates(tmp_path) -> None:  # type: ignore[no-untyped-def]
    paths = write_csv(REPORT, SALFORD, CAL, tmp_path / "q4")
    assert [p.name for p in paths][:2] == ["referrals_by_type.csv", "referrals_by_outcome.csv"]
    # With where referrals came from and what runs alongside (issue 23), and the rapid review meeting's
    # decisions (issue 21, Salford 7.12).
    assert len(paths) == 15
    raw = (tmp_path / "q4" / "timeliness.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark, so Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Clock", "Met", "Missed", "Not yet due", "Median working days late (missed)",
                       "Worst working days late"]
    assert ["Agency summary and chronology returned", "1", "1", "0", "3", "3"] in rows
    assert ["Lead reviewer appointed", "0", "0", "0", "", ""] in rows
    missed = list(csv.reader(io.StringIO((tmp_path / "q4" / "missed_deadlines.csv").read_text("utf-8-sig"))))
    assert missed[1][4:] == ["14/10/2026 17:00", "19/10/2026 10:00", "3"]  # UK local time, dd/mm/yyyy


def test_csv_text_quotes_what_needs_quoting() -> None:
    [table] = [t for t in report_tables(REPORT, SALFORD, CAL, for_csv=True) if t.id == "disagreements_list"]
    assert csv_text(table).splitlines()[1] == (
        "SAL-2026-002,Baby B,The referrer,Meets neither threshold,12/11/2026 10:00,They see a rapid review"
    )


# Charts -----------------------------------------------------------------------------------------------------


def test_the_referrals_chart_has_a_title_labelled_axes_uk_months_and_safe_colours() -> None:
    fig = charts.referrals_per_month_figure(REPORT, CAL)
    ax = fig.axes[0]
    assert fig.get_suptitle().strip() == "Referrals received per month, by outcome"
    assert ax.get_xlabel() == "Month received (UK time)"
    assert ax.get_ylabel() == "Referrals received"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Oct 2026", "Nov 2026", "Dec 2026"]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "Commence rapid review", "Meets neither threshold", "Not yet decided"
    ]
    colours = [p.get_facecolor() for p in legend.get_patches()]
    from matplotlib.colors import to_rgba

    assert colours[0] == to_rgba(charts.OKABE_ITO[0])  # the first outcome keeps the first colour
    assert colours[1] == to_rgba(charts.OKABE_ITO[3])  # the fourth outcome, the fourth colour, in any report
    # The bars' totals are written above them: Oct 1, Nov 2 (Dec has none).
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2"]
    subtitle = [t.get_text() for t in fig.texts]
    assert any("1 Oct 2026 to 31 Dec 2026 · as at Mon 7 Dec 2026, 12:00" in s for s in subtitle)


def test_the_timeliness_chart_shows_met_and_missed_per_clock_with_lateness() -> None:
    fig = charts.timeliness_figure(REPORT, CAL)
    ax = fig.axes[0]
    assert fig.get_suptitle().strip() == "Timeliness by clock: deadlines met and missed"
    assert ax.get_xlabel().startswith("Deadlines that fell due in the period")
    assert ax.get_ylabel() == "Clock"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Agency summary and chronology\nreturned"]
    assert [t.get_text() for t in ax.texts] == ["1 met, 1 missed\nlate: median 3, worst 3 WD"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Met", "Missed"]


def test_the_timeliness_chart_shows_the_meeting_measures_after_the_clocks() -> None:
    # Issue 21 section 5: two meetings held, one inside its window, both quorate.
    held = [MeetingRow("SAL-2026-001", utc(2026, 11, 3, 10), True, True, None),
            MeetingRow("SAL-2026-002", utc(2026, 11, 20, 10), True, False, None)]
    report = replace(REPORT, meetings=meeting_timeliness(held), meetings_held=2)
    ax = charts.timeliness_figure(report, CAL).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Meetings quorate", "Meetings held inside their window", "Agency summary and chronology\nreturned"
    ]
    assert [t.get_text() for t in ax.texts][:2] == ["2 of 2 meetings", "1 of 2 meetings"]


def test_empty_charts_say_so_rather_than_draw_nothing() -> None:
    empty = build_report(SALFORD, CAL, Period(date(2025, 1, 1), date(2025, 3, 31)), NOW, [], [], [])
    assert "No referrals were received in this period." in [
        t.get_text() for t in charts.referrals_per_month_figure(empty, CAL).axes[0].texts
    ]
    assert "No deadline fell due in this period." in [
        t.get_text() for t in charts.timeliness_figure(empty, CAL).axes[0].texts
    ]


def test_charts_are_png_files_of_a_readable_size() -> None:
    from PIL import Image

    files = charts.report_charts(REPORT, CAL)
    assert [name for name, _ in files] == ["referrals-per-month.png", "timeliness.png"]
    for _, data in files:
        assert data.startswith(PNG)
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (1650, 930)  # 11 x 6.2 inches at 150 dpi


# The calendar feed ------------------------------------------------------------------------------------------


ENTRIES = [
    CalendarEntry(12, "SAL-2026-001", "Baby A", "agency_return", "Agency summary and chronology returned",
                  "Greater Manchester Police", utc(2026, 12, 1, 17), utc(2026, 11, 24, 10)),
    # Due 10:12 BST on Thu 1 Jul 2027, which is 09:12 UTC: the feed says UTC, the description UK time.
    CalendarEntry(40, "SAL-2027-002", "Young Person C", "panel_decision", "Virtual panel decision", "the panel",
                  utc(2027, 7, 1, 9, 12), utc(2027, 6, 29, 9, 12)),
]


def test_the_feed_has_one_event_per_open_deadline_in_utc_with_stable_uids() -> None:
    body = feed(SALFORD, CAL, ENTRIES, NOW)
    assert body.startswith(b"BEGIN:VCALENDAR")
    cal = Calendar.from_ical(body)
    assert str(cal["X-WR-CALNAME"]) == "Salford Safeguarding Children Partnership: open deadlines"
    events = list(cal.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == ["deadline-12@salford.panelbot", "deadline-40@salford.panelbot"]
    first = events[0]
    assert first.decoded("DTSTART") == utc(2026, 12, 1, 17) and first.decoded("DTSTART").tzinfo is not None
    assert first.decoded("DTEND") == utc(2026, 12, 1, 17, 30)
    assert b"DTSTART:20261201T170000Z" in body  # UTC, marked Z
    # Overdue at Mon 7 Dec 12:00, so it says so.
    assert str(first["SUMMARY"]) == "OVERDUE: SAL-2026-001 · Baby A: Agency summary and chronology returned"
    assert str(events[1]["SUMMARY"]) == "SAL-2027-002 · Young Person C: Virtual panel decision"
    assert b"DTSTART:20270701T091200Z" in body
    assert "due Thu 1 Jul 2027, 10:12 (UK time), waiting on the panel" in str(events[1]["DESCRIPTION"])
    assert "due Tue 1 Dec 2026, 17:00 (UK time), waiting on Greater Manchester Police" in str(first["DESCRIPTION"])
    # The same deadlines fetched again an hour later: the same UIDs, so calendars update rather than duplicate.
    again = Calendar.from_ical(feed(SALFORD, CAL, ENTRIES, utc(2026, 12, 7, 13)))
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [str(e["UID"]) for e in events]


def test_an_empty_feed_is_still_a_calendar() -> None:
    cal = Calendar.from_ical(feed(SALFORD, CAL, [], NOW))
    assert list(cal.walk("VEVENT")) == []
