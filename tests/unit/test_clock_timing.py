"""Clocks before an event, the sooner of two, and windows (issue 21, section 2), with dates worked by hand.

Working days (England): Monday to Friday less the bank holidays, here Fri 25 Dec 2026 (Christmas), Mon 28 Dec
2026 (Boxing Day, observed) and Fri 1 Jan 2027. BST ends Sun 25 Oct 2026 (02:00 BST -> 01:00 GMT) and begins
Sun 28 Mar 2027 (01:00 GMT -> 02:00 BST).

Hand counts used below:
- After Mon 14 Dec 2026: Tue 15 =1, Wed 16 =2, Thu 17 =3, Fri 18 =4, Mon 21 =5, Tue 22 =6, Wed 23 =7, Thu 24 =8,
  Tue 29 =9, Wed 30 =10, Thu 31 =11, Mon 4 Jan =12, Tue 5 Jan =13.
- After Thu 22 Oct 2026 (BST): Fri 23 =1, Mon 26 =2 (GMT from here), ..., Mon 2 Nov =7, Tue 10 Nov =13.
- Before Tue 5 Jan 2027: Mon 4 =1, Thu 31 Dec =2, Wed 30 =3, Tue 29 =4, Thu 24 =5, Wed 23 =6, Tue 22 Dec =7.
- Before Wed 13 Jan 2027: Tue 12 =1, Mon 11 =2, Fri 8 =3, Thu 7 =4, Wed 6 =5, Tue 5 =6, Mon 4 Jan =7.
- Before Tue 3 Nov 2026 (GMT): Mon 2 =1, Fri 30 Oct =2, ..., Mon 26 =6, Fri 23 Oct =7 (still BST).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from flows import reminders
from flows.clocks import calendar_for, check_window, clock_due, due_before, window_opens, window_words
from flows.preset import PresetError, load_preset, parse_preset

T = datetime.fromisoformat


def _iso(cal, dt) -> str:  # type: ignore[no-untyped-def]
    return cal.local(dt).isoformat()


# Windows: Dudley's rapid review meeting, 7 to 13 working days after the referral -------------------------------


def test_dudley_rapid_review_meeting_is_one_window_clock():
    preset = load_preset("dudley")
    clock = preset.clock("rr_meeting")
    assert (clock.earliest, clock.amount, clock.unit, clock.starts) == (7, 13, "working_days", "referral_received")
    assert clock.met_by == "rr_meeting"
    assert clock.source.startswith("Rapid Reviews: Setting the Date of the Rapid Review Meeting")
    assert not preset.has_clock("rr_meeting_earliest"), "the start of the window is not a deadline"
    assert clock.describe() == "7 to 13 working days"


@pytest.mark.parametrize(
    ("filed", "opens", "closes", "rule"),
    [
        ("2026-12-14T10:00:00+00:00", "2026-12-23T00:00:00+00:00", "2027-01-05T17:00:00+00:00",
         "across a weekend and the bank holidays of 25 and 28 Dec and 1 Jan"),
        ("2026-10-22T11:00:00+01:00", "2026-11-02T00:00:00+00:00", "2026-11-10T17:00:00+00:00",
         "across the end of BST on 25 Oct"),
        ("2027-03-24T11:00:00+00:00", "2027-04-06T00:00:00+01:00", "2027-04-14T17:00:00+01:00",
         "across the start of BST on 28 Mar and Easter 2027"),
    ],
)
def test_dudley_window_opens_and_closes(filed, opens, closes, rule):
    # 24 Mar 2027: Thu 25 =1, (Good Friday 26, weekend, Easter Monday 29) Tue 30 =2, Wed 31 =3, Thu 1 Apr =4,
    # Fri 2 =5, Mon 5 =6, Tue 6 =7, ..., Wed 14 Apr =13.
    preset = load_preset("dudley")
    cal = calendar_for(preset)
    clock = preset.clock("rr_meeting")
    assert _iso(cal, window_opens(cal, clock, T(filed))) == opens, rule
    assert _iso(cal, clock_due(preset, cal, clock, start=T(filed), event_at=None)) == closes, rule


@pytest.mark.parametrize(
    ("meeting", "position"),
    [
        ("2026-12-22T16:00:00+00:00", "early"),  # the 6th working day
        ("2026-12-23T09:30:00+00:00", "inside"),  # any time on the 7th working day
        ("2026-12-29T10:00:00+00:00", "inside"),  # the first working day after Christmas
        ("2027-01-05T16:30:00+00:00", "inside"),  # the 13th working day
        ("2027-01-06T10:00:00+00:00", "late"),
    ],
)
def test_a_meeting_inside_the_window_meets_it_and_one_before_is_early(meeting, position):
    preset = load_preset("dudley")
    cal = calendar_for(preset)
    check = check_window(preset, cal, preset.clock("rr_meeting"), T("2026-12-14T10:00:00+00:00"), T(meeting))
    assert check.position == position


def test_the_window_in_plain_words():
    preset = load_preset("dudley")
    cal = calendar_for(preset)
    clock = preset.clock("rr_meeting")
    check = check_window(preset, cal, clock, T("2026-12-14T10:00:00+00:00"), T("2026-12-22T10:00:00+00:00"))
    assert window_words(preset, cal, clock, check) == (
        "Dudley Safeguarding People Partnership holds the rapid review meeting 7 to 13 working days after the "
        "referral is received: Wed 23 Dec 2026 to Tue 5 Jan 2027. Tue 22 Dec 2026 is before the window."
    )


def test_a_window_is_never_overdue_before_its_latest_day():
    """The issue's case: filed Mon 14 Dec 2026, the old earliest clock was overdue from Wed 23 Dec and escalated.
    The window's reminders: the working day before the latest, the morning of it, overdue only from Wed 6 Jan,
    escalated to the BM two working days after the due day (Thu 7 Jan)."""
    preset = load_preset("dudley")
    cal = calendar_for(preset)
    clock = preset.clock("rr_meeting")
    due = clock_due(preset, cal, clock, start=T("2026-12-14T10:00:00+00:00"), event_at=None)
    assert due is not None
    plan = preset.reminder_plan(clock)
    sent = reminders.occurrences(plan, cal, due, until=T("2027-01-08T17:00:00+00:00"))
    assert [(o.kind, _iso(cal, o.at)) for o in sent] == [
        ("before", "2027-01-04T09:00:00+00:00"),
        ("due", "2027-01-05T09:00:00+00:00"),
        ("overdue", "2027-01-06T09:00:00+00:00"),
        ("overdue", "2027-01-07T09:00:00+00:00"),
        ("escalation", "2027-01-07T09:00:00+00:00"),
        ("overdue", "2027-01-08T09:00:00+00:00"),
    ]


# Before an event ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset_name", "event_at", "expected", "rule"),
    [
        ("suffolk", "2027-01-13T09:00:00+00:00", "2027-01-04T17:00:00+00:00", "Suffolk 7: 7 WD before publication"),
        ("suffolk", "2027-01-05T09:00:00+00:00", "2026-12-22T17:00:00+00:00",
         "Suffolk 7: 7 WD before, over the three bank holidays"),
        ("suffolk", "2026-11-03T09:00:00+00:00", "2026-10-23T17:00:00+01:00",
         "Suffolk 7: 7 WD before, across the end of BST"),
        ("salford", "2027-01-07T09:00:00+00:00", "2026-12-31T17:00:00+00:00",
         "Salford 8.3: at least one week before publication (calendar days: bank holidays count)"),
        ("salford", "2027-03-31T09:00:00+01:00", "2027-03-24T17:00:00+00:00",
         "Salford 8.3: one week before, across the start of BST"),
        ("stockport", "2027-01-13T09:00:00+00:00", "2026-12-30T17:00:00+00:00",
         "Stockport Appendix 2: two weeks in advance of publication, over two weekends and the bank holidays"),
        ("stockport", "2026-11-03T09:00:00+00:00", "2026-10-20T17:00:00+01:00",
         "Stockport Appendix 2: two weeks before, across the end of BST (17:00 BST on Tue 20 Oct)"),
        ("stockport", "2027-04-06T09:00:00+01:00", "2027-03-23T17:00:00+00:00",
         "Stockport Appendix 2: two weeks before, across the start of BST and Easter (17:00 GMT on Tue 23 Mar)"),
    ],
)
def test_report_before_publication(preset_name, event_at, expected, rule):
    preset = load_preset(preset_name)
    cal = calendar_for(preset)
    clock = preset.clock("publication_notice")
    assert clock.before == "publication" and not clock.starts and clock.source
    assert _iso(cal, clock_due(preset, cal, clock, start=None, event_at=T(event_at))) == expected, rule
    assert clock_due(preset, cal, clock, start=T("2026-12-01T10:00:00+00:00"), event_at=None) is None, (
        "a clock before an event is not due until the event is scheduled"
    )


@pytest.mark.parametrize(
    ("meeting", "expected", "rule"),
    [
        ("2026-12-22T10:00:00+00:00", "2026-12-21T10:00:00+00:00", "24 hours before a Tuesday meeting"),
        ("2026-12-29T10:00:00+00:00", "2026-12-28T10:00:00+00:00", "hours count over a bank holiday"),
        ("2027-03-28T12:00:00+01:00", "2027-03-27T11:00:00+00:00", "24 real hours across the start of BST"),
        ("2026-10-25T12:00:00+00:00", "2026-10-24T13:00:00+01:00", "24 real hours across the end of BST"),
    ],
)
def test_salford_papers_24_hours_before_the_meeting(meeting, expected, rule):
    preset = load_preset("salford")
    cal = calendar_for(preset)
    clock = preset.clock("rr_papers")
    assert (clock.before, clock.amount, clock.unit) == ("rr_meeting", 24, "hours")
    assert "7.11" in clock.source
    assert _iso(cal, due_before(cal, clock, T(meeting))) == expected, rule


def test_papers_reminder_for_a_meeting_after_christmas_comes_before_the_bank_holidays():
    """Papers for a meeting on Tue 29 Dec 2026 at 10:00 are due Mon 28 Dec at 10:00, a bank holiday: the
    heads-up moves back into the last working half hour before it, Thu 24 Dec 16:30."""
    preset = load_preset("salford")
    cal = calendar_for(preset)
    clock = preset.clock("rr_papers")
    due = due_before(cal, clock, T("2026-12-29T10:00:00+00:00"))
    sent = reminders.occurrences(preset.reminder_plan(clock), cal, due, until=due)
    assert [(o.kind, _iso(cal, o.at)) for o in sent] == [("before", "2026-12-24T16:30:00+00:00")]


def test_papers_for_a_monday_meeting_are_due_on_the_sunday_and_reminded_before_the_weekend():
    """A meeting on Mon 4 Jan 2027 at 10:00: the papers are due 24 real hours before, Sun 3 Jan at 10:00. The
    heads-up comes in the last working half hour before that: not the weekend, nor Fri 1 Jan (New Year's Day),
    but Thu 31 Dec 16:30."""
    preset = load_preset("salford")
    cal = calendar_for(preset)
    clock = preset.clock("rr_papers")
    due = due_before(cal, clock, T("2027-01-04T10:00:00+00:00"))
    assert _iso(cal, due) == "2027-01-03T10:00:00+00:00"
    sent = reminders.occurrences(preset.reminder_plan(clock), cal, due, until=due)
    assert [(o.kind, _iso(cal, o.at)) for o in sent] == [("before", "2026-12-31T16:30:00+00:00")]


def test_zero_working_days_before_an_event_is_the_event_itself():
    preset = load_preset("suffolk")
    cal = calendar_for(preset)
    assert _iso(cal, cal.before(T("2027-01-13T10:00:00+00:00"), 0, "working_days")) == "2027-01-13T10:00:00+00:00"
    # An event on a bank holiday: the working day before it, at the close of working hours.
    assert _iso(cal, cal.before(T("2027-01-01T10:00:00+00:00"), 0, "working_days")) == "2026-12-31T17:00:00+00:00"


# The sooner of two: Kirklees ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed", "publication", "expected", "rule"),
    [
        ("2026-12-14T15:00:00+00:00", None, "2026-12-23T17:00:00+00:00", "only completion known: 7 WD after it"),
        (None, "2027-01-05T09:00:00+00:00", "2026-12-22T17:00:00+00:00", "only publication known: 7 WD before it"),
        ("2026-12-14T15:00:00+00:00", "2027-01-05T09:00:00+00:00", "2026-12-22T17:00:00+00:00",
         "7 WD before publication (Tue 22 Dec) is sooner than 7 WD after completion (Wed 23 Dec)"),
        ("2026-12-14T15:00:00+00:00", "2027-01-13T09:00:00+00:00", "2026-12-23T17:00:00+00:00",
         "7 WD after completion (Wed 23 Dec) is sooner than 7 WD before publication (Mon 4 Jan)"),
        ("2026-10-22T15:00:00+01:00", "2026-11-03T09:00:00+00:00", "2026-10-23T17:00:00+01:00",
         "before publication, across the end of BST"),
    ],
)
def test_kirklees_report_after_completion_or_before_publication_whichever_is_sooner(
    completed, publication, expected, rule
):
    preset = load_preset("kirklees")
    cal = calendar_for(preset)
    clock = preset.clock("publication_notice")
    assert clock.sooner_of_two and (clock.starts, clock.before) == ("board_sign_off", "publication")
    got = clock_due(
        preset, cal, clock, start=T(completed) if completed else None, event_at=T(publication) if publication else None
    )
    assert got is not None and _iso(cal, got) == expected, rule


def test_the_five_presets_describe_their_before_clocks():
    assert load_preset("suffolk").clock("publication_notice").describe() == "7 working days before publication"
    assert load_preset("salford").clock("publication_notice").describe() == "1 week before publication"
    assert load_preset("salford").clock("rr_papers").describe() == "24 hours before the rapid review meeting"
    assert load_preset("kirklees").clock("publication_notice").describe() == (
        "7 working days after the Board signs the report off or before publication, whichever is sooner"
    )


# The preset format ---------------------------------------------------------------------------------------------


def _preset(**clock: object) -> dict:
    base = {
        "id": "test",
        "name": "Test Partnership",
        "reference_prefix": "TST",
        "roles": [
            {"id": "local_authority", "label": "LA", "votes": True, "statutory": True},
            {"id": "police", "label": "Police", "votes": True, "statutory": True},
            {"id": "health", "label": "Health", "votes": True, "statutory": True},
            {"id": "business_manager", "label": "BM"},
        ],
        "referral_types": [{"id": "child", "label": "Child"}],
        "panel": {"quorum": {"count": 2}, "tie_break": "police"},
        "outcomes": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        "clocks": [
            {"id": "panel_decision", "label": "Decision", "amount": 5, "unit": "working_days",
             "starts": "referral_received"},
            {"id": "x", "label": "X", "amount": 7, "unit": "working_days", **clock},
        ],
    }
    return base


@pytest.mark.parametrize(
    ("clock", "key", "problem"),
    [
        ({"starts": "decision", "before": "publication"}, "clocks.x.whichever", 'whichever = "sooner"'),
        ({"starts": "decision", "whichever": "sooner"}, "clocks.x.whichever", "only goes with both"),
        ({"before": "launch"}, "clocks.x.before", '"launch" is not an event'),
        ({"starts": "decision", "met_by": "lunch"}, "clocks.x.met_by", '"lunch" is not an event'),
        ({"starts": "decision", "earliest": 7}, "clocks.x.earliest", "from 0 to 6"),
        ({"starts": "decision", "earliest": "3"}, "clocks.x.earliest", "whole number"),
        ({"before": "publication", "earliest": 3}, "clocks.x.earliest", "cannot also be before an event"),
        ({}, "clocks.x.starts", "is missing"),
    ],
)
def test_a_malformed_window_or_before_clock_is_refused_naming_the_key(clock, key, problem):
    with pytest.raises(PresetError) as caught:
        parse_preset(_preset(**clock), source="ours.toml")
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_a_well_formed_window_and_before_clock_load():
    window = parse_preset(_preset(starts="referral_received", earliest=3, met_by="rr_meeting")).clock("x")
    assert (window.earliest, window.met_by, window.is_window) == (3, "rr_meeting", True)
    before = parse_preset(_preset(before="rr_meeting")).clock("x")
    assert (before.starts, before.before, before.sooner_of_two) == ("", "rr_meeting", False)
