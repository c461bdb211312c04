"""The figures, one function each: referrals counted by type, outcome, referrer and theme, who decided,
disagreements by party, and how timely each deadline was."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flows.calendar import WorkingCalendar
from flows.preset import PANEL_STAGE, Preset
from flows.referrals import has_decision
from flows.reports.periods import Period
from flows.reports.rows import (
    NO_THEME,
    NOT_DECIDED,
    PARTIES,
    WITHDRAWN,
    CrossTab,
    DeadlineRow,
    DisagreementRow,
    Lateness,
    MeetingRow,
    ReferralRow,
    StageDecisionRow,
    StageFigures,
    Timeliness,
)


def in_period(cal: WorkingCalendar, period: Period, rows: Iterable, attr: str) -> list:
    return [r for r in rows if period.contains(cal, getattr(r, attr))]


def _label(choices: Iterable, key: str) -> str:
    for c in choices:
        if c.id == key:
            return c.label
    return key.replace("_", " ").capitalize()


def outcome_group(preset: Preset, row: ReferralRow) -> str:
    """What a referral is counted under "by outcome": its decision's label, withdrawn, or not yet decided."""
    if row.status == "withdrawn":
        return WITHDRAWN
    if has_decision(row.status, row.outcome):
        return _label(preset.outcomes, row.outcome)
    return NOT_DECIDED


def outcome_groups(preset: Preset) -> list[str]:
    return [o.label for o in preset.panel_outcomes] + [NOT_DECIDED, WITHDRAWN]


def referrals_by_type(preset: Preset, rows: Sequence[ReferralRow]) -> list[tuple[str, int]]:
    counts = Counter(r.referral_type for r in rows)
    out = [(t.label, counts.pop(t.id, 0)) for t in preset.referral_types]
    out += [(_label((), k), n) for k, n in sorted(counts.items())]  # a type since removed from the preset
    return out


def referrals_by_outcome(preset: Preset, rows: Sequence[ReferralRow]) -> list[tuple[str, int]]:
    counts = Counter(outcome_group(preset, r) for r in rows)
    out = [(label, counts.pop(label, 0)) for label in outcome_groups(preset)]
    return out + sorted(counts.items())


def _referrer_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def referrals_by_referrer(rows: Sequence[ReferralRow]) -> list[tuple[str, int]]:
    """Referring agencies as typed, grouped ignoring case and spacing, most referrals first."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for r in rows:
        key = _referrer_key(r.referrer)
        spelling.setdefault(key, " ".join(r.referrer.split()))
        counts[key] += 1
    return sorted(((spelling[k], n) for k, n in counts.items()), key=lambda kv: (-kv[1], kv[0].casefold()))


def referrals_by_theme(preset: Preset, rows: Sequence[ReferralRow]) -> list[tuple[str, int]]:
    """Each theme a referral is tagged with counts once, so the figures can add up to more than the
    referrals; a referral with no theme counts under "No theme recorded"."""
    counts: Counter[str] = Counter()
    for r in rows:
        themes = {t.strip().lower() for t in r.themes if t.strip()}
        counts.update(themes or {NO_THEME})
    out = [(t.capitalize(), counts.pop(t, 0)) for t in preset.themes]
    none = counts.pop(NO_THEME, 0)
    out += [(t.capitalize(), n) for t, n in sorted(counts.items())]
    return out + [(NO_THEME, none)]


def referrals_by_source(preset: Preset, rows: Sequence[ReferralRow]) -> list[tuple[str, int]]:
    """Issue 23 (Salford 7.3): where the referrals came from, in the preset's order; none where it lists none."""
    if not preset.intake.sources:
        return []
    counts = Counter(r.source or "" for r in rows)
    out = [(s.label, counts.pop(s.id, 0)) for s in preset.intake.sources]
    unknown = sum(counts.values())
    return out + ([("Not recorded", unknown)] if unknown else [])


def referrals_by_parallel(preset: Preset, rows: Sequence[ReferralRow]) -> list[tuple[str, int]]:
    """Issue 23 (Suffolk 1): the referrals with each process running alongside (one may have several), and
    those with none."""
    if not preset.intake.parallel:
        return []
    counts = Counter(k for r in rows for k in set(r.parallel))
    out = [(k.label, counts.get(k.id, 0)) for k in preset.intake.parallel]
    return out + [("None recorded", sum(1 for r in rows if not r.parallel))]


def reviews_by_type_and_outcome(preset: Preset, rows: Sequence[ReferralRow]) -> CrossTab:
    """Salford 10.3 (b): the decided referrals, by the type of review asked for and the decision made."""
    decided = [r for r in rows if has_decision(r.status, r.outcome)]
    types = [t.id for t in preset.referral_types]
    types += sorted({r.referral_type for r in decided} - set(types))
    outcomes = [o.id for o in preset.panel_outcomes]
    outcomes += sorted({r.outcome for r in decided if r.outcome} - set(outcomes))
    counts = Counter((r.referral_type, r.outcome) for r in decided)
    return CrossTab(
        rows=tuple(_label(preset.referral_types, t) for t in types),
        columns=tuple(_label(preset.outcomes, o) for o in outcomes),
        cells=tuple(tuple(counts[(t, o)] for o in outcomes) for t in types),
    )


DECIDED_BY = {"panel": "The panel, by majority", "bm": "The business manager, at once", "chair": "The chair",
              "meeting": "The rapid review meeting",
              "bm_views": "The business manager, after the partners' views"}


def decisions_by_who(preset: Preset, rows: Sequence[ReferralRow]) -> list[tuple[str, int]]:
    counts = Counter(r.decided_how for r in rows if r.decided_how and has_decision(r.status, r.outcome))
    chair = f"The {preset.role_label(preset.tie_break_role)}, after escalation"
    labels = {**DECIDED_BY, "chair": chair}
    out = [(labels[k], counts.pop(k, 0)) for k in ("panel", "bm", "chair")]
    return out + [(labels.get(k, k), n) for k, n in sorted(counts.items())]


def later_stage_decisions(
    preset: Preset, rows: Sequence[ReferralRow], decisions: Sequence[StageDecisionRow]
) -> list[StageFigures]:
    """Issue 21 (Salford 7.12): each later stage of the preset, over the referrals of `rows` (those received in
    the period) that reached it, the panel having decided an outcome it follows: its decisions by the stage's own
    outcomes as they stand now, then those not yet decided. The panel's own counts are left as they are."""
    stage_ids: list[str] = []
    for stage in preset.stages:
        if stage.id != PANEL_STAGE and stage.id not in stage_ids:
            stage_ids.append(stage.id)
    ours = {r.reference for r in rows}
    mine = [d for d in decisions if d.reference in ours]
    stage_ids += sorted({d.stage for d in mine} - set(stage_ids))  # a stage since removed from the preset
    out = []
    for stage_id in stage_ids:
        entries = [s for s in preset.stages if s.id == stage_id]
        outcomes: list[str] = []
        after: list[str] = []
        for entry in entries:
            outcomes += [o for o in entry.outcomes if o not in outcomes]
            after += [o for o in entry.after if o not in after]
        decided = {d.reference: d.outcome for d in mine if d.stage == stage_id}
        reached = {
            r.reference for r in rows
            if r.status == "decided" and r.outcome
            and getattr(preset.later_stage(r.referral_type, r.outcome), "id", None) == stage_id
        }
        counts = Counter(decided.values())
        by_outcome = [(_label(preset.outcomes, o), counts.pop(o, 0)) for o in outcomes]
        by_outcome += [(_label(preset.outcomes, o), n) for o, n in sorted(counts.items())]
        by_outcome.append((NOT_DECIDED, len(reached - set(decided))))
        label = entries[0].label if entries else _label((), stage_id)
        out.append(StageFigures(stage_id, label, tuple(by_outcome), tuple(_label(preset.outcomes, o) for o in after)))
    return out


def disagreements_by_party(rows: Sequence[DisagreementRow]) -> list[tuple[str, int]]:
    counts = Counter(r.party for r in rows)
    return [(label, counts.pop(key, 0)) for key, label in PARTIES.items()] + sorted(counts.items())


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


class LateCounter:
    """`WorkingCalendar.working_days_late`, remembered by the pair of UK dates it depends on: a year's report
    asks the same question thousands of times (every deadline still open is late until today)."""

    def __init__(self, cal: WorkingCalendar) -> None:
        self.cal = cal
        self._memo: dict[tuple[date, date], int] = {}

    def __call__(self, due: datetime, done: datetime) -> int:
        key = (self.cal.local(due).date(), self.cal.local(done).date())
        late = self._memo.get(key)
        if late is None:
            late = self._memo[key] = self.cal.working_days_late(due, done)
        return late


def _classify(late: LateCounter, d: DeadlineRow, now: datetime) -> tuple[str, int | None]:
    """("met" | "missed" | "running" | "stopped", working days late)."""
    if d.done_at is not None:
        if d.done_at <= d.due_at:
            return "met", None
        return "missed", late(d.due_at, d.done_at)
    if d.cancelled_at is not None:
        if d.cancelled_at <= d.due_at:
            return "stopped", None
        return "missed", late(d.due_at, d.cancelled_at)
    if d.due_at < now:
        return "missed", late(d.due_at, now)
    return "running", None


def timeliness(
    preset: Preset,
    cal: WorkingCalendar,
    deadlines: Sequence[DeadlineRow],
    now: datetime,
    *,
    by: str = "clock",
    labels: dict[str, str] | None = None,
    late: LateCounter | None = None,
) -> tuple[list[Timeliness], list[Lateness]]:
    """For each clock of the preset (or, `by="agency"`, each agency's information returns): met, missed,
    running, and the median and worst lateness of the missed ones in working days."""
    groups: dict[str, list[tuple[str, int | None]]] = {}
    names: dict[str, str] = dict(labels or {})
    missed: list[Lateness] = []
    late = late or LateCounter(cal)
    if by == "clock":
        for c in preset.clocks:
            groups[c.id] = []
            names.setdefault(c.id, c.label)
    for d in deadlines:
        key = d.clock_id if by == "clock" else (d.agency or "")
        if by == "agency" and not d.agency:
            continue
        kind, days = _classify(late, d, now)
        groups.setdefault(key, []).append((kind, days))
        names.setdefault(key, d.label if by == "clock" else key)
        if kind == "missed" and by == "clock":
            missed.append(Lateness(d.reference, d.subject, d.label, d.agency, d.due_at, d.done_at, days or 0))
    out = []
    for key, items in groups.items():
        lates = [days for kind, days in items if kind == "missed" and days is not None]
        out.append(
            Timeliness(
                key=key,
                label=names[key],
                met=sum(1 for kind, _ in items if kind == "met"),
                missed=sum(1 for kind, _ in items if kind == "missed"),
                running=sum(1 for kind, _ in items if kind == "running"),
                median_late=_median(lates),
                worst_late=max(lates) if lates else None,
            )
        )
    missed.sort(key=lambda m: (-m.working_days_late, m.due_at, m.reference))
    return out, missed


MEETING_MEASURES = (
    ("meeting_in_window", "Meetings held inside their window", "inside_window"),
    ("meeting_quorate", "Meetings quorate", "quorate"),
    ("meeting_papers", "Meeting papers shared on time", "papers_on_time"),
)


def meeting_timeliness(meetings: Sequence[MeetingRow]) -> tuple[Timeliness, ...]:
    """Issue 21 section 5, over the meetings held: each measure as met (yes) and missed (no), counting only the
    meetings it applies to; a measure that applies to none is left out."""
    out = []
    for key, label, attr in MEETING_MEASURES:
        seen = [getattr(m, attr) for m in meetings if getattr(m, attr) is not None]
        if seen:
            out.append(Timeliness(key, label, seen.count(True), seen.count(False), 0, None, None))
    return tuple(out)
