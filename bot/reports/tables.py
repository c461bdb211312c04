"""The period report as tables: one per measure, each with a title, the rule it answers and its rows. The
same tables become the terminal's tables, Markdown, and one CSV file each; `chat_lines` is the short form a
chat platform shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flows.calendar import WorkingCalendar
from flows.complaints import COLUMNS as COMPLAINT_COLUMNS
from flows.preset import Preset
from flows.reports import PARTIES, CrossTab, Report, Timeliness, outcome_group
from flows.views import practice_mark

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    id: str  # the CSV file's name, without .csv
    title: str
    source: str  # the rule it answers, e.g. "Salford 10.3 (a)"; empty where the partnership's own has no number
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    listing: bool = False  # one row per referral or deadline (can be long), not a count

    @property
    def heading(self) -> str:
        """"Referrals by type (Salford 10.3 (a))", or the title alone when no rule of this partnership is cited."""
        return f"{self.title} ({self.source})" if self.source else self.title


def wd(value: float | int | None) -> str:
    """Working days as a person reads them: 2, 1.5, or a dash when there is nothing to measure."""
    if value is None:
        return "–"
    return f"{value:g}"


def _num(value: float | int | None) -> int | float | None:
    """A median of 2.0 is shown as 2; 1.5 stays 1.5."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def show(value: Cell) -> str:
    """A cell as the terminal and Markdown show it (a dash where there is nothing to measure)."""
    return "–" if value is None else str(value)


def _cap(text: str) -> str:
    """The first letter in capitals, the rest as written ("The rapid review meeting's decision")."""
    return text[:1].upper() + text[1:]


def _counts(rows: Sequence[tuple[str, int]], total: bool = True) -> tuple[tuple[Cell, ...], ...]:
    out: list[tuple[Cell, ...]] = [(label, n) for label, n in rows]
    if total:
        out.append(("Total", sum(n for _, n in rows)))
    return tuple(out)


def _crosstab(tab: CrossTab, first: str) -> tuple[tuple[str, ...], tuple[tuple[Cell, ...], ...]]:
    columns = (first, *tab.columns, "Total")
    rows: list[tuple[Cell, ...]] = [(r, *cells, sum(cells)) for r, cells in zip(tab.rows, tab.cells, strict=True)]
    totals = [sum(col) for col in zip(*tab.cells, strict=True)] if tab.cells else [0] * len(tab.columns)
    rows.append(("Total", *totals, sum(totals)))
    return columns, tuple(rows)


def _timeliness_rows(items: Sequence[Timeliness]) -> tuple[tuple[Cell, ...], ...]:
    return tuple(
        (t.label, t.met, t.missed, t.running, _num(t.median_late), t.worst_late) for t in items
    )


TIMELINESS_COLUMNS = ("Met", "Missed", "Not yet due", "Median working days late (missed)", "Worst working days late")


def csv_time(cal: WorkingCalendar, dt: datetime | None) -> str:
    """UK local time as a UK spreadsheet reads it: 05/01/2027 17:00."""
    if dt is None:
        return ""
    return cal.local(dt).strftime("%d/%m/%Y %H:%M")


def report_tables(report: Report, preset: Preset, cal: WorkingCalendar, *, for_csv: bool = False) -> list[Table]:
    """Every measure of the report as a table, in the order of Salford 10.3."""

    def when(dt: datetime | None) -> str:
        if for_csv:
            return csv_time(cal, dt)
        return cal.format(dt) if dt is not None else "still open"

    def cite(rule: str) -> str:
        """A rule is cited only to the partnership whose procedure it is ("Salford 10.3 (a)" is not Dudley's)."""
        partnership = rule.partition(" ")[0]
        return rule if preset.id == partnership.lower() else ""

    agencies = {a.id: a.label for a in preset.agencies}
    tables = [
        Table("referrals_by_type", "Referrals by type", cite("Salford 10.3 (a)"), ("Referral type", "Referrals"),
              _counts(report.by_type)),
        Table("referrals_by_outcome", "Referrals by outcome", cite("Salford 10.3 (a)"), ("Outcome", "Referrals"),
              _counts(report.by_outcome), "The decision as it stands now."),
        Table("referrals_by_referrer", "Referrals by referring agency", cite("Salford 10.3 (a)"),
              ("Referring agency", "Referrals"), _counts(report.by_referrer)),
        Table("referrals_by_theme", "Referrals by theme", cite("Salford 10.3 (a)"), ("Theme", "Referrals"),
              _counts(report.by_theme, total=False),
              "A referral counts once under each of its themes, so these can add up to more than the referrals."),
    ]
    if report.by_source:
        tables.append(Table("referrals_by_source", "Referrals by where they came from", cite("Salford 7.3"),
                            ("Came from", "Referrals"), _counts(report.by_source)))
    if report.by_parallel:
        tables.append(Table("referrals_by_parallel", "Referrals by process running alongside", "",
                            ("Running alongside", "Referrals"), _counts(report.by_parallel, total=False),
                            "A referral counts once under each process running alongside it."))
    columns, rows = _crosstab(report.reviews, "Referral type")
    tables.append(
        Table("reviews_by_type_and_outcome", "Reviews by type and outcome", cite("Salford 10.3 (b)"), columns, rows,
              "Decided referrals: the type of review asked for, by the decision made.")
    )
    for stage in report.later_stages:
        after = " or ".join(f'"{a}"' for a in stage.after)
        tables.append(
            Table(f"stage_{stage.stage}", f"{_cap(stage.label)}, by outcome", "", ("Outcome", "Referrals"),
                  _counts(stage.by_outcome),
                  "The referrals received in the period that the panel's decision"
                  + (f" ({after})" if after else "") + " sent to this stage, by its decision as it stands now.")
        )
    tables.append(
        Table("decisions_by_who", "Decisions by who made them", cite("Salford 7.5"), ("Decided by", "Referrals"),
              _counts(report.decided_by))
    )
    tables.append(
        Table("disagreements", "Disagreements with decisions", cite("Salford 7.5 and 10.3 (c)"),
              ("Who disagreed", "Number"),
              _counts(report.disagreements_by_party), "Recorded by the business manager in the period.")
    )
    if report.disagreements:
        labels = {o.id: o.label for o in preset.outcomes}
        tables.append(
            Table(
                "disagreements_list",
                "Disagreements, one by one",
                cite("Salford 7.5 and 10.3 (c)"),
                ("Reference", "Subject", "Who disagreed", "Decision", "Recorded", "Reason"),
                tuple(
                    (d.reference, d.subject, PARTIES.get(d.party, d.party), labels.get(d.decision or "", d.decision),
                     when(d.recorded_at), d.reason)
                    for d in report.disagreements
                ),
                listing=True,
            )
        )
    if report.complaints:
        tables.append(
            Table("complaints", "Complaints by subject and timeliness", cite("Stockport section 21"),
                  ("About", *COMPLAINT_COLUMNS), tuple(report.complaints),
                  "Complaints received in the period. Answered late: the written response was sent after its due "
                  "time; overdue: not yet sent, and past it.")
        )
    tables.append(
        Table("timeliness", "Timeliness by clock", cite("Salford 10.3 (d)"), ("Clock", *TIMELINESS_COLUMNS),
              _timeliness_rows(report.timeliness),
              "Deadlines that fell due in the period. Still open after the due time counts as missed; lateness "
              "in working days.")
    )
    if report.meetings:
        tables.append(
            Table("meetings", "Meeting timeliness", "", ("Measure", "Yes", "No"),
                  tuple((t.label, t.met, t.missed) for t in report.meetings),
                  f"{report.meetings_held} meeting{'' if report.meetings_held == 1 else 's'} held in the period; each "
                  "measure counts the meetings it applies to (a window, papers due before the meeting).")
        )
    if report.returns_by_agency:
        tables.append(
            Table("returns_by_agency", "Information returns by agency", cite("Salford 7.7 and 10.3 (d)"),
                  ("Agency", *TIMELINESS_COLUMNS), _timeliness_rows(report.returns_by_agency))
        )
    tables.append(
        Table(
            "missed_deadlines",
            "Missed deadlines, latest first",
            cite("Salford 10.3 (d)"),
            ("Reference", "Subject", "Deadline", "Agency", "Due", "Done", "Working days late"),
            tuple(
                (m.reference, m.subject, m.label, agencies.get(m.agency or "", m.agency or ""), when(m.due_at),
                 when(m.done_at), m.working_days_late)
                for m in report.missed
            ),
            "Every deadline counted as missed above, the latest first.",
            listing=True,
        )
    )
    columns, rows = _crosstab(report.monthly, "Month received")
    tables.append(
        Table("referrals_per_month", "Referrals per month, by outcome", cite("Salford 10.3 (a)"), columns, rows)
    )
    if report.sar_quarters is not None:
        # Only the outcomes some SAR referral of the period has (a child pathway such as "rapid review" never
        # applies to a SAR, and a column of noughts for it would only be noise).
        labels = [label for label, _ in report.sar_quarters[0].by_outcome] if report.sar_quarters else []
        used = [i for i, _ in enumerate(labels) if any(q.by_outcome[i][1] for q in report.sar_quarters)]
        tables.append(
            Table(
                "sar_by_quarter",
                "SAR referrals each quarter",
                cite("Stockport section 5"),
                ("Quarter", "Dates", "SAR referrals", *(labels[i] for i in used)),
                tuple(
                    (q.period.label, q.period.describe(), q.received, *(q.by_outcome[i][1] for i in used))
                    for q in report.sar_quarters
                ),
                "Every SAR referral is reported each quarter to the Practice Improvement Partnership and the "
                "Safeguarding Adults Board.",
            )
        )
        quarter_of = {}
        for q in report.sar_quarters:
            quarter_of.update({r.reference: q.period.label for r in report.sar_referrals
                               if q.period.contains(cal, r.received_at)})
        tables.append(
            Table(
                "sar_referrals",
                "SAR referrals, one by one",
                cite("Stockport section 5"),
                ("Reference", "Subject", "Quarter", "Received", "Referring agency", "Outcome", "Decided"),
                tuple(
                    (r.reference, r.subject, quarter_of.get(r.reference, ""), when(r.received_at), r.referrer,
                     outcome_group(preset, r), when(r.decided_at) if r.decided_at else "")
                    for r in report.sar_referrals
                ),
                listing=True,
            )
        )
    return tables


def heading(report: Report, cal: WorkingCalendar) -> str:
    period = report.period
    named = f"{period.label} ({period.describe()})" if period.label else period.describe()
    as_at = cal.format(report.as_at)
    return f"{practice_mark(report.practice)}{report.partnership}: report for {named}, as at {as_at}"


# Markdown and CSV ------------------------------------------------------------------------------------


def _md(value: Cell) -> str:
    return show(value).replace("|", "\\|").replace("\n", " ")


def markdown(report: Report, preset: Preset, cal: WorkingCalendar) -> str:
    lines = [f"# {heading(report, cal)}", "", f"Referrals received in the period: **{report.received}**.", ""]
    for t in report_tables(report, preset, cal):
        lines += [f"## {t.heading}", ""]
        if t.note:
            lines += [t.note, ""]
        if not t.rows:
            lines += ["None.", ""]
            continue
        lines.append("| " + " | ".join(_md(c) for c in t.columns) + " |")
        numeric = [
            i > 0 and all(isinstance(row[i], int | float) or row[i] is None for row in t.rows)
            for i in range(len(t.columns))
        ]
        lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in t.rows]
        lines.append("")
    return "\n".join(lines)


def csv_text(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(["" if c is None else c for c in row] for row in table.rows)
    return buf.getvalue()


def write_csv(report: Report, preset: Preset, cal: WorkingCalendar, folder: Path) -> list[Path]:
    """One CSV file per measure (UTF-8 with a byte-order mark, so Excel shows "–" and accents)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in report_tables(report, preset, cal, for_csv=True):
        path = folder / f"{t.id}.csv"
        path.write_text(csv_text(t), encoding="utf-8-sig", newline="")
        paths.append(path)
    return paths


# The chat form ---------------------------------------------------------------------------------------


def _pairs(rows: Sequence[tuple[str, int]], *, skip_zero: bool = True) -> str:
    shown = [f"{label} {n}" for label, n in rows if n or not skip_zero]
    return " · ".join(shown) if shown else "none"


def chat_lines(report: Report, preset: Preset, cal: WorkingCalendar) -> list[str]:
    """The report in a few lines a chat message can hold. The CSV files and charts carry the detail."""
    lines = [f"**{heading(report, cal)}**"]
    lines.append(f"Referrals received: **{report.received}**.")
    if report.received:
        lines.append(f"By type: {_pairs(report.by_type)}.")
        lines.append(f"By outcome: {_pairs(report.by_outcome)}.")
        lines.append(f"By referring agency: {_pairs(report.by_referrer)}.")
        lines.append(f"By theme: {_pairs(report.by_theme)}.")
        if report.by_source:
            lines.append(f"By where they came from: {_pairs(report.by_source)}.")
        if report.by_parallel:
            lines.append(f"Running alongside: {_pairs(report.by_parallel)}.")
        reviews = []
        for row, cells in zip(report.reviews.rows, report.reviews.cells, strict=True):
            parts = [f"{col} {n}" for col, n in zip(report.reviews.columns, cells, strict=True) if n]
            if parts:
                reviews.append(f"{row}: " + ", ".join(parts))
        lines.append("Reviews by type and outcome: " + ("; ".join(reviews) if reviews else "none decided yet") + ".")
        for stage in report.later_stages:
            lines.append(f"{_cap(stage.label)}: {_pairs(stage.by_outcome)}.")
    lines.append(f"Disagreements: {_pairs(report.disagreements_by_party, skip_zero=False)}.")
    if report.complaints:
        total = dict(zip(COMPLAINT_COLUMNS, report.complaints[-1][1:], strict=True))
        about = _pairs([(str(row[0]), int(row[1] or 0)) for row in report.complaints[:-1]])
        lines.append(f"Complaints: {total['Received']} ({about}); answered in time {total['Answered in time']}, late "
                     f"{total['Answered late']}, overdue {total['Overdue']}; escalated {total['Escalated']}.")
    timely = [t for t in report.timeliness if t.counted or t.running]
    if not timely:
        lines.append("Timeliness: no deadline fell due in the period.")
    else:
        lines.append("Timeliness (deadlines due in the period):")
        for t in timely:
            worst = f"{wd(t.worst_late)} working day{'' if t.worst_late == 1 else 's'}"
            late = f"; late by median {wd(t.median_late)}, worst {worst}" if t.missed else ""
            running = f"; {t.running} not yet due" if t.running else ""
            lines.append(f"  {t.label}: {t.met} met, {t.missed} missed{late}{running}.")
    if report.meetings:
        held = report.meetings_held
        lines.append(f"Meetings held: {held}; " + "; ".join(
            f"{t.label.removeprefix('Meetings ').removeprefix('Meeting ').lower()} {t.met} of {t.counted}"
            for t in report.meetings) + ".")
    if report.sar_quarters is not None:
        lines.append("SAR referrals each quarter" + (" (Stockport section 5):" if preset.id == "stockport" else ":"))
        for q in report.sar_quarters:
            lines.append(f"  {q.period.label} ({q.period.describe()}): {q.received}; {_pairs(q.by_outcome)}.")
    return lines
