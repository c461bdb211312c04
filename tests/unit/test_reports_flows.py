"""The figures of the business manager's report (issue 8), computed by `flows.reports` from plain rows.

Every expected figure below was worked out by hand from the rows written out in this file, not by running
the code: the comments show the counting. Salford policy section 10.3 lists the measures: (a) referrals by
type, outcome, referrer and theme; (b) reviews by type and outcome; (c) disagreements; (d) timeliness.
Stockport's protocol section 5 reports SAR referrals each quarter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.clocks import calendar_for
from flows.errors import InvalidInput
from flows.preset import load_preset
from flows.reports import (
    NO_THEME,
    NOT_DECIDED,
    WITHDRAWN,
    DeadlineRow,
    DisagreementRow,
    LateCounter,
    Period,
    ReferralRow,
    StageDecisionRow,
    build_report,
    decisions_by_who,
    disagreements_by_party,
    later_stage_decisions,
    months_in,
    parse_period,
    quarters_in,
    referrals_by_outcome,
    referrals_by_referrer,
    referrals_by_theme,
    referrals_by_type,
    referrals_per_month,
    reviews_by_type_and_outcome,
    sar_by_quarter,
    timeliness,
    waits_on,
)

SALFORD = load_preset("salford")
STOCKPORT = load_preset("stockport")
CAL = calendar_for(SALFORD)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ref(
    n: int,
    rtype: str,
    referrer: str,
    themes: tuple[str, ...],
    received: datetime,
    status: str,
    outcome: str | None = None,
    how: str | None = None,
) -> ReferralRow:
    return ReferralRow(
        reference=f"SAL-2026-{n:03d}",
        subject=f"Young Person {'ABCDEFGHIJ'[n - 1]}",
        referral_type=rtype,
        referrer=referrer,
        themes=themes,
        received_at=received,
        status=status,
        outcome=outcome,
        decided_how=how,
        decided_at=received if outcome else None,
    )


# Seven referrals received from November 2026 to January 2027 (all GMT, so UTC is UK time), and one the
# evening before the period starts.
R1 = ref(1, "rapid_review", "Children's Social Care", ("neglect", "domestic abuse"), utc(2026, 11, 2, 9), "decided",
         "commence_rapid_review", "panel")
R2 = ref(2, "rapid_review", "children's  social care", ("neglect",), utc(2026, 11, 10, 9), "decided", "case_review",
         "chair")
R3 = ref(3, "case_review", "Police", (), utc(2026, 11, 30, 23, 30), "decided", "neither_threshold", "panel")
R4 = ref(4, "case_review", "School", ("mental health",), utc(2026, 12, 1, 9), "returned", "incomplete_referral",
         "panel")
R5 = ref(5, "rapid_review", "Police", ("domestic abuse",), utc(2026, 12, 15, 9), "with_panel")
R6 = ref(6, "rapid_review", "School", (), utc(2027, 1, 3, 9), "withdrawn")
R7 = ref(7, "rapid_review", "Police", ("neglect",), utc(2027, 1, 20, 9), "decided", "commence_rapid_review", "bm")
R8_BEFORE = ref(8, "case_review", "Police", ("neglect",), utc(2026, 10, 31, 23, 30), "decided", "case_review", "panel")
IN_PERIOD = [R1, R2, R3, R4, R5, R6, R7]
PERIOD = Period(date(2026, 11, 1), date(2027, 1, 31))
NOW = utc(2027, 1, 11, 12)  # Mon 11 Jan 2027, 12:00 GMT


def dl(reference: int, clock: str, due: datetime, done=None, cancelled=None, agency=None) -> DeadlineRow:  # type: ignore[no-untyped-def]
    return DeadlineRow(
        reference=f"SAL-2026-{reference:03d}",
        subject="Young Person X",
        clock_id=clock,
        label=SALFORD.clock(clock).label,
        due_at=due,
        done_at=done,
        cancelled_at=cancelled,
        agency=agency,
    )


# Information returns (agency_return, 5 WD) and two panel decisions (48 hours), counted by hand with
# England's bank holidays: Christmas Day Fri 25 Dec 2026, Boxing Day observed Mon 28 Dec, New Year's Day
# Fri 1 Jan 2027.
RETURN_A_MET = dl(1, "agency_return", utc(2027, 1, 5, 17), done=utc(2027, 1, 5, 16), agency="health")
# Due Tue 5 Jan; done Fri 8 Jan: Wed 6, Thu 7, Fri 8 = 3 working days late.
RETURN_B_3_LATE = dl(1, "agency_return", utc(2027, 1, 5, 17), done=utc(2027, 1, 8, 10), agency="police")
# Due Wed 23 Dec; done Tue 29 Dec: Thu 24 = 1, (Fri 25, Sat, Sun, Mon 28 off), Tue 29 = 2.
RETURN_C_2_LATE = dl(2, "agency_return", utc(2026, 12, 23, 17), done=utc(2026, 12, 29, 11), agency="police")
# Due Mon 4 Jan, still open at Mon 11 Jan 12:00: Tue 5, Wed 6, Thu 7, Fri 8, Mon 11 = 5.
RETURN_D_OPEN_5_LATE = dl(4, "agency_return", utc(2027, 1, 4, 17), agency="police")
# Due Fri 15 Jan, still open on Mon 11 Jan: not yet due.
RETURN_E_RUNNING = dl(5, "agency_return", utc(2027, 1, 15, 17), agency="police")
# Stopped on Wed 6 Jan before it fell due on Thu 7 Jan: left out.
RETURN_F_STOPPED = dl(6, "agency_return", utc(2027, 1, 7, 17), cancelled=utc(2027, 1, 6, 9), agency="police")
# Due Wed 30 Dec, stopped Mon 4 Jan (after it fell due): Thu 31 = 1, (Fri 1 Jan off), Mon 4 = 2 late.
RETURN_G_STOPPED_LATE = dl(7, "agency_return", utc(2026, 12, 30, 17), cancelled=utc(2027, 1, 4, 9), agency="health")
# 48 hours from Mon 23 Nov 10:12: due Wed 25 Nov 10:12. One decided 48 minutes late (missed, but 0 working
# days late: the same day), one exactly on time (met).
DECISION_H_SAME_DAY = dl(1, "panel_decision", utc(2026, 11, 25, 10, 12), done=utc(2026, 11, 25, 11))
DECISION_I_ON_TIME = dl(2, "panel_decision", utc(2026, 11, 25, 10, 12), done=utc(2026, 11, 25, 10, 12))
DEADLINES = [
    RETURN_A_MET,
    RETURN_B_3_LATE,
    RETURN_C_2_LATE,
    RETURN_D_OPEN_5_LATE,
    RETURN_E_RUNNING,
    RETURN_F_STOPPED,
    RETURN_G_STOPPED_LATE,
    DECISION_H_SAME_DAY,
    DECISION_I_ON_TIME,
]


def disagreement(n: int, party: str, decision: str, recorded: datetime) -> DisagreementRow:
    return DisagreementRow(f"SAL-2026-{n:03d}", "Young Person X", "case_review", party, decision, "reason", recorded)


DISAGREEMENTS = [
    disagreement(3, "referrer", "neither_threshold", utc(2026, 12, 5, 10)),
    disagreement(1, "national_panel", "commence_rapid_review", utc(2027, 1, 20, 10)),
    disagreement(2, "referrer", "case_review", utc(2027, 2, 1, 10)),  # after the period
]


# Periods ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026-04-01..2027-03-31", date(2026, 4, 1), date(2027, 3, 31), ""),
        ("01/04/2026..31/03/2027", date(2026, 4, 1), date(2027, 3, 31), ""),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "2026-Q3"),
        ("2026q4", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        ("Q1 2027", date(2027, 1, 1), date(2027, 3, 31), "2027-Q1"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026"),
        ("2026/27", date(2026, 4, 1), date(2027, 3, 31), "2026/27"),
        ("FY2026", date(2026, 4, 1), date(2027, 3, 31), "2026/27"),
        ("2027-02", date(2027, 2, 1), date(2027, 2, 28), "2027-02"),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29), "2028-02"),  # a leap year
    ],
)
def test_periods_as_the_business_manager_types_them(text: str, start: date, end: date, label: str) -> None:
    period = parse_period(text, today=date(2026, 11, 23))
    assert (period.start, period.end, period.label) == (start, end, label)


def test_no_period_means_the_financial_year_so_far() -> None:
    # Salford reports each year; partnerships' years run April to March. On 23 Nov 2026 that is 1 Apr 2026
    # to today; on 10 Feb 2027 still the year that began in April 2026.
    p = parse_period("", today=date(2026, 11, 23))
    assert (p.start, p.end, p.label) == (date(2026, 4, 1), date(2026, 11, 23), "2026/27 to date")
    p = parse_period(None, today=date(2027, 2, 10))
    assert (p.start, p.end) == (date(2026, 4, 1), date(2027, 2, 10))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("last year", "is not a period"),
        ("2026-13", "is not a period"),
        ("2026/28", "is not a financial year"),
        ("2026-04-31..2027-03-31", '"2026-04-31" is not a date'),
        ("2027-03-31..2026-04-01", "The period ends (1 Apr 2026) before it starts (31 Mar 2027)."),
    ],
)
def test_a_period_that_is_not_one_is_refused_in_one_sentence(text: str, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_period(text, today=date(2026, 11, 23))
    assert says in str(refused.value)


def test_a_period_is_uk_calendar_dates_across_the_clock_change() -> None:
    # 2026-Q3 starts at midnight BST on 1 Jul, which is 23:00 UTC on 30 Jun; it ends at midnight BST on
    # 1 Oct (23:00 UTC on 30 Sep).
    q3 = parse_period("2026-Q3", today=date(2026, 11, 23))
    assert q3.bounds(CAL) == (utc(2026, 6, 30, 23), utc(2026, 9, 30, 23))
    assert q3.contains(CAL, utc(2026, 6, 30, 23, 30))  # 00:30 BST on 1 Jul
    assert not q3.contains(CAL, utc(2026, 6, 30, 22, 59))  # 23:59 BST on 30 Jun
    assert q3.contains(CAL, utc(2026, 9, 30, 22, 59))
    assert not q3.contains(CAL, utc(2026, 9, 30, 23, 0))
    # After the clocks go back (25 Oct 2026) UK time is UTC.
    assert PERIOD.bounds(CAL) == (utc(2026, 11, 1), utc(2027, 2, 1))


def test_months_and_quarters_of_a_financial_year() -> None:
    fy = parse_period("2026/27", today=date(2026, 11, 23))
    assert months_in(fy)[0] == (2026, 4) and months_in(fy)[-1] == (2027, 3) and len(months_in(fy)) == 12
    assert [q.label for q in quarters_in(fy)] == ["2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"]


# Salford 10.3 (a) and (b) -----------------------------------------------------------------------------------


def test_referrals_by_type() -> None:
    # Rapid review: R1, R2, R5, R6, R7 = 5. Case review: R3, R4 = 2.
    assert referrals_by_type(SALFORD, IN_PERIOD) == [("Rapid review", 5), ("Case review", 2)]


def test_referrals_by_outcome_as_the_decision_stands_now() -> None:
    # Commence: R1, R7. Case review instead: R2. Incomplete: R4 (returned). Neither: R3. Not decided: R5 (with the
    # panel). Withdrawn: R6.
    assert referrals_by_outcome(SALFORD, IN_PERIOD) == [
        ("Commence rapid review", 2),
        ("Case review instead", 1),
        ("Incomplete referral", 1),
        ("Meets neither threshold", 1),
        (NOT_DECIDED, 1),
        (WITHDRAWN, 1),
    ]


def test_referrals_by_referring_agency_ignore_case_and_spacing() -> None:
    # "Children's Social Care" (R1) and "children's  social care" (R2) are one agency, shown as first typed.
    # Police: R3, R5, R7 = 3, first; then the twos alphabetically.
    assert referrals_by_referrer(IN_PERIOD) == [("Police", 3), ("Children's Social Care", 2), ("School", 2)]


def test_referrals_by_theme_count_each_theme_once_per_referral() -> None:
    # Neglect: R1, R2, R7 = 3. Domestic abuse: R1, R5 = 2. Mental health: R4 = 1. No theme: R3, R6 = 2.
    # In the preset's order, every theme listed even when 0.
    assert referrals_by_theme(SALFORD, IN_PERIOD) == [
        ("Neglect", 3),
        ("Domestic abuse", 2),
        ("Sudden unexpected death in infancy", 0),
        ("Non-accidental injury", 0),
        ("Mental health", 1),
        ("Substance misuse", 0),
        ("Exploitation", 0),
        ("Suicide or self-harm", 0),
        (NO_THEME, 2),
    ]


def test_reviews_by_type_and_outcome() -> None:
    # Decided: R1 (rapid, commence), R2 (rapid, case review), R3 (case, neither), R4 (case, incomplete), R7 (rapid,
    # commence). R5 is undecided and R6 withdrawn, so neither is counted.
    tab = reviews_by_type_and_outcome(SALFORD, IN_PERIOD)
    assert tab.rows == ("Rapid review", "Case review")
    assert tab.columns == (
        "Commence rapid review", "Case review instead", "Incomplete referral", "Meets neither threshold"
    )
    assert tab.cells == ((2, 1, 0, 0), (0, 0, 1, 1))


def test_decisions_by_who_made_them() -> None:
    # Panel: R1, R3, R4. BM at once: R7. The Independent Adviser after a tie: R2.
    assert decisions_by_who(SALFORD, IN_PERIOD) == [
        ("The panel, by majority", 3),
        ("The business manager, at once", 1),
        ("The Independent Adviser, after escalation", 1),
    ]


def test_the_rapid_review_meeting_s_decisions_follow_the_panel_s_commencing_one() -> None:
    # Salford 7.12: R1 (the panel) and R7 (the business manager at once) commenced a rapid review. R1's meeting
    # decided a CSPR; R7's has not decided yet. A decision on R8, received before the period, is not counted, and
    # the panel's own counts stay as they were.
    decisions = [
        StageDecisionRow("SAL-2026-001", "rapid_review_meeting", "cspr", "meeting", utc(2026, 11, 12, 14)),
        StageDecisionRow("SAL-2026-008", "rapid_review_meeting", "local_review", "meeting", utc(2026, 11, 9, 14)),
    ]
    (stage,) = later_stage_decisions(SALFORD, IN_PERIOD, decisions)
    assert (stage.stage, stage.label, stage.after) == (
        "rapid_review_meeting", "the rapid review meeting's decision", ("Commence rapid review",))
    assert stage.by_outcome == (
        ("Recommend a child safeguarding practice review", 1),
        ("Other local review or learning event", 0),
        ("No further action", 0),
        (NOT_DECIDED, 1),
    )
    assert stage.decided == 1
    report = build_report(SALFORD, CAL, PERIOD, NOW, [*IN_PERIOD, R8_BEFORE], [], [], stage_decisions=decisions)
    assert report.later_stages == (stage,)
    assert report.by_outcome == tuple(referrals_by_outcome(SALFORD, IN_PERIOD))
    assert report.reviews == reviews_by_type_and_outcome(SALFORD, IN_PERIOD)
    # Stockport and Dudley have no later stage: nothing is added to their reports.
    assert later_stage_decisions(STOCKPORT, IN_PERIOD, []) == []
    assert later_stage_decisions(load_preset("dudley"), IN_PERIOD, []) == []
    # A stage since taken out of the preset still counts the decisions it made, under its id in words.
    (gone,) = later_stage_decisions(STOCKPORT, IN_PERIOD, decisions[:1])
    assert (gone.label, gone.by_outcome) == ("Rapid review meeting", (("Cspr", 1), (NOT_DECIDED, 0)))


def test_referrals_per_month_by_outcome() -> None:
    # Nov: R1 commence, R2 case review, R3 neither (23:30 GMT on 30 Nov is still November). Dec: R4 incomplete, R5
    # undecided. Jan: R6 withdrawn, R7 commence.
    tab = referrals_per_month(SALFORD, CAL, PERIOD, IN_PERIOD)
    assert tab.rows == ("Nov 2026", "Dec 2026", "Jan 2027")
    assert tab.cell("Nov 2026", "Commence rapid review") == 1
    assert tab.cell("Nov 2026", "Case review instead") == 1
    assert tab.cell("Nov 2026", "Meets neither threshold") == 1
    assert tab.cell("Dec 2026", "Incomplete referral") == 1
    assert tab.cell("Dec 2026", NOT_DECIDED) == 1
    assert tab.cell("Jan 2027", WITHDRAWN) == 1
    assert tab.cell("Jan 2027", "Commence rapid review") == 1
    assert [sum(row) for row in tab.cells] == [3, 2, 2]


# Salford 10.3 (c) -------------------------------------------------------------------------------------------


def test_disagreements_by_who_disagreed() -> None:
    assert disagreements_by_party(DISAGREEMENTS[:2]) == [("The referrer", 1), ("The National Panel", 1)]
    assert disagreements_by_party([]) == [("The referrer", 0), ("The National Panel", 0)]


# Salford 10.3 (d) -------------------------------------------------------------------------------------------


def test_timeliness_per_clock_met_missed_median_and_worst() -> None:
    clocks, missed = timeliness(SALFORD, CAL, DEADLINES, NOW)
    by_id = {t.key: t for t in clocks}
    # agency_return: met A; missed B (3), C (2), D (5, still open), G (2, stopped after due); E not yet due;
    # F stopped before due, left out. Lateness 2, 2, 3, 5: median (2 + 3) / 2 = 2.5, worst 5.
    returns = by_id["agency_return"]
    assert (returns.met, returns.missed, returns.running) == (1, 4, 1)
    assert (returns.median_late, returns.worst_late) == (2.5, 5)
    # panel_decision: I on time (met), H 48 minutes late (missed, 0 working days).
    decision = by_id["panel_decision"]
    assert (decision.met, decision.missed, decision.running, decision.median_late, decision.worst_late) == (
        1, 1, 0, 0.0, 0,
    )
    # Every clock of the preset has a row, in the preset's order, even with nothing due.
    assert [t.key for t in clocks] == [c.id for c in SALFORD.clocks]
    assert (by_id["lead_reviewer"].met, by_id["lead_reviewer"].missed, by_id["lead_reviewer"].median_late) == (
        0, 0, None,
    )
    # The missed list, latest first: D 5, B 3, C 2 (due 23 Dec) then G 2 (due 30 Dec), H 0.
    assert [(m.reference, m.working_days_late) for m in missed] == [
        ("SAL-2026-004", 5),
        ("SAL-2026-001", 3),
        ("SAL-2026-002", 2),
        ("SAL-2026-007", 2),
        ("SAL-2026-001", 0),
    ]
    assert missed[0].done_at is None  # still open


def test_timeliness_of_information_returns_by_agency() -> None:
    agencies, _ = timeliness(SALFORD, CAL, DEADLINES, NOW, by="agency", labels={"police": "GMP", "health": "ICB"})
    by_key = {t.key: t for t in agencies}
    # Police: B 3, C 2, D 5 missed; E running; F stopped. Median of 2, 3, 5 = 3; worst 5.
    police = by_key["police"]
    assert (police.label, police.met, police.missed, police.running, police.median_late, police.worst_late) == (
        "GMP", 0, 3, 1, 3.0, 5,
    )
    # Health: A met, G missed by 2.
    health = by_key["health"]
    assert (health.met, health.missed, health.median_late, health.worst_late) == (1, 1, 2.0, 2)
    assert set(by_key) == {"police", "health"}  # the panel's decisions have no agency


def test_lateness_is_the_calendars_remembered_by_uk_dates() -> None:
    late = LateCounter(CAL)
    # Due Wed 23 Dec 2026, done Tue 29 Dec: 2 (as counted above), and the same at any time on those dates.
    assert late(utc(2026, 12, 23, 17), utc(2026, 12, 29, 11)) == 2
    assert late(utc(2026, 12, 23, 9), utc(2026, 12, 29, 23, 59)) == 2
    assert late(utc(2026, 12, 23, 17), utc(2026, 12, 29, 11)) == CAL.working_days_late(
        utc(2026, 12, 23, 17), utc(2026, 12, 29, 11)
    )
    # Across the October clock change the UK date decides: 23:30 UTC on Sun 25 Oct is still Sunday (GMT),
    # 23:30 UTC on Fri 23 Oct is 00:30 BST on Saturday: due Fri 23 Oct, done then, 0 late; done Mon 26 = 1.
    assert late(utc(2026, 10, 23, 16), utc(2026, 10, 23, 23, 30)) == 0
    assert late(utc(2026, 10, 23, 16), utc(2026, 10, 26, 9)) == 1


def test_who_a_deadline_waits_on() -> None:
    assert waits_on(SALFORD, "agency", "police") == "Greater Manchester Police"
    assert waits_on(SALFORD, "bm") == "the business manager"
    assert waits_on(SALFORD, "chair") == "the Independent Adviser"
    assert waits_on(SALFORD, "la") == "the local authority"


# The whole report ---------------------------------------------------------------------------------------


def test_the_report_counts_only_what_belongs_to_the_period() -> None:
    report = build_report(
        SALFORD, CAL, PERIOD, NOW, [*IN_PERIOD, R8_BEFORE], DEADLINES, DISAGREEMENTS
    )
    # R8 arrived at 23:30 GMT on 31 Oct: before the period. The third disagreement was recorded on 1 Feb.
    assert report.received == 7
    assert report.by_type == (("Rapid review", 5), ("Case review", 2))
    assert report.disagreements_by_party == (("The referrer", 1), ("The National Panel", 1))
    assert [d.reference for d in report.disagreements] == ["SAL-2026-003", "SAL-2026-001"]
    # Every deadline above fell due between 25 Nov 2026 and 15 Jan 2027, inside the period.
    assert {t.key: (t.met, t.missed, t.running) for t in report.timeliness}["agency_return"] == (1, 4, 1)
    assert [t.key for t in report.returns_by_agency] == ["police", "health"]  # the preset's order
    assert report.returns_by_agency[0].label == "Greater Manchester Police"
    assert report.sar_quarters is None  # Salford does not report SARs each quarter
    assert report.as_at == NOW


def test_a_deadline_due_outside_the_period_is_not_counted() -> None:
    # Only the two decisions (due 25 Nov) fall in November.
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    report = build_report(SALFORD, CAL, november, NOW, IN_PERIOD, DEADLINES, [])
    counted = {t.key: t.met + t.missed + t.running for t in report.timeliness}
    assert counted["panel_decision"] == 2 and counted["agency_return"] == 0
    assert report.received == 3  # R1, R2, R3


# Stockport section 5: SAR referrals each quarter -------------------------------------------------------------


def test_stockport_reports_sar_referrals_each_quarter() -> None:
    cal = calendar_for(STOCKPORT)

    def sar(n: int, rtype: str, received: datetime, status: str, outcome: str | None = None) -> ReferralRow:
        return ReferralRow(f"STO-2026-{n:03d}", "Adult A", rtype, "Adult social care", (), received, status, outcome,
                           "panel" if outcome else None, received if outcome else None)

    rows = [
        sar(1, "sar", utc(2026, 6, 30, 23, 30), "decided", "refer_sar_screening"),  # 00:30 BST on 1 Jul: Q3
        sar(2, "sar", utc(2026, 8, 15, 9), "decided", "no_review"),
        sar(3, "child", utc(2026, 8, 20, 9), "decided", "rapid_review"),  # a child referral: not a SAR
        sar(4, "sar", utc(2026, 10, 2, 9), "with_panel"),
        sar(5, "sar", utc(2027, 1, 5, 9), "withdrawn"),  # after the period
    ]
    half = Period(date(2026, 7, 1), date(2026, 12, 31))
    quarters, listed = sar_by_quarter(STOCKPORT, cal, half, [r for r in rows if half.contains(cal, r.received_at)])
    assert [(q.period.label, q.received) for q in quarters] == [("2026-Q3", 2), ("2026-Q4", 1)]
    q3 = dict(quarters[0].by_outcome)
    assert q3["Refer to the SAR screening panel"] == 1 and q3["No review: criteria not met"] == 1
    assert sum(q3.values()) == 2
    q4 = dict(quarters[1].by_outcome)
    assert q4[NOT_DECIDED] == 1 and sum(q4.values()) == 1
    assert [r.reference for r in listed] == ["STO-2026-001", "STO-2026-002", "STO-2026-004"]

    report = build_report(STOCKPORT, cal, half, utc(2027, 2, 1), rows, [], [])
    assert report.sar_quarters is not None and [q.received for q in report.sar_quarters] == [2, 1]
    assert report.received == 4  # STO-1 to STO-4; the child referral counts in the other measures


def test_a_part_year_report_cuts_its_quarters_to_the_period() -> None:
    cal = calendar_for(STOCKPORT)
    period = Period(date(2026, 8, 15), date(2026, 11, 10))
    quarters, _ = sar_by_quarter(STOCKPORT, cal, period, [])
    assert [(q.period.start, q.period.end) for q in quarters] == [
        (date(2026, 8, 15), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 11, 10)),
    ]
