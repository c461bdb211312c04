"""A whole report for a period: the figures of `figures`, the months, and the SAR referrals by quarter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from flows import complaints as complaint_rules
from flows.calendar import WorkingCalendar
from flows.preset import Preset
from flows.reports.figures import (
    LateCounter,
    decisions_by_who,
    disagreements_by_party,
    in_period,
    later_stage_decisions,
    outcome_group,
    outcome_groups,
    referrals_by_outcome,
    referrals_by_parallel,
    referrals_by_referrer,
    referrals_by_source,
    referrals_by_theme,
    referrals_by_type,
    reviews_by_type_and_outcome,
    timeliness,
)
from flows.reports.periods import Period, month_label, months_in, quarters_in
from flows.reports.rows import (
    SAR_QUARTERLY_CLOCK,
    CrossTab,
    DeadlineRow,
    DisagreementRow,
    ReferralRow,
    Report,
    SarQuarter,
    StageDecisionRow,
)


def referrals_per_month(preset: Preset, cal: WorkingCalendar, period: Period, rows: Sequence[ReferralRow]) -> CrossTab:
    months = months_in(period)
    groups = outcome_groups(preset)
    counts = Counter()
    for r in rows:
        local = cal.local(r.received_at)
        counts[((local.year, local.month), outcome_group(preset, r))] += 1
    extra = sorted({g for (_, g) in counts} - set(groups))
    groups += extra
    return CrossTab(
        rows=tuple(month_label(y, m) for y, m in months),
        columns=tuple(groups),
        cells=tuple(tuple(counts[((y, m), g)] for g in groups) for y, m in months),
    )


def sar_types(preset: Preset) -> tuple[str, ...] | None:
    """The referral types a preset reports each quarter (Stockport section 5), or None."""
    if not preset.has_clock(SAR_QUARTERLY_CLOCK):
        return None
    clock = preset.clock(SAR_QUARTERLY_CLOCK)
    return clock.referral_types or tuple(t.id for t in preset.referral_types)


def sar_by_quarter(
    preset: Preset, cal: WorkingCalendar, period: Period, rows: Sequence[ReferralRow]
) -> tuple[list[SarQuarter], list[ReferralRow]] | None:
    types = sar_types(preset)
    if types is None:
        return None
    sars = [r for r in rows if r.referral_type in types]
    out = []
    for quarter in quarters_in(period):
        # A quarter is cut to the period, so a report for part of a year never counts days outside it.
        cut = Period(max(quarter.start, period.start), min(quarter.end, period.end), quarter.label)
        mine = [r for r in sars if cut.contains(cal, r.received_at)]
        out.append(SarQuarter(cut, len(mine), tuple(referrals_by_outcome(preset, mine))))
    return out, sorted(sars, key=lambda r: (r.received_at, r.reference))


def build_report(
    preset: Preset,
    cal: WorkingCalendar,
    period: Period,
    now: datetime,
    referrals: Sequence[ReferralRow],
    deadlines: Sequence[DeadlineRow],
    disagreements: Sequence[DisagreementRow],
    *,
    practice: bool = False,
    complaints: Sequence[complaint_rules.ComplaintRow] = (),
    stage_decisions: Sequence[StageDecisionRow] = (),
) -> Report:
    """Every measure for the period. Rows outside the period are ignored, so callers may pass more (a later
    stage's decision counts with its referral: received in the period)."""
    refs = in_period(cal, period, referrals, "received_at")
    dues = in_period(cal, period, deadlines, "due_at")
    disputes = sorted(in_period(cal, period, disagreements, "recorded_at"), key=lambda d: (d.recorded_at, d.reference))
    late = LateCounter(cal)
    clocks, missed = timeliness(preset, cal, dues, now, late=late)
    agencies, _ = timeliness(
        preset,
        cal,
        [d for d in dues if d.agency],
        now,
        by="agency",
        labels={a.id: a.label for a in preset.agencies},
        late=late,
    )
    order = {a.id: i for i, a in enumerate(preset.agencies)}
    agencies.sort(key=lambda t: (order.get(t.key, len(order)), t.key))
    sar = sar_by_quarter(preset, cal, period, refs)
    return Report(
        partnership=preset.name,
        preset_id=preset.id,
        period=period,
        as_at=now,
        received=len(refs),
        by_type=tuple(referrals_by_type(preset, refs)),
        by_outcome=tuple(referrals_by_outcome(preset, refs)),
        by_referrer=tuple(referrals_by_referrer(refs)),
        by_theme=tuple(referrals_by_theme(preset, refs)),
        reviews=reviews_by_type_and_outcome(preset, refs),
        decided_by=tuple(decisions_by_who(preset, refs)),
        disagreements_by_party=tuple(disagreements_by_party(disputes)),
        disagreements=tuple(disputes),
        timeliness=tuple(clocks),
        returns_by_agency=tuple(agencies),
        missed=tuple(missed),
        monthly=referrals_per_month(preset, cal, period, refs),
        sar_quarters=None if sar is None else tuple(sar[0]),
        sar_referrals=() if sar is None else tuple(sar[1]),
        practice=practice,
        by_source=tuple(referrals_by_source(preset, refs)),
        by_parallel=tuple(referrals_by_parallel(preset, refs)),
        complaints=() if preset.complaints is None else tuple(
            complaint_rules.figures(preset.complaints, in_period(cal, period, complaints, "received_at"), now)
        ),
        later_stages=tuple(later_stage_decisions(preset, refs, stage_decisions)),
    )
