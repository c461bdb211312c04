"""The pure rules of a referral's meeting (issue 21, section 1): which meeting it is, who makes it quorate
("at least one representative of each statutory partner": Salford 7.12, Dudley "The Rapid Review Meeting"),
and the override a business manager types."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.clocks import calendar_for
from flows.errors import InvalidInput, NotAllowed
from flows.meetings import (
    attendance,
    attendance_line,
    attendance_reminder_at,
    meeting_event,
    quorate_by,
    split_override,
    who_attends,
    window_clock,
)
from flows.preset import Preset, PresetError, load_preset, parse_preset


@pytest.mark.parametrize(
    ("preset", "referral_type", "event"),
    [
        ("dudley", "cspr", "rr_meeting"),
        ("salford", "rapid_review", "rr_meeting"),
        ("stockport", "sar", "screening_meeting"),  # section 11: the SAR screening meeting
        ("stockport", "child", "rr_meeting"),
    ],
)
def test_the_meeting_a_referral_has(preset, referral_type, event):
    assert meeting_event(load_preset(preset), referral_type) == event


def test_only_dudley_rapid_reviews_have_a_window():
    dudley = load_preset("dudley")
    assert window_clock(dudley, "cspr", "rr_meeting").id == "rr_meeting"
    assert window_clock(dudley, "sar", "rr_meeting") is None
    assert window_clock(load_preset("salford"), "rapid_review", "rr_meeting") is None


def test_quorate_with_one_of_each_statutory_partner():
    dudley = load_preset("dudley")
    full = attendance(dudley, ["health", "Police", "local_authority", "independent_chair"])
    assert full.quorate and full.attended == ("local_authority", "police", "health", "independent_chair")
    short = attendance(dudley, ["police", "Health (ICB)"])
    assert not short.quorate and short.missing == ("local_authority",)


def test_salford_statutory_partners_make_the_meeting_quorate_though_they_do_not_vote():
    salford = load_preset("salford")
    assert not attendance(salford, ["independent_adviser", "chair", "deputy_chair", "business_manager"]).quorate
    assert attendance(salford, ["local_authority", "police", "health"]).quorate


def test_an_unknown_role_is_refused():
    with pytest.raises(InvalidInput, match='"dentist" is not a role of this partnership'):
        attendance(load_preset("dudley"), ["police", "dentist"])


def test_split_override():
    assert split_override(["Room", "2"]) == (["Room", "2"], None)
    assert split_override(["Room", "2", "override", "chair", "away"]) == (["Room", "2"], "chair away")
    assert split_override(["override"]) == ([], "")


def _dudley_with(quorate_by: dict) -> Preset:
    import tomllib

    data = tomllib.loads(open(load_preset("dudley").source_file, encoding="utf-8").read())
    data["panel"]["meeting_quorate_by"] = quorate_by
    return parse_preset(data, source="ours.toml")


def test_attendance_must_be_known_the_working_day_before_across_easter_and_the_clock_change():
    # A meeting on Tue 30 Mar 2027, 10:00 BST (the clocks went forward on Sun 28 Mar). The working day before is
    # Thu 25 Mar: Mon 29 Mar is Easter Monday and Fri 26 Mar Good Friday. So attendance is due by Thu 25 Mar,
    # 17:00 GMT, and the partners still missing are reminded the working day before that, Wed 24 Mar, 09:00.
    dudley = load_preset("dudley")
    cal = calendar_for(dudley)
    meeting = datetime(2027, 3, 30, 9, 0, tzinfo=UTC)
    assert cal.format(quorate_by(dudley, cal, meeting)) == "Thu 25 Mar 2027, 17:00"
    assert quorate_by(dudley, cal, meeting) == datetime(2027, 3, 25, 17, 0, tzinfo=UTC)
    assert cal.format(attendance_reminder_at(dudley, cal, meeting)) == "Wed 24 Mar 2027, 09:00"
    # A preset may ask for it sooner: two working days before, at noon.
    earlier = _dudley_with({"working_days_before": 2, "at": "12:00"})
    assert cal.format(quorate_by(earlier, cal, meeting)) == "Wed 24 Mar 2027, 12:00"
    with pytest.raises(PresetError) as caught:
        _dudley_with({"at": "5pm"})
    assert '"5pm" is not a time like 17:00' in caught.value.problem


def test_the_attendance_line_and_who_may_confirm():
    dudley = load_preset("dudley")
    assert attendance_line(dudley, ["police", "local_authority"]) == (
        "Attending: Local authority, Police. Still needed: Health (ICB)."
    )
    assert attendance_line(dudley, []) == (
        "Attending: nobody has confirmed yet. Still needed: Local authority, Police, Health (ICB)."
    )
    assert who_attends(dudley, "police", []) == ("police",)
    assert who_attends(dudley, "business_manager", ["health", "police"]) == ("police", "health")
    with pytest.raises(NotAllowed, match="^Only a statutory partner's members"):
        who_attends(dudley, "independent_chair", [])
    with pytest.raises(NotAllowed, match="As the business manager, name the partners"):
        who_attends(dudley, "business_manager", [])
    with pytest.raises(NotAllowed, match="for your own agency, Police, only"):
        who_attends(dudley, "police", ["health"])
    with pytest.raises(InvalidInput, match="Independent Chair is not a statutory partner"):
        who_attends(dudley, "business_manager", ["independent_chair"])
