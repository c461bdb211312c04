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
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flows.calendar import WorkingCalendar
from flows.errors import InvalidInput
from flows.preset import Preset

NOT_DECIDED = "Not yet decided"
WITHDRAWN = "Withdrawn"
NO_THEME = "No theme recorded"
PARTIES = {"referrer": "The referrer", "national_panel": "The National Panel"}
SAR_QUARTERLY_CLOCK = "sar_quarterly_report"  # Stockport section 5: SAR referrals are reported each quarter
# The action shown for another partnership's audit entry in an export (`panelbot export`): its hash is kept,
# its content is not. The service writes it; `bot/reports/export.py` recognises it when checking an archive.
WITHHELD = "withheld (another partnership)"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Periods ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """UK calendar dates `start` to `end`, both included."""

    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(f"The period ends ({uk_date(self.end)}) before it starts ({uk_date(self.start)}).")

    @property
    def name(self) -> str:
        return self.label or f"{self.start.isoformat()}..{self.end.isoformat()}"

    def describe(self) -> str:
        return f"{uk_date(self.start)} to {uk_date(self.end)}"

    def bounds(self, cal: WorkingCalendar) -> tuple[datetime, datetime]:
        """The instants [from, until) in UTC: local midnight at the start, local midnight after the end."""
        return _midnight(cal, self.start), _midnight(cal, self.end + timedelta(days=1))

    def contains(self, cal: WorkingCalendar, at: datetime) -> bool:
        return self.start <= cal.local(at).date() <= self.end


def _midnight(cal: WorkingCalendar, d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=cal.tz).astimezone(UTC)


def uk_date(d: date) -> str:
    """1 Apr 2026 (no weekday: a period's ends are dates, not deadlines)."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def month_label(year: int, month: int) -> str:
    return f"{_MONTHS[month - 1]} {year}"


def _quarter(year: int, q: int) -> Period:
    start = date(year, 3 * q - 2, 1)
    end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
    return Period(start, end, f"{year}-Q{q}")


def _month(year: int, month: int) -> Period:
    end = date(year + (month == 12), 1 if month == 12 else month + 1, 1) - timedelta(days=1)
    return Period(date(year, month, 1), end, f"{year}-{month:02d}")


def financial_year(year: int) -> Period:
    """The year a partnership reports on: 1 April `year` to 31 March the year after."""
    return Period(date(year, 4, 1), date(year + 1, 3, 31), f"{year}/{str(year + 1)[-2:]}")


def parse_day(text: str) -> date:
    for pattern in (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{1,2})/(\d{1,2})/(\d{4})"):
        m = re.fullmatch(pattern, text)
        if m:
            a, b, c = (int(x) for x in m.groups())
            try:
                return date(a, b, c) if pattern.startswith(r"(\d{4})") else date(c, b, a)
            except ValueError:
                break
    raise InvalidInput(f'"{text}" is not a date; write it like 2026-04-01 or 01/04/2026.')


PERIOD_HELP = (
    "2026-04-01..2027-03-31 (two dates), 2026-Q3 (July to September), 2026 (the calendar year), "
    "2026/27 (the financial year, April to March) or 2026-11 (a month)"
)


REPORT_YEARS = (2000, 2199)  # no panel's record reaches further; Python's dates end in 9999


def parse_period(text: str | None, *, today: date) -> Period:
    """A period as the business manager types it, within REPORT_YEARS. With nothing typed, the financial year
    so far."""
    try:
        period = _parse_period(text, today=today)
    except (ValueError, OverflowError):  # a year Python's dates cannot hold (0000, 9999/00 is 10000)
        period = None
    if period is None or not (REPORT_YEARS[0] <= period.start.year and period.end.year <= REPORT_YEARS[1]):
        raise InvalidInput(
            f'"{(text or "").strip()}" is not a period the record could cover; give years from {REPORT_YEARS[0]} '
            f"to {REPORT_YEARS[1]}, for example 2026/27 or 2026-Q3."
        )
    return period


def _parse_period(text: str | None, *, today: date) -> Period:
    text = (text or "").strip()
    if not text:
        fy = financial_year(today.year if today.month >= 4 else today.year - 1)
        return Period(fy.start, min(fy.end, today), f"{fy.label} to date" if today < fy.end else fy.label)
    if ".." in text:
        first, _, last = text.partition("..")
        return Period(parse_day(first.strip()), parse_day(last.strip()))
    upper = text.upper()
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", upper):
        return _quarter(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"Q([1-4])[- ]?(\d{4})", upper):
        return _quarter(int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(\d{4})/(\d{2}|\d{4})", text):
        year, nxt = int(m[1]), m[2]
        if int(nxt[-2:]) != (year + 1) % 100:
            raise InvalidInput(f'"{text}" is not a financial year; write it like 2026/27.')
        return financial_year(year)
    if m := re.fullmatch(r"FY ?(\d{4})", upper):
        return financial_year(int(m[1]))
    if m := re.fullmatch(r"(\d{4})", text):
        year = int(m[1])
        return Period(date(year, 1, 1), date(year, 12, 31), str(year))
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        if 1 <= int(m[2]) <= 12:
            return _month(int(m[1]), int(m[2]))
    raise InvalidInput(f'"{text}" is not a period. Write {PERIOD_HELP}.')


def months_in(period: Period) -> list[tuple[int, int]]:
    out = []
    y, m = period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def quarters_in(period: Period) -> list[Period]:
    out = []
    y, q = period.start.year, (period.start.month - 1) // 3 + 1
    while True:
        quarter = _quarter(y, q)
        if quarter.start > period.end:
            return out
        out.append(quarter)
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)


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
    if row.outcome and row.status in ("decided", "returned"):
        return _label(preset.outcomes, row.outcome)
    return NOT_DECIDED


def outcome_groups(preset: Preset) -> list[str]:
    return [o.label for o in preset.outcomes] + [NOT_DECIDED, WITHDRAWN]


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


def reviews_by_type_and_outcome(preset: Preset, rows: Sequence[ReferralRow]) -> CrossTab:
    """Salford 10.3 (b): the decided referrals, by the type of review asked for and the decision made."""
    decided = [r for r in rows if r.outcome and r.status in ("decided", "returned")]
    types = [t.id for t in preset.referral_types]
    types += sorted({r.referral_type for r in decided} - set(types))
    outcomes = [o.id for o in preset.outcomes]
    outcomes += sorted({r.outcome for r in decided if r.outcome} - set(outcomes))
    counts = Counter((r.referral_type, r.outcome) for r in decided)
    return CrossTab(
        rows=tuple(_label(preset.referral_types, t) for t in types),
        columns=tuple(_label(preset.outcomes, o) for o in outcomes),
        cells=tuple(tuple(counts[(t, o)] for o in outcomes) for t in types),
    )


DECIDED_BY = {"panel": "The panel, by majority", "bm": "The business manager, at once", "chair": "The chair"}


def decisions_by_who(preset: Preset, rows: Sequence[ReferralRow]) -> list[tuple[str, int]]:
    counts = Counter(r.decided_how for r in rows if r.outcome and r.decided_how and r.status in ("decided", "returned"))
    chair = f"The {preset.role_label(preset.tie_break_role)}, after escalation"
    labels = {**DECIDED_BY, "chair": chair}
    out = [(labels[k], counts.pop(k, 0)) for k in ("panel", "bm", "chair")]
    return out + sorted(counts.items())


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
) -> Report:
    """Every measure for the period. Rows outside the period are ignored, so callers may pass more."""
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
    )
