"""Every clock id other parts of the product rely on, computed by hand across weekends, bank holidays
(Christmas 2026, Easter 2026 and Easter 2027) and both clock changes.

Working days (PROCEDURES.md): Monday to Friday less England's bank holidays; "N working days after T" ends
at 17:00 UK time on the Nth working day after T's date. Hours are real elapsed time.

Hand counts used below (working days after the start date):
- From Wed 23 Dec 2026 (Fri 25 Dec Christmas, Mon 28 Dec Boxing Day observed, Fri 1 Jan New Year):
  Thu 24 Dec =1, Tue 29 =2, Wed 30 =3, Thu 31 =4, Mon 4 Jan =5, Tue 5 =6, Wed 6 =7, Thu 7 =8, Fri 8 =9,
  Mon 11 =10, Thu 14 =13, Mon 18 =15, ... Mon 1 Mar 2027 =45.
- From Wed 1 Apr 2026 (Good Friday 3 Apr, Easter Monday 6 Apr; BST): Thu 2 =1, Tue 7 =2, Fri 10 =5,
  Tue 14 =7, Fri 17 =10, Wed 22 =13, Fri 24 =15.
- From Thu 25 Mar 2027 (Good Friday 26 Mar, Easter Monday 29 Mar; BST from Sun 28 Mar): Tue 30 =1,
  Wed 31 =2, Mon 5 Apr =5, Wed 7 =7, Mon 12 =10, Thu 15 =13, Mon 19 =15.
"""

from datetime import datetime

import pytest

from flows.clocks import calendar_for, due
from flows.preset import load_preset

CHRISTMAS = "2026-12-23T10:00:00+00:00"
EASTER_2026 = "2026-04-01T12:00:00+01:00"
EASTER_2027 = "2027-03-25T10:00:00+00:00"

CASES = [
    # Salford (salford-practice-review-policy-2019.txt)
    ("salford", "panel_decision", CHRISTMAS, "2026-12-25T10:00:00+00:00", "7.5: 48 hours, bank holidays count"),
    ("salford", "panel_decision", "2026-10-24T12:00:00+01:00", "2026-10-26T11:00:00+00:00",
     "7.5: 48 real hours across the October clock change"),
    ("salford", "panel_decision", "2027-03-26T12:00:00+00:00", "2027-03-28T13:00:00+01:00",
     "7.5: 48 real hours across the March clock change"),
    ("salford", "info_request_send", CHRISTMAS, "2026-12-29T17:00:00+00:00", "7.7: 2 WD over Christmas"),
    ("salford", "info_request_send", EASTER_2026, "2026-04-07T17:00:00+01:00", "7.7: 2 WD over Easter 2026"),
    ("salford", "agency_return", CHRISTMAS, "2027-01-04T17:00:00+00:00", "7.7: 5 WD over Christmas"),
    ("salford", "agency_return", EASTER_2027, "2027-04-05T17:00:00+01:00", "7.7: 5 WD over Easter 2027"),
    ("salford", "resubmission", EASTER_2026, "2026-04-10T17:00:00+01:00", "7.5: 5 WD to resubmit"),
    ("salford", "case_review", CHRISTMAS, "2027-03-01T17:00:00+00:00", "7.5: 45 WD case review"),
    ("salford", "lead_reviewer", CHRISTMAS, "2027-01-11T17:00:00+00:00", "8.1: 10 WD to appoint"),
    ("salford", "lead_reviewer", EASTER_2027, "2027-04-12T17:00:00+01:00", "8.1: 10 WD over Easter 2027"),
    ("salford", "national_panel_outcome", EASTER_2027, "2027-03-31T17:00:00+01:00", "7.13: 2 WD"),
    # Dudley (dudley-learning-improvement-framework-2020.txt, Rapid Reviews)
    ("dudley", "info_request_send", EASTER_2027, "2027-03-31T17:00:00+01:00", "scoping template in 2 WD"),
    ("dudley", "agency_return", EASTER_2026, "2026-04-10T17:00:00+01:00", "returns in 5 WD"),
    ("dudley", "rr_meeting", CHRISTMAS, "2027-01-14T17:00:00+00:00", "meeting by 13 WD (the window's latest)"),
    ("dudley", "rr_meeting", EASTER_2027, "2027-04-15T17:00:00+01:00", "13 WD over Easter 2027"),
    ("dudley", "rr_complete", CHRISTMAS, "2027-01-18T17:00:00+00:00", "RR complete in 15 WD"),
    ("dudley", "rr_complete", EASTER_2026, "2026-04-24T17:00:00+01:00", "15 WD over Easter 2026"),
    ("dudley", "national_panel_outcome", CHRISTMAS, "2026-12-29T17:00:00+00:00", "template in 2 WD"),
    # Kirklees (kirklees-lcspr-process-2018.txt): the information gathering tool back in 48 hours
    ("kirklees", "agency_return", CHRISTMAS, "2026-12-25T10:00:00+00:00", "48 hours, holidays count"),
    ("kirklees", "agency_return", "2026-10-24T12:00:00+01:00", "2026-10-26T11:00:00+00:00",
     "48 real hours across the October clock change"),
    # Stockport (stockport-cspr-sar-protocol-2017.txt, sections 10 and 11)
    ("stockport", "sar_screening", CHRISTMAS, "2027-01-18T17:00:00+00:00", "10: screening in 15 WD"),
    ("stockport", "sar_screening", EASTER_2027, "2027-04-19T17:00:00+01:00", "15 WD over Easter 2027"),
    ("stockport", "sar_recommendation", CHRISTMAS, "2027-01-04T17:00:00+00:00", "11: 5 WD to the Chair"),
    ("stockport", "sar_chair_decision", EASTER_2026, "2026-04-10T17:00:00+01:00", "11: the Chair in 5 WD"),
]


@pytest.mark.parametrize(("preset", "clock_id", "start", "expected", "rule"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2][:10]}" for c in CASES])
def test_clock_due(preset: str, clock_id: str, start: str, expected: str, rule: str) -> None:
    p = load_preset(preset)
    cal = calendar_for(p)
    got = due(p, cal, p.clock(clock_id), datetime.fromisoformat(start))
    assert cal.local(got).isoformat() == expected, rule


def test_every_required_clock_id_is_covered_above() -> None:
    """The ids the issue names are interfaces: each is exercised by the table for the presets that have it."""
    required = {
        "panel_decision", "agency_return", "info_request_send", "resubmission", "case_review", "lead_reviewer",
        "national_panel_outcome", "rr_meeting", "rr_complete", "sar_screening",
        "sar_recommendation", "sar_chair_decision",
    }
    assert required <= {c[1] for c in CASES}
