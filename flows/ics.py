"""iCalendar (RFC 5545) pieces shared by the calendar feed (`bot/reports/ics.py`) and a meeting's invitation,
the `.ics` file posted with a scheduled meeting (issue 21). Pure: data in, bytes out.

Times are UTC (`...Z`), so no calendar has to know the partnership's time zone rules; the description says the
time in UK words as well. A meeting's UID is its row and the partnership, the same in the invitation and the
feed, so a calendar that has both updates one event; its SEQUENCE counts the moves, so a moved meeting's new
invitation replaces the old one, and a cancellation (METHOD:CANCEL) removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

MEETING_LENGTH = timedelta(hours=1)  # the seeds set no length; an hour is what the calendar shows


def new_calendar(prodid: str, *, method: str = "PUBLISH") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//Panelbot//{prodid}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class MeetingInvite:
    """A meeting as a calendar shows it: the reference and anonymised subject, never the referral's summary."""

    event_id: int  # the scheduled event's row id
    partnership: str  # the preset id, for the UID
    title: str  # "Rapid review meeting: DUD-2026-001 · Young person C"
    description: str  # in plain words, with the UK time
    at: datetime
    place: str | None
    sequence: int  # how many times it has been moved (a cancellation counts one more)


def meeting_uid(event_id: int, partnership: str) -> str:
    return f"meeting-{event_id}@{partnership}.panelbot"


def meeting_event(invite: MeetingInvite, stamp: datetime, *, cancelled: bool = False) -> Event:
    event = Event()
    event.add("uid", meeting_uid(invite.event_id, invite.partnership))
    event.add("dtstamp", utc(stamp))
    event.add("dtstart", utc(invite.at))
    event.add("dtend", utc(invite.at + MEETING_LENGTH))
    event.add("sequence", invite.sequence)
    event.add("summary", invite.title)
    event.add("description", invite.description)
    if invite.place:
        event.add("location", invite.place)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("categories", ["Panelbot", "meeting"])
    return event


def invitation(invite: MeetingInvite, stamp: datetime, *, cancelled: bool = False) -> bytes:
    """The `.ics` file posted with a scheduled or moved meeting (METHOD:PUBLISH), or with its cancellation
    (METHOD:CANCEL): opened, it adds (updates, removes) the meeting in the reader's calendar."""
    calendar = new_calendar("Meeting", method="CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(meeting_event(invite, stamp, cancelled=cancelled))
    return calendar.to_ical()


def file_name(reference: str) -> str:
    return f"{reference}-meeting.ics"
