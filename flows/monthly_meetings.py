"""The partnership's own meetings (issue 21, section 3): Suffolk's monthly panel as planned meetings. Pure: no
database, no clock.

The panel's dates come from the preset (`flows.clocks.panel_dates`: the 25th, or the working day before). Each
is kept as a meeting of the partnership, not of a referral, under the date the preset gives it (its slot), so
planning it again finds it, whether it has since been moved or cancelled. It is named by its month:
`PANEL-2027-01` is the panel of January 2027.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flows.calendar import WorkingCalendar
from flows.clocks import PanelPlan, panel_day
from flows.preset import MONTHLY_PANEL_EVENT, MonthlyPanel

PANEL_EVENT = MONTHLY_PANEL_EVENT  # "monthly_panel"
PANEL_TIME = time(10, 0)  # the seeds set no time of day; the business manager moves a panel to its own
PLAN_MONTHS = 3  # how many panels ahead are planned as meetings
_REFERENCE = re.compile(r"^PANEL-(\d{4})-(\d{2})$", re.IGNORECASE)


def panel_reference(slot: date) -> str:
    return f"PANEL-{slot.year:04d}-{slot.month:02d}"


def is_panel_reference(text: str) -> bool:
    return _REFERENCE.match(text.strip()) is not None


def panel_month(text: str) -> tuple[int, int] | None:
    """`PANEL-2027-01` -> (2027, 1); anything else, or a month that is not one, None."""
    found = _REFERENCE.match(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        return None
    return int(found.group(1)), int(found.group(2))


def panel_name(slot: date) -> str:
    """"the monthly panel of January 2027"."""
    return f"the monthly panel of {slot.strftime('%B')} {slot.year}"


def planned_at(cal: WorkingCalendar, slot: date) -> datetime:
    """When a panel the preset gives for `slot` is planned: that day, at the usual time, UK time."""
    return datetime.combine(slot, PANEL_TIME, tzinfo=cal.tz)


def neighbours(
    cal: WorkingCalendar, monthly: MonthlyPanel, plan: PanelPlan, slot: date
) -> tuple[date | None, date | None]:
    """The days the panels either side of the panel of `slot` meet, as planned (a cancelled one skipped, one not
    planned on the preset's date), looked for up to two years away. A moved panel stays strictly between them,
    so the panels keep their order and no two meet on one day: each clock counted to a panel is due on that
    panel's day, and is found by it."""

    def walk(step: int) -> date | None:
        index = slot.year * 12 + slot.month - 1
        for _ in range(24):
            index += step
            day = plan.day_of(panel_day(cal, monthly, index // 12, index % 12 + 1))
            if day is not None:
                return day
        return None

    return walk(-1), walk(1)
