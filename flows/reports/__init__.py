"""The business manager's figures: what Salford reports each year (policy section 10.3) and Stockport each
quarter (protocol section 5), computed from plain rows of the record.

Pure: no database, no clock. The service layer (`bot/service/reports.py`) reads the rows and passes the
time "now"; the renderers (`bot/reports/`) turn a :class:`Report` into tables, CSV files and charts.

Rules the product settled (the README repeats them):

* **Period.** A period is a range of UK calendar dates, both ends included. A referral belongs to the
  period in which it was *received*; a disagreement to the one in which it was *recorded*; a deadline to
  the one in which it *fell due*.
* **Outcome** of a referral is its decision as it stands now: a referral returned as incomplete and then
  resubmitted counts under its new decision, or as not yet decided.
* **Timeliness.** A deadline is *met* when it was done at or before its due time and *missed* when it was
  done after it. A deadline still open after its due time counts as missed, late until now. A deadline
  stopped (cancelled) before it fell due, because a decision or a withdrawal made it unnecessary, is left
  out; one stopped after it fell due was missed, late until it was stopped. One still open and not yet due
  is *running*. Lateness is counted in whole working days with `WorkingCalendar.working_days_late`, so a
  48-hour clock met an hour late on the same day is missed but 0 working days late. The median and the
  worst lateness are of the missed deadlines.

The package, by concern: `periods` (what a period is and how one is typed), `rows` (the rows read from the
record, the shapes of the figures, the words they are grouped by), `figures` (each count and the
timeliness of deadlines) and `build` (a whole report).
"""

from flows.reports.build import build_report, referrals_per_month, sar_by_quarter, sar_types
from flows.reports.figures import (
    DECIDED_BY,
    LateCounter,
    decisions_by_who,
    disagreements_by_party,
    in_period,
    later_stage_decisions,
    meeting_timeliness,
    outcome_group,
    outcome_groups,
    referrals_by_outcome,
    referrals_by_referrer,
    referrals_by_theme,
    referrals_by_type,
    reviews_by_type_and_outcome,
    timeliness,
)
from flows.reports.periods import (
    PERIOD_HELP,
    REPORT_YEARS,
    Period,
    financial_year,
    month_label,
    months_in,
    parse_day,
    parse_period,
    quarters_in,
    uk_date,
)
from flows.reports.rows import (
    NO_THEME,
    NOT_DECIDED,
    PARTIES,
    SAR_QUARTERLY_CLOCK,
    WITHDRAWN,
    WITHHELD,
    CrossTab,
    DeadlineRow,
    DisagreementRow,
    Lateness,
    MeetingRow,
    ReferralRow,
    Report,
    SarQuarter,
    StageDecisionRow,
    StageFigures,
    Timeliness,
    waits_on,
)

__all__ = [
    "DECIDED_BY",
    "NO_THEME",
    "NOT_DECIDED",
    "PARTIES",
    "PERIOD_HELP",
    "REPORT_YEARS",
    "SAR_QUARTERLY_CLOCK",
    "WITHDRAWN",
    "WITHHELD",
    "CrossTab",
    "DeadlineRow",
    "DisagreementRow",
    "MeetingRow",
    "LateCounter",
    "Lateness",
    "Period",
    "ReferralRow",
    "Report",
    "SarQuarter",
    "StageDecisionRow",
    "StageFigures",
    "Timeliness",
    "build_report",
    "decisions_by_who",
    "disagreements_by_party",
    "meeting_timeliness",
    "financial_year",
    "in_period",
    "later_stage_decisions",
    "month_label",
    "months_in",
    "outcome_group",
    "outcome_groups",
    "parse_day",
    "parse_period",
    "quarters_in",
    "referrals_by_outcome",
    "referrals_by_referrer",
    "referrals_by_theme",
    "referrals_by_type",
    "referrals_per_month",
    "reviews_by_type_and_outcome",
    "sar_by_quarter",
    "sar_types",
    "timeliness",
    "uk_date",
    "waits_on",
]
