"""What a report is made of: the plain rows the service reads from the record, the shapes of the figures,
and the words a report groups by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.preset import Preset
from flows.reports.periods import Period

NOT_DECIDED = "Not yet decided"
WITHDRAWN = "Withdrawn"
NO_THEME = "No theme recorded"
PARTIES = {"referrer": "The referrer", "national_panel": "The National Panel"}
SAR_QUARTERLY_CLOCK = "sar_quarterly_report"  # Stockport section 5: SAR referrals are reported each quarter
# The action shown for another partnership's audit entry in an export (`panelbot export`): its hash is kept,
# its content is not. The service writes it; `bot/reports/export.py` recognises it when checking an archive.
WITHHELD = "withheld (another partnership)"
# Who a deadline waits on ------------------------------------------------------------------------------

_OWNERS = {"bm": "the business manager", "panel": "the panel", "agency": "an agency", "la": "the local authority"}


def waits_on(preset: Preset, owner: str, agency: str | None = None) -> str:
    """In words: the agency by its label for an information return, else the clock's owner."""
    if agency:
        return next((a.label for a in preset.agencies if a.id == agency), agency)
    if owner == "chair":
        return f"the {preset.role_label(preset.tie_break_role)}"
    return _OWNERS.get(owner, owner)


# Rows the service layer reads -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRow:
    reference: str
    subject: str  # anonymised: "Young Person C"
    referral_type: str
    referrer: str
    themes: tuple[str, ...]
    received_at: datetime
    status: str  # flows.referrals.Status value
    outcome: str | None
    decided_how: str | None  # panel | bm | chair
    decided_at: datetime | None
    source: str | None = None  # where it came from (issue 23), a source id of the preset
    parallel: tuple[str, ...] = ()  # the processes running alongside, ids of the preset


@dataclass(frozen=True)
class DeadlineRow:
    reference: str
    subject: str
    clock_id: str
    label: str
    due_at: datetime
    done_at: datetime | None
    cancelled_at: datetime | None
    agency: str | None = None


@dataclass(frozen=True)
class DisagreementRow:
    reference: str
    subject: str
    referral_type: str
    party: str  # referrer | national_panel
    decision: str | None  # the outcome disagreed with
    reason: str
    recorded_at: datetime


@dataclass(frozen=True)
class StageDecisionRow:
    """A later stage's decision (Salford 7.12: the rapid review meeting's, after the panel commenced a rapid
    review), read with its referral's reference."""

    reference: str
    stage: str  # the preset's stage id
    outcome: str
    how: str  # meeting
    decided_at: datetime


@dataclass(frozen=True)
class MeetingRow:
    """A meeting held (issue 21, section 5): whether it was inside its window, quorate, and had its papers on
    time. None: the measure does not apply to it (no window, no papers clock)."""

    reference: str
    held_at: datetime
    quorate: bool
    inside_window: bool | None
    papers_on_time: bool | None


# The figures -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossTab:
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]

    def cell(self, row: str, column: str) -> int:
        return self.cells[self.rows.index(row)][self.columns.index(column)]


@dataclass(frozen=True)
class Timeliness:
    """One clock (or one agency's information returns): deadlines that fell due in the period."""

    key: str
    label: str
    met: int
    missed: int
    running: int  # due in the period but not yet (the period runs past today)
    median_late: float | None  # working days, of the missed ones
    worst_late: int | None

    @property
    def counted(self) -> int:
        return self.met + self.missed


@dataclass(frozen=True)
class Lateness:
    """One missed deadline, for the detailed list."""

    reference: str
    subject: str
    label: str
    agency: str | None
    due_at: datetime
    done_at: datetime | None  # None: still open
    working_days_late: int


@dataclass(frozen=True)
class StageFigures:
    """One later stage over the referrals received in the period that reached it (the panel decided an outcome
    it follows): its decisions by outcome, in the preset's order, then those not yet decided."""

    stage: str  # the preset's stage id
    label: str  # "the rapid review meeting's decision"
    by_outcome: tuple[tuple[str, int], ...]  # (label, count)
    after: tuple[str, ...] = ()  # the labels of the panel outcomes that lead to it

    @property
    def decided(self) -> int:
        return sum(n for label, n in self.by_outcome if label != NOT_DECIDED)


@dataclass(frozen=True)
class SarQuarter:
    period: Period
    received: int
    by_outcome: tuple[tuple[str, int], ...]  # (label, count), preset order, then not decided and withdrawn


@dataclass(frozen=True)
class Report:
    partnership: str
    preset_id: str
    period: Period
    as_at: datetime
    received: int
    by_type: tuple[tuple[str, int], ...]
    by_outcome: tuple[tuple[str, int], ...]
    by_referrer: tuple[tuple[str, int], ...]
    by_theme: tuple[tuple[str, int], ...]
    reviews: CrossTab  # referral type x decision
    decided_by: tuple[tuple[str, int], ...]
    disagreements_by_party: tuple[tuple[str, int], ...]
    disagreements: tuple[DisagreementRow, ...]
    timeliness: tuple[Timeliness, ...]
    returns_by_agency: tuple[Timeliness, ...]
    missed: tuple[Lateness, ...]
    monthly: CrossTab  # months x outcome group, referrals received
    sar_quarters: tuple[SarQuarter, ...] | None  # None: the preset does not report SARs each quarter
    sar_referrals: tuple[ReferralRow, ...] = ()
    practice: bool = False  # from a practice database: its title says so
    # Meetings held in the period (issue 21, section 5): inside the window, quorate, papers on time, each as
    # met (yes) and missed (no), so the timeliness chart shows them beside the clocks.
    meetings: tuple[Timeliness, ...] = ()
    meetings_held: int = 0
    # Issue 23, where the preset has them: referrals by where they came from and by the processes running
    # alongside them, and complaints received in the period by subject and timeliness (`flows.complaints`).
    by_source: tuple[tuple[str, int], ...] = ()
    by_parallel: tuple[tuple[str, int], ...] = ()
    complaints: tuple[tuple[str | int, ...], ...] = ()
    # Issue 21: each later stage's decisions (Salford 7.12's rapid review meeting), by outcome, over the referrals
    # received in the period that reached it; empty where the preset has no later stage.
    later_stages: tuple[StageFigures, ...] = ()
