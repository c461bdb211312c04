"""Reminder plans (flows/reminders.py), pure: when each reminder falls for a given due time, moved into
working hours, and how a preset overrides the defaults."""

from datetime import UTC, datetime, timedelta

import pytest

from flows.clocks import calendar_for
from flows.preset import PresetError, load_preset
from flows.reminders import Offset, PlanError, default_plan, next_after, occurrences, pending, plan_from

CAL = calendar_for(load_preset("salford"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)  # UK winter time is UTC


def schedule(plan, due: str, until: str) -> list[tuple[str, str]]:
    return [(CAL.format(o.at), o.kind) for o in occurrences(plan, CAL, at(due), until=at(until))]


def test_five_working_day_return_defaults_over_new_year():
    """Salford 7.7 return due Tue 5 Jan 2027 17:00: 1 WD before is Mon 4 Jan (Fri 1 Jan is a bank holiday)."""
    assert schedule(default_plan("working_days", "agency"), "2027-01-05T17:00", "2027-01-08T23:00") == [
        ("Mon 4 Jan 2027, 09:00", "before"),
        ("Tue 5 Jan 2027, 09:00", "due"),
        ("Wed 6 Jan 2027, 09:00", "overdue"),
        ("Thu 7 Jan 2027, 09:00", "overdue"),
        ("Thu 7 Jan 2027, 09:00", "escalation"),
        ("Fri 8 Jan 2027, 09:00", "overdue"),
    ]


def test_hours_clock_due_midweek():
    """Kirklees 48-hour return due Wed 2 Dec 2026 15:00: 24 h and 4 h before, at due, then mornings."""
    assert schedule(default_plan("hours", "agency"), "2026-12-02T15:00", "2026-12-03T23:00") == [
        ("Tue 1 Dec 2026, 15:00", "before"),
        ("Wed 2 Dec 2026, 11:00", "before"),
        ("Wed 2 Dec 2026, 15:00", "overdue"),
        ("Thu 3 Dec 2026, 09:00", "overdue"),
        ("Thu 3 Dec 2026, 09:00", "escalation"),
    ]


def test_final_warning_outside_hours_moves_earlier_not_dropped():
    """Due Mon 7 Dec 2026 08:00: the 4-hour warning (04:00) and the 24-hour one (Sun 08:00) both fall
    outside working hours; moving them forward would be after the due time, so they move back to Friday
    afternoon and collapse into one: the final warning."""
    plan = default_plan("hours", "agency")
    got = occurrences(plan, CAL, at("2026-12-07T08:00"), until=at("2026-12-07T08:00"))
    assert [(CAL.format(o.at), o.key) for o in got] == [("Fri 4 Dec 2026, 16:30", "before:4h")]


def test_reminder_before_working_hours_moves_to_the_morning():
    """Due Thu 3 Dec 2026 10:00: the 4-hour warning (06:00) moves to 09:00 the same day, still before it."""
    got = occurrences(default_plan("hours", "agency"), CAL, at("2026-12-03T10:00"), until=at("2026-12-03T09:59"))
    assert [CAL.format(o.at) for o in got] == ["Wed 2 Dec 2026, 10:00", "Thu 3 Dec 2026, 09:00"]


def test_panel_decision_plan_reminds_before_only():
    plan = default_plan("hours", "panel", decision_clock=True)
    assert schedule(plan, "2026-11-25T10:12", "2026-12-31T00:00") == [
        ("Tue 24 Nov 2026, 10:12", "before"),
        ("Wed 25 Nov 2026, 09:00", "before"),
    ]


def test_pending_collapses_to_what_fell_due_since_the_last_one_sent():
    plan = default_plan("working_days", "agency")
    due = at("2027-01-05T17:00")
    missed = pending(plan, CAL, due, last_sent=at("2027-01-04T09:00"), now=at("2027-01-07T10:00"))
    assert [o.kind for o in missed] == ["due", "overdue", "overdue", "escalation"]
    assert CAL.format(next_after(plan, CAL, due, at("2027-01-07T10:00"))) == "Fri 8 Jan 2027, 09:00"


def test_preset_overrides():
    plan = plan_from({"before": ["2wd", "4h"], "escalate_after_wd": 3, "escalate_to_lead": True},
                     "working_days", "agency")
    assert plan.before == (Offset(2, "wd"), Offset(4, "h"))
    assert plan.escalate_after_wd == 3 and plan.escalate_to_lead
    off = plan_from({"off": True}, "working_days", "agency")
    assert occurrences(off, CAL, at("2027-01-05T17:00"), until=at("2027-02-01T00:00")) == []


@pytest.mark.parametrize(("settings", "message"), [
    ({"befor": ["1wd"]}, '"befor" is not a reminder setting'),
    ({"before": ["tomorrow"]}, '"tomorrow" is not a reminder time'),
    ({"before": "1wd"}, "before must be a list"),
    ({"escalate_after_wd": -1}, "escalate_after_wd must be a whole number"),
    ({"on_due_day": "yes"}, "on_due_day must be true or false"),
])
def test_bad_plan_settings_are_refused(settings, message):
    with pytest.raises(PlanError, match=message):
        plan_from(settings, "working_days", "agency")


def test_a_bad_plan_in_a_preset_file_names_the_file_and_clock(tmp_path):
    text = (load_preset("salford").source_file and open(load_preset("salford").source_file).read())
    broken = text.replace('reminders = { escalate_to_lead = true }', 'reminders = { before = ["soon"] }')
    path = tmp_path / "ours.toml"
    path.write_text(broken)
    with pytest.raises(PresetError) as err:
        load_preset(str(path))
    assert str(err.value) == f'{path}: clocks.agency_return.reminders: "soon" is not a reminder time; write it like ' \
        '"24h" or "1wd"'


def test_occurrence_times_are_always_inside_working_hours():
    plan = default_plan("hours", "agency")
    start = at("2026-12-20T00:00")
    for hours in range(0, 24 * 14, 5):
        due = start + timedelta(hours=hours)
        for occ in occurrences(plan, CAL, due, until=due + timedelta(days=5)):
            local = CAL.local(occ.at)
            assert CAL.is_working_day(local.date()) and CAL.day_start <= local.time() < CAL.day_end, occ
