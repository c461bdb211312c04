"""Suffolk's monthly panel (section 3; issue 21 section 3), with dates worked by hand.

The panel meets on the 25th; when that is a weekend or a bank holiday it meets on the working day before. A
referral goes to the first panel at least 10 calendar days after it, the day it arrives not counted ("the next
panel taking place 10 days after the referral was sent out"; the 15th is that rule for a panel on the 25th).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from flows.clocks import (
    PanelDay,
    PanelPlan,
    calendar_for,
    due,
    due_before_panel,
    next_panel_meeting,
    panel_after,
    panel_dates,
    panel_due,
    panel_for,
    panels,
)
from flows.monthly_meetings import neighbours
from flows.preset import PresetError, load_preset, parse_preset

SUFFOLK = load_preset("suffolk")
CAL = calendar_for(SUFFOLK)
MONTHLY = SUFFOLK.monthly_panel
assert MONTHLY is not None


@pytest.mark.parametrize(
    ("month", "expected", "why"),
    [
        ((2026, 8), date(2026, 8, 25), "Tue 25 Aug 2026 (the August bank holiday is Mon 31 Aug)"),
        ((2026, 10), date(2026, 10, 23), "Sun 25 Oct 2026, the day BST ends: Fri 23 Oct"),
        ((2026, 12), date(2026, 12, 24), "Fri 25 Dec 2026 is Christmas Day: Thu 24 Dec"),
        ((2027, 1), date(2027, 1, 25), "Mon 25 Jan 2027"),
        ((2027, 2), date(2027, 2, 25), "Thu 25 Feb 2027"),
        ((2027, 4), date(2027, 4, 23), "Sun 25 Apr 2027: Fri 23 Apr"),
        ((2027, 12), date(2027, 12, 24), "Sat 25 Dec 2027: Fri 24 Dec (the 27th and 28th are the holidays)"),
    ],
)
def test_panel_date_is_the_25th_or_the_working_day_before(month, expected, why):
    assert panel_dates(CAL, MONTHLY, date(*month, 1), 1) == [expected], why


@pytest.mark.parametrize(
    ("received", "panel", "why"),
    [
        (date(2026, 12, 14), date(2026, 12, 24), "10 days before Thu 24 Dec: in time"),
        (date(2026, 12, 15), date(2027, 1, 25), "9 days before Thu 24 Dec: January's panel"),
        (date(2027, 1, 15), date(2027, 1, 25), "the 15th, 10 days before the 25th: in time"),
        (date(2027, 1, 16), date(2027, 2, 25), "the 16th: the following month"),
        (date(2026, 10, 13), date(2026, 10, 23), "10 days before Fri 23 Oct (across the end of BST)"),
        (date(2026, 10, 14), date(2026, 11, 25), "9 days before Fri 23 Oct: November's panel"),
        (date(2026, 12, 26), date(2027, 1, 25), "after December's panel: January's"),
        (date(2027, 3, 15), date(2027, 3, 25), "Thu 25 Mar 2027, before BST begins on the 28th"),
    ],
)
def test_a_referral_goes_to_the_first_panel_whose_cut_off_it_meets(received, panel, why):
    assert panel_for(CAL, MONTHLY, received) == panel, why


def test_the_decision_clock_is_due_at_the_close_of_that_panel_day():
    due = next_panel_meeting(CAL, MONTHLY, datetime.fromisoformat("2026-12-15T10:00:00+00:00"))
    assert CAL.format(due) == "Mon 25 Jan 2027, 17:00"
    second = next_panel_meeting(CAL, MONTHLY, datetime.fromisoformat("2026-12-14T10:00:00+00:00"), nth=2)
    assert CAL.format(second) == "Mon 25 Jan 2027, 17:00"


def _with_monthly(monthly: dict) -> dict:
    import tomllib

    data = tomllib.loads(open(SUFFOLK.source_file, encoding="utf-8").read())
    data["panel"]["monthly"] = monthly
    return data


@pytest.mark.parametrize(
    ("monthly", "problem"),
    [
        ({"day": 25}, "give exactly one of cutoff_days_before = N or cutoff_day = N"),
        ({"day": 25, "cutoff_day": 15, "cutoff_days_before": 10}, "give exactly one"),
        ({"day": 25, "cutoff_days_before": 40}, "from 0 to 20"),
    ],
)
def test_a_malformed_monthly_panel_is_refused(monthly, problem):
    with pytest.raises(PresetError) as caught:
        parse_preset(_with_monthly(monthly), source="ours.toml")
    assert problem in caught.value.problem


def test_the_older_cut_off_day_still_reads():
    preset = parse_preset(_with_monthly({"day": 25, "cutoff_day": 15}))
    assert preset.monthly_panel is not None
    assert panel_for(CAL, preset.monthly_panel, date(2026, 12, 15)) == date(2026, 12, 24)
    assert panel_for(CAL, preset.monthly_panel, date(2026, 12, 16)) == date(2027, 1, 25)


# The panels as the business manager planned them (issue 21, section 3): a moved panel meets on its new day, a
# cancelled one not at all; beyond what is planned, the preset's dates.
MOVED_JANUARY = PanelPlan({date(2026, 12, 24): date(2026, 12, 24), date(2027, 1, 25): date(2027, 2, 1),
                           date(2027, 2, 25): date(2027, 2, 25)})
CANCELLED_DECEMBER = PanelPlan({date(2026, 12, 24): None, date(2027, 1, 25): date(2027, 1, 25)})


def test_the_panels_as_planned_moved_cancelled_and_beyond_the_plan():
    assert panels(CAL, MONTHLY, date(2027, 1, 26), 3, MOVED_JANUARY) == [
        PanelDay(date(2027, 1, 25), date(2027, 2, 1)),  # January's, moved into February, is found from the 26th
        PanelDay(date(2027, 2, 25), date(2027, 2, 25)),
        PanelDay(date(2027, 3, 25), date(2027, 3, 25)),  # not planned: the preset's date
    ]
    assert panel_dates(CAL, MONTHLY, date(2026, 12, 1), 2, CANCELLED_DECEMBER) == [date(2027, 1, 25), date(2027, 2, 25)]


@pytest.mark.parametrize(
    ("received", "plan", "panel", "why"),
    [
        (date(2027, 1, 21), MOVED_JANUARY, date(2027, 2, 1), "11 days before Mon 1 Feb: in time (4 before the 25th)"),
        (date(2027, 1, 22), MOVED_JANUARY, date(2027, 2, 1), "10 days before Mon 1 Feb: in time"),
        (date(2027, 1, 23), MOVED_JANUARY, date(2027, 2, 25), "9 days before Mon 1 Feb: February's"),
        (date(2026, 12, 7), CANCELLED_DECEMBER, date(2027, 1, 25), "December's cancelled: January's"),
    ],
)
def test_a_referral_goes_to_the_first_real_panel_whose_cut_off_it_meets(received, plan, panel, why):
    assert panel_for(CAL, MONTHLY, received, 1, plan) == panel, why


def test_the_clocks_due_at_and_before_a_panel():
    # Moved to Tue 29 Dec 2026, after Christmas: the working day before it is Thu 24 Dec (25 and 28 Dec are bank
    # holidays); moved to Tue 30 Mar 2027 (British Summer Time, after Easter), the Thursday before Good Friday.
    assert CAL.format(panel_due(CAL, date(2026, 12, 29))) == "Tue 29 Dec 2026, 17:00"
    assert CAL.format(due_before_panel(CAL, date(2026, 12, 29))) == "Thu 24 Dec 2026, 17:00"
    assert panel_due(CAL, date(2027, 3, 30)) == datetime.fromisoformat("2027-03-30T16:00:00+00:00")
    assert due_before_panel(CAL, date(2027, 3, 30)) == datetime.fromisoformat("2027-03-25T17:00:00+00:00")


def test_a_moved_panel_stays_between_its_neighbours():
    assert neighbours(CAL, MONTHLY, MOVED_JANUARY, date(2027, 2, 25)) == (date(2027, 2, 1), date(2027, 3, 25))
    # December's cancelled: January's neighbours are November's and February's.
    assert neighbours(CAL, MONTHLY, CANCELLED_DECEMBER, date(2027, 1, 25)) == (date(2026, 11, 25), date(2027, 2, 25))


# A case the panel puts on hold (Suffolk 3: "Cases on hold will be reviewed at each Panel meeting"): its review
# has no cut-off, which is a new referral's. It falls at the first panel after the day it was decided, as planned.
@pytest.mark.parametrize(
    ("decided", "plan", "panel", "why"),
    [
        (date(2026, 12, 21), None, date(2026, 12, 24), "Mon 21 Dec 2026: the Christmas panel, Thu 24 Dec (no cut-off)"),
        (date(2026, 12, 23), None, date(2026, 12, 24), "the day before the panel: that panel"),
        (date(2026, 12, 24), None, date(2027, 1, 25), "on the panel's day (at the panel): the next one"),
        (date(2026, 10, 22), None, date(2026, 10, 23), "Thu 22 Oct 2026: Fri 23 Oct (the 25th is a Sunday)"),
        (date(2026, 12, 21), CANCELLED_DECEMBER, date(2027, 1, 25), "December's cancelled: January's"),
        (date(2027, 1, 26), MOVED_JANUARY, date(2027, 2, 1), "after the 25th, January's moved to Mon 1 Feb: that"),
    ],
)
def test_a_case_on_hold_comes_back_at_the_first_panel_after_the_day_it_was_decided(decided, plan, panel, why):
    assert panel_after(CAL, MONTHLY, decided, 1, plan) == panel, why


def test_the_review_of_a_case_on_hold_has_no_cut_off_and_the_decision_clock_keeps_it():
    review, decision = SUFFOLK.clock("on_hold_review"), SUFFOLK.clock("panel_decision")
    monday = datetime.fromisoformat("2026-12-21T15:00:00+00:00")  # Mon 21 Dec 2026, 15:00 GMT
    assert CAL.format(due(SUFFOLK, CAL, review, monday)) == "Thu 24 Dec 2026, 17:00"
    assert CAL.format(due(SUFFOLK, CAL, decision, monday)) == "Mon 25 Jan 2027, 17:00"  # 3 days: past the cut-off
    # Across the end of British Summer Time (Sun 25 Oct 2026): due Fri 23 Oct, 17:00 BST, which is 16:00 UTC; the
    # next, after that panel, Wed 25 Nov, 17:00 GMT.
    thursday = datetime.fromisoformat("2026-10-22T13:00:00+00:00")  # 14:00 BST
    first = due(SUFFOLK, CAL, review, thursday)
    assert first == datetime.fromisoformat("2026-10-23T16:00:00+00:00")
    assert due(SUFFOLK, CAL, review, first) == datetime.fromisoformat("2026-11-25T17:00:00+00:00")
