"""Periods: a range of UK calendar dates, both ends included, as the business manager types one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flows.calendar import WorkingCalendar
from flows.errors import InvalidInput

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
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
