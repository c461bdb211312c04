"""Every open deadline and every scheduled meeting as an iCalendar feed (RFC 5545), so the business manager
can subscribe from Outlook or Google Calendar (`panelbot calendar --out deadlines.ics`, or the token-protected
`/calendar/TOKEN.ics`).

An event carries the reference, the anonymised subject, what is due and from whom: never the referral's
summary. Times are UTC (`...Z`), so no calendar has to know the partnership's time zone rules; a deadline
starts at its due time and lasts 30 minutes (a window, such as Dudley's rapid review meeting, says in its
summary and description the day it opens), a meeting at its time for an hour. The UID is the deadline's (or
meeting's) row id and the partnership, so it stays the same from one fetch to the next and a calendar updates
an event instead of duplicating it (an extension or a moved meeting moves the same event). A meeting's UID is
the one its invitation carries (`flows.ics`), so a calendar with both shows it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from icalendar import Event

from bot.service.reports import CalendarEntry
from flows.calendar import WorkingCalendar
from flows.ics import MeetingInvite, meeting_event, new_calendar, utc
from flows.preset import Preset

EVENT_LENGTH = timedelta(minutes=30)


def uid(preset: Preset, entry: CalendarEntry) -> str:
    return f"deadline-{entry.deadline_id}@{preset.id}.panelbot"


def feed(
    preset: Preset,
    cal: WorkingCalendar,
    entries: Sequence[CalendarEntry],
    now: datetime,
    meetings: Sequence[MeetingInvite] = (),
) -> bytes:
    calendar = new_calendar("Open deadlines")
    calendar.add("x-wr-calname", f"{preset.name}: open deadlines")
    calendar.add("x-wr-timezone", "UTC")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamp = utc(now)
    for e in entries:
        due = utc(e.due_at)
        overdue = e.due_at < now
        event = Event()
        event.add("uid", uid(preset, e))
        event.add("dtstamp", stamp)
        event.add("dtstart", due)
        event.add("dtend", due + EVENT_LENGTH)
        window = ""
        if e.opens_at is not None:  # a window (Dudley's rapid review meeting): met any time from it opens
            window = f" (window {cal.format(e.opens_at, with_time=False)} to {cal.format(e.due_at, with_time=False)})"
        event.add("summary", f"{'OVERDUE: ' if overdue else ''}{e.reference} · {e.subject}: {e.label}{window}")
        opens = "" if e.opens_at is None else (
            f" The window opens {cal.format(e.opens_at, with_time=False)}: it can be met from then, and is late "
            "only after the due time."
        )
        event.add(
            "description",
            f"{e.label} for {e.reference} · {e.subject}, due {cal.format(e.due_at)} (UK time), "
            f"waiting on {e.owner}. Started {cal.format(e.started_at)}.{opens}",
        )
        event.add("categories", ["Panelbot", e.clock_id])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    for m in meetings:
        calendar.add_component(meeting_event(m, now))
    return calendar.to_ical()
