"""PNG charts of the period report, for a person to read (and for Slack, Telegram and Teams to show).

matplotlib's object-oriented API on the Agg canvas: no pyplot, no display, no global figure state, so
charts can be drawn from the bot's process. Colours are the Okabe–Ito palette, which stays distinct for
the common forms of colour blindness; "not yet decided" and "withdrawn" are greys with a hatch, so no
meaning rests on colour alone. Months are written "Apr 2026" and dates "1 Apr 2026", as in the UK.
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from flows.calendar import WorkingCalendar
from flows.reports import NOT_DECIDED, WITHDRAWN, Report
from flows.views import practice_mark

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
GREYS = {NOT_DECIDED: ("#999999", "//"), WITHDRAWN: ("#DDDDDD", "..")}
MET, MISSED, RUNNING = "#0072B2", "#D55E00", "#56B4E9"
SIZE = (11, 6.2)
DPI = 150

CHART_FILES = ("referrals-per-month.png", "timeliness.png")


def _figure() -> Figure:
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": "Panelbot"})
    return buf.getvalue()


def _titles(fig: Figure, report: Report, cal: WorkingCalendar, title: str) -> None:
    fig.suptitle(f"{practice_mark(report.practice)}{title}\n", fontsize=15, fontweight="bold")
    fig.text(
        0.5,
        0.925,
        f"{report.partnership} · {report.period.describe()} · as at {cal.format(report.as_at)}",
        ha="center",
        fontsize=10,
        color="#333333",
    )


def referrals_per_month(report: Report, cal: WorkingCalendar) -> bytes:
    return _png(referrals_per_month_figure(report, cal))


def referrals_per_month_figure(report: Report, cal: WorkingCalendar) -> Figure:
    """Stacked bars: referrals received each month, split by their outcome, with each month's total."""
    tab = report.monthly
    fig = _figure()
    _titles(fig, report, cal, "Referrals received per month, by outcome")
    ax = fig.add_subplot()
    months = list(tab.rows)
    x = list(range(len(months)))
    bottoms = [0] * len(months)
    colours = iter(OKABE_ITO)
    handles = []
    for j, group in enumerate(tab.columns):
        values = [row[j] for row in tab.cells]
        if group in GREYS:
            colour, hatch = GREYS[group]
        else:
            colour, hatch = next(colours, "#777777"), None
        if not any(values):
            continue
        ax.bar(x, values, bottom=bottoms, color=colour, hatch=hatch, edgecolor="white", linewidth=0.8, width=0.7)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        handles.append(Patch(facecolor=colour, hatch=hatch, edgecolor="#555555", label=group))
    for xi, total in zip(x, bottoms, strict=True):
        if total:
            ax.text(xi, total, str(total), ha="center", va="bottom", fontsize=9, color="#222222")
    ax.set_xticks(x, months, rotation=45 if len(months) > 8 else 0, ha="right" if len(months) > 8 else "center")
    ax.set_xlim(-0.6, len(months) - 0.4)
    ax.set_xlabel("Month received (UK time)", fontsize=11)
    ax.set_ylabel("Referrals received", fontsize=11)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max([*bottoms, 1]) * 1.15)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    if handles:
        ax.legend(handles=handles, title="Outcome", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    else:
        ax.text(0.5, 0.5, "No referrals were received in this period.", transform=ax.transAxes, ha="center",
                fontsize=12, color="#555555")
    return fig


def timeliness(report: Report, cal: WorkingCalendar) -> bytes:
    return _png(timeliness_figure(report, cal))


def timeliness_figure(report: Report, cal: WorkingCalendar) -> Figure:
    """Horizontal stacked bars per clock: deadlines met, missed and not yet due, with the lateness of the
    missed ones written beside each bar."""
    items = [t for t in (*report.timeliness, *report.meetings) if t.counted or t.running]  # meetings: yes / no
    fig = _figure()
    _titles(fig, report, cal, "Timeliness by clock: deadlines met and missed")
    ax = fig.add_subplot()
    if not items:
        ax.text(0.5, 0.5, "No deadline fell due in this period.", transform=ax.transAxes, ha="center",
                fontsize=12, color="#555555")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("Deadlines that fell due in the period", fontsize=11)
        return fig
    items = items[::-1]  # the preset's first clock at the top
    y = list(range(len(items)))
    met = [t.met for t in items]
    missed = [t.missed for t in items]
    running = [t.running for t in items]
    ax.barh(y, met, color=MET, height=0.6, label="Met")
    ax.barh(y, missed, left=met, color=MISSED, hatch="//", edgecolor="white", height=0.6, label="Missed")
    ends = [a + b for a, b in zip(met, missed, strict=True)]
    if any(running):
        ax.barh(y, running, left=ends, color=RUNNING, hatch="..", edgecolor="white", height=0.6, label="Not yet due")
    widest = max(e + r for e, r in zip(ends, running, strict=True)) or 1
    for yi, t, end in zip(y, items, ends, strict=True):
        note = f"{t.met} met, {t.missed} missed" + (f", {t.running} not yet due" if t.running else "")
        if t.key.startswith("meeting_"):  # a meeting measure: yes (met) or no (missed), no lateness
            note = f"{t.met} of {t.counted} meeting{'' if t.counted == 1 else 's'}"
        elif t.missed:
            note += f"\nlate: median {t.median_late:g}, worst {t.worst_late} WD"
        ax.text(end + t.running + widest * 0.015, yi, note, va="center", fontsize=9, color="#222222")
    ax.set_yticks(y, ["\n".join(textwrap.wrap(t.label, 34)) for t in items], fontsize=9)
    ax.set_xlabel(
        "Deadlines that fell due in the period\n"
        "(open after the due time counts as missed; WD: working days, Monday to Friday less bank holidays)",
        fontsize=10,
    )
    ax.set_ylabel("Clock", fontsize=11)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, widest * 1.55)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig


def report_charts(report: Report, cal: WorkingCalendar) -> tuple[tuple[str, bytes], ...]:
    """(file name, PNG bytes) for each chart: what `Outgoing.files` and the shared `report` reply carry."""
    return (
        (CHART_FILES[0], referrals_per_month(report, cal)),
        (CHART_FILES[1], timeliness(report, cal)),
    )
