"""Meetings of a referral (issue 21, section 1): which event a meeting is, who makes it quorate, and what a
schedule or attendance typed by the business manager means. Pure: no database, no clock.

The seeds set the meeting's own quorum apart from the virtual panel's vote: "at least one representative of
each statutory partner" (Salford 7.12, Dudley "The Rapid Review Meeting"; Stockport's review panel: police,
health and the local authority). So a meeting is quorate when each statutory partner of the preset (the
roles marked `statutory = true`) attended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from flows.calendar import WorkingCalendar
from flows.errors import InvalidInput, NotAllowed
from flows.intake import Field, FormSpec
from flows.permissions import BM_ROLE
from flows.preset import EVENTS, Clock, Preset

# The events a meeting of a referral can be, in the order they are looked for in a preset's clocks.
MEETING_EVENTS = ("rr_meeting", "screening_meeting")


def meeting_event(preset: Preset, referral_type: str) -> str:
    """The meeting a referral of this type has: the first meeting event a clock of the preset starts from,
    falls before or is met by, for this type (Stockport's SARs: the screening meeting); else the rapid
    review meeting."""
    for event in MEETING_EVENTS:
        for clock in preset.clocks:
            if clock.applies_to(referral_type) and event in (clock.starts, clock.before, clock.met_by):
                return event
    return MEETING_EVENTS[0]


def meeting_name(event: str) -> str:
    return EVENTS.get(event, event)


def window_clock(preset: Preset, referral_type: str, event: str) -> Clock | None:
    """The window clock this meeting meets (Dudley: 7 to 13 working days), if the preset has one."""
    for clock in preset.clocks:
        if clock.is_window and clock.met_by == event and clock.applies_to(referral_type):
            return clock
    return None


def statutory_roles(preset: Preset) -> tuple[str, ...]:
    return tuple(r.id for r in preset.roles if r.statutory)


@dataclass(frozen=True)
class Attendance:
    attended: tuple[str, ...]  # role ids, in the preset's order
    missing: tuple[str, ...]  # statutory roles not there

    @property
    def quorate(self) -> bool:
        return not self.missing


def attendance(preset: Preset, words: list[str]) -> Attendance:
    """The roles typed (`local_authority police`, or labels such as `Health (ICB)` as one word each), checked
    against the preset's roles; an unknown one is refused naming the roles there are."""
    ids = {r.id: r.id for r in preset.roles}
    ids.update({r.label.lower(): r.id for r in preset.roles})
    seen: list[str] = []
    for word in words:
        key = word.strip().lower().replace("-", "_")
        role = ids.get(key) or ids.get(key.replace("_", " "))
        if role is None:
            valid = ", ".join(r.id for r in preset.roles)
            raise InvalidInput(f'"{word}" is not a role of this partnership; use one of {valid}. Nothing was recorded.')
        if role not in seen:
            seen.append(role)
    order = [r.id for r in preset.roles]
    attended = tuple(sorted(seen, key=order.index))
    return Attendance(attended, tuple(r for r in statutory_roles(preset) if r not in attended))


def labels(preset: Preset, roles: tuple[str, ...] | list[str]) -> str:
    return ", ".join(preset.role_label(r) for r in roles) or "nobody"


def split_override(words: list[str]) -> tuple[list[str], str | None]:
    """`... override REASON`: the words before it and the reason ("" when the word is there without one)."""
    lowered = [w.lower() for w in words]
    if "override" not in lowered:
        return words, None
    at = lowered.index("override")
    return words[:at], " ".join(words[at + 1 :]).strip()


def attendance_line(preset: Preset, attending: list[str] | tuple[str, ...]) -> str:
    """What the card and `meeting list` say of the partners confirmed to attend: "Attending: Local authority,
    Police. Still needed: Health." (or "... Every statutory partner is attending.")."""
    order = [r.id for r in preset.roles]
    confirmed = sorted((r for r in set(attending) if r in order), key=order.index)
    needed = [r for r in statutory_roles(preset) if r not in confirmed]
    head = f"Attending: {labels(preset, confirmed)}." if confirmed else "Attending: nobody has confirmed yet."
    if needed:
        return f"{head} Still needed: {labels(preset, needed)}."
    return f"{head} Every statutory partner is attending."


def still_needed(preset: Preset, attending: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(r for r in statutory_roles(preset) if r not in attending)


def quorate_by(preset: Preset, cal: WorkingCalendar, at: datetime) -> datetime:
    """When the meeting's attendance must be known: the preset's working days before the meeting's day, at its
    time (default the working day before, 17:00 UK time)."""
    rule = preset.meeting_quorate_by
    day = cal.local(at).date()
    for _ in range(rule.working_days_before):
        day = cal.previous_working_day(day)
    hh, mm = (int(p) for p in rule.at.split(":"))
    return datetime.combine(day, time(hh, mm), tzinfo=cal.tz)


def attendance_reminder_at(preset: Preset, cal: WorkingCalendar, at: datetime) -> datetime:
    """When the partners still missing are reminded: the start of the working day before the day attendance
    must be known by (so they have a working day to answer)."""
    day = cal.previous_working_day(cal.local(quorate_by(preset, cal, at)).date())
    return datetime.combine(day, cal.day_start, tzinfo=cal.tz)


def who_attends(preset: Preset, role: str, typed: list[str]) -> tuple[str, ...]:
    """The partners a `meeting attend` records: a statutory partner's member confirms their own agency (the
    role they hold), the business manager names the partners it records for them. Anyone else is refused."""
    statutory = statutory_roles(preset)
    partners = labels(preset, statutory)
    if role == BM_ROLE and typed:
        named = attendance(preset, typed).attended
        if other := [r for r in named if r not in statutory]:
            raise InvalidInput(f"{labels(preset, other)} is not a statutory partner; the meeting needs {partners}. "
                               "Nothing was recorded.")
        return named
    if role not in statutory:
        hint = (" As the business manager, name the partners: `meeting attend REF police`." if role == BM_ROLE
                else "")
        raise NotAllowed(f"Only a statutory partner's members ({partners}) confirm who attends for their agency."
                         f"{hint} Nothing was recorded.")
    if typed and attendance(preset, typed).attended != (role,):
        raise NotAllowed(f"You confirm for your own agency, {preset.role_label(role)}, only: `meeting attend REF`. "
                         "Nothing was recorded.")
    return (role,)


# The business manager's form (`meeting schedule REF` with no date), on every platform -------------------------

MEETING_FORM = "meeting"
PLACE_MAX = 500
OVERRIDE_MAX = 2000


def schedule_form(reference: str, subject: str) -> FormSpec:
    """The form that schedules a referral's meeting: its day and time (read as the typed command reads them),
    where it is held or its call link, and the reason for a day outside the preset's window. The window is the
    service's to check when the form is sent; its refusal comes back beside the day. The place and the reason
    are screened as the typed command screens them (a date of birth, a postcode, an NHS number)."""
    fields = (
        Field("date", "Day", "Which day is the meeting? Write it like 2026-12-22 or 22/12/2026.", "date",
              hint="The day, in UK time.", short="Day"),
        Field("time", "Time", "At what time (UK time)? Write it like 10:00 or 14:30.", "time",
              hint="24-hour clock, UK time, like 10:00 or 14:30.", short="Time"),
        Field("place", "Place or call link", "Where is it held, or its call link?", "text", required=False,
              max_length=PLACE_MAX, hint="A room or a call link. No names, dates of birth or addresses of anyone.",
              skip="None", short="Where", screen_names=False, what="place"),
        Field("override", "Reason for a day outside the window",
              "If the day is outside the window the procedure sets for this meeting, why is it held then? "
              "Otherwise skip this.", "text", required=False, max_length=OVERRIDE_MAX, multiline=True,
              hint="Only when the day is outside the window the procedure sets; it is recorded.", skip="None",
              short="Held outside the window because", screen_names=False, what="reason"),
    )
    about = f"**{reference} · {subject}**" if subject else f"**{reference}**"
    return FormSpec(MEETING_FORM, "Schedule the meeting",
                    (f"{about}: when its meeting is held, and where. Panelbot checks the day against the procedure's "
                     "window, posts the meeting to the panel with a calendar invitation, and asks each statutory "
                     "partner who attends.",),
                    "Schedule meeting", fields, reference, subject, what="meeting", nothing="nothing was scheduled",
                    cancelled="Cancelled; nothing was scheduled.")
