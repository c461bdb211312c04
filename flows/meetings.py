"""Meetings of a referral (issue 21, section 1): which event a meeting is, who makes it quorate, and what a
schedule or attendance typed by the business manager means. Pure: no database, no clock.

The seeds set each meeting's own quorum apart from the virtual panel's vote. Salford 7.12 and Dudley ("The Rapid
Review Meeting"): a rapid review meeting "will only be quorate if at least one representative is present from
each of the [three] safeguarding partners". Stockport section 10: "The Review Panel will be quorate when the
police, health and local authority representatives are present, together with the Review Panel Chair/Report
Author". Stockport section 8 sets no such quorum for the SAR screening panel (the Head of Safeguarding and
Learning as its chair, the Board Business Manager, agency representatives case by case). So a meeting's quorum is
the roles its preset's `[[meetings]]` entry names (`meeting_rule`), one member of each present; a meeting
without an entry is quorate when each statutory partner of the preset (the roles marked `statutory = true`)
attended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from flows.calendar import WorkingCalendar
from flows.errors import InvalidInput, NotAllowed
from flows.intake import Choice, Field, FormSpec
from flows.permissions import BM_ROLE
from flows.preset import EVENTS, MONTHLY_PANEL_EVENT, Clock, MeetingRule, Preset
from flows.preset import MEETING_EVENTS as MEETING_EVENTS  # the events a meeting of a referral can be
from flows.preset.meetings import first_meeting


def meeting_event(preset: Preset, referral_type: str) -> str:
    """The meeting a referral of this type has from the start (the one that may decide it): the first meeting
    event a clock of the preset starts from, falls before or is met by, for this type (Stockport's SARs: the
    screening meeting); else the one a `[[meetings]]` entry names for the type; else the rapid review meeting."""
    return first_meeting(preset.clocks, preset.meetings, referral_type)


def meetings_of(preset: Preset, referral_type: str) -> tuple[tuple[str, str | None], ...]:
    """Every meeting a referral of this type can have, in order, each with the event after which it is held: its
    first meeting (after nothing), then each `[[meetings]]` entry with `after` (Stockport: the review panel)."""
    later = tuple((m.event, m.after) for m in preset.meetings if m.after is not None and m.applies_to(referral_type))
    return ((meeting_event(preset, referral_type), None), *later)


def meeting_rule(preset: Preset, event: str, referral_type: str | None = None) -> MeetingRule | None:
    """The `[[meetings]]` entry that sets this meeting's quorum, if the preset has one."""
    return next((m for m in preset.meetings if m.event == event and m.applies_to(referral_type)), None)


def current_meeting(preset: Preset, referral_type: str, recorded: set[str] | frozenset[str]) -> str:
    """The meeting a referral has now: its first meeting, or the last of its later meetings whose `after` event
    is among those recorded (Stockport 9 and 10: the review panel, once the review is commissioned)."""
    now = meeting_event(preset, referral_type)
    for event, after in meetings_of(preset, referral_type)[1:]:
        if after in recorded:
            now = event
    return now


def meeting_name(event: str) -> str:
    return EVENTS.get(event, event)


def cap(text: str) -> str:
    """The first letter in capitals and the rest as it is ("The SAR screening meeting", where `str.capitalize`
    would write "The sar screening meeting")."""
    return text[:1].upper() + text[1:]


def window_clock(preset: Preset, referral_type: str, event: str) -> Clock | None:
    """The window clock this meeting meets (Dudley: 7 to 13 working days), if the preset has one."""
    for clock in preset.clocks:
        if clock.is_window and clock.met_by == event and clock.applies_to(referral_type):
            return clock
    return None


def statutory_roles(preset: Preset) -> tuple[str, ...]:
    return tuple(r.id for r in preset.roles if r.statutory)


def quorum_of(preset: Preset, event: str, referral_type: str | None = None) -> tuple[str, ...]:
    """The roles that must each be present for this meeting to be quorate: its `[[meetings]]` entry's, or, where
    the preset gives it none, one representative of each statutory partner."""
    rule = meeting_rule(preset, event, referral_type)
    return rule.quorum if rule is not None else statutory_roles(preset)


def of_partners(preset: Preset, quorum: tuple[str, ...] | None) -> bool:
    """Whether the quorum is the default one, each statutory partner (the words then speak of partners)."""
    return quorum is None or set(quorum) == set(statutory_roles(preset))


def quorum_words(preset: Preset, quorum: tuple[str, ...] | None = None) -> str:
    """What makes the meeting quorate, as the invitation says it: "It is quorate with one representative of
    each statutory partner: Local authority, Police, Health (ICB)", or, for a quorum of its own, "It is quorate
    only with each of these present: ..."."""
    if of_partners(preset, quorum):
        partners = labels(preset, statutory_roles(preset))
        return f"It is quorate with one representative of each statutory partner: {partners}"
    return f"It is quorate only with each of these present: {labels(preset, quorum or ())}"


@dataclass(frozen=True)
class Attendance:
    attended: tuple[str, ...]  # role ids, in the preset's order
    missing: tuple[str, ...]  # roles of the meeting's quorum not there

    @property
    def quorate(self) -> bool:
        return not self.missing


def attendance(preset: Preset, words: list[str], quorum: tuple[str, ...] | None = None) -> Attendance:
    """The roles typed (`local_authority police`, or labels such as `Health (ICB)` as one word each), checked
    against the preset's roles (an unknown one is refused naming the roles there are) and against the meeting's
    quorum (`quorum_of`; by default each statutory partner)."""
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
    return Attendance(attended, still_needed(preset, attended, quorum))


def labels(preset: Preset, roles: tuple[str, ...] | list[str]) -> str:
    return ", ".join(preset.role_label(r) for r in roles) or "nobody"


def split_override(words: list[str]) -> tuple[list[str], str | None]:
    """`... override REASON`: the words before it and the reason ("" when the word is there without one)."""
    lowered = [w.lower() for w in words]
    if "override" not in lowered:
        return words, None
    at = lowered.index("override")
    return words[:at], " ".join(words[at + 1 :]).strip()


def attendance_line(
    preset: Preset, attending: list[str] | tuple[str, ...], quorum: tuple[str, ...] | None = None
) -> str:
    """What the card and `meeting list` say of those confirmed to attend, against the meeting's quorum: "Attending:
    Local authority, Police. Still needed: Health." (or "... Every statutory partner is attending.", or, for a
    quorum of its own, "... Everyone the meeting needs is attending.")."""
    order = [r.id for r in preset.roles]
    confirmed = sorted((r for r in set(attending) if r in order), key=order.index)
    needed = still_needed(preset, confirmed, quorum)
    head = f"Attending: {labels(preset, confirmed)}." if confirmed else "Attending: nobody has confirmed yet."
    if needed:
        return f"{head} Still needed: {labels(preset, needed)}."
    if of_partners(preset, quorum):
        return f"{head} Every statutory partner is attending."
    return f"{head} Everyone the meeting needs is attending."


def still_needed(
    preset: Preset, attending: list[str] | tuple[str, ...], quorum: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    """The roles of the meeting's quorum (by default each statutory partner) not among `attending`."""
    return tuple(r for r in (quorum or statutory_roles(preset)) if r not in attending)


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


def who_attends(
    preset: Preset, role: str, typed: list[str], quorum: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    """Those a `meeting attend` records: a member of a role the meeting's quorum names (by default a statutory
    partner) confirms their own (their agency, or themselves: Stockport's review panel chair), the business
    manager names those it records for them. Anyone else is refused."""
    needs = quorum or statutory_roles(preset)
    partners = of_partners(preset, quorum)
    needed = labels(preset, needs)
    if role == BM_ROLE and typed:
        named = attendance(preset, typed).attended
        if other := [r for r in named if r not in needs]:
            what = "a statutory partner" if partners else "needed for this meeting's quorum"
            raise InvalidInput(f"{labels(preset, other)} is not {what}; the meeting needs {needed}. "
                               "Nothing was recorded.")
        return named
    if role not in needs:
        example = "police" if partners else needs[0]
        hint = (f" As the business manager, name {'the partners' if partners else 'them'}: `meeting attend REF "
                f"{example}`." if role == BM_ROLE else "")
        if partners:
            raise NotAllowed(f"Only a statutory partner's members ({needed}) confirm who attends for their agency."
                             f"{hint} Nothing was recorded.")
        raise NotAllowed(f"Only the members of the roles this meeting needs ({needed}) confirm they attend.{hint} "
                         "Nothing was recorded.")
    if typed and attendance(preset, typed).attended != (role,):
        if preset.role(role).statutory:
            raise NotAllowed(f"You confirm for your own agency, {preset.role_label(role)}, only: `meeting attend "
                             "REF`. Nothing was recorded.")
        raise NotAllowed(f"You confirm for yourself, as {preset.role_label(role)}, only: `meeting attend REF`. "
                         "Nothing was recorded.")
    return (role,)


def meetings_said(preset: Preset) -> str:
    """Each referral type's meetings and what makes each quorate, in one sentence (`panelbot preset check`)."""

    def quorate(event: str, type_id: str | None) -> str:
        quorum = quorum_of(preset, event, type_id)
        if of_partners(preset, quorum):
            return "quorate with one representative of each statutory partner"
        return f"quorate with {labels(preset, quorum)}"

    parts = []
    for kind in preset.referral_types:
        (first, _), *later = meetings_of(preset, kind.id)
        words = f"{meeting_name(first)} ({quorate(first, kind.id)})"
        for event, after in later:
            words += f", then, once {EVENTS.get(after or '', after)}, {meeting_name(event)} ({quorate(event, kind.id)})"
        parts.append(f"{kind.label}: {words}")
    if preset.monthly_panel is not None:
        parts.append(f"the monthly panel ({quorate(MONTHLY_PANEL_EVENT, None)})")
    return "Meetings: " + "; ".join(parts) + "."


# The business manager's form (`meeting schedule REF` with no date), on every platform -------------------------

MEETING_FORM = "meeting"
PLACE_MAX = 500
OVERRIDE_MAX = 2000


# The fields the meeting forms share: the day and time (read as the typed command reads them), and the reason for a
# day outside the preset's window (the service checks the window when the form is sent; its refusal comes back
# beside the day).
DAY = Field("date", "Day", "Which day is the meeting? Write it like 2026-12-22 or 22/12/2026.", "date",
            hint="The day, in UK time.", short="Day")
TIME = Field("time", "Time", "At what time (UK time)? Write it like 10:00 or 14:30.", "time",
             hint="24-hour clock, UK time, like 10:00 or 14:30.", short="Time")
OUTSIDE_WINDOW = Field(
    "override", "Reason for a day outside the window",
    "If the day is outside the window the procedure sets for this meeting, why is it held then? Otherwise skip this.",
    "text", required=False, max_length=OVERRIDE_MAX, multiline=True,
    hint="Only when the day is outside the window the procedure sets; it is recorded.", skip="None",
    short="Held outside the window because", screen_names=False, what="reason")


def _about(reference: str, subject: str) -> str:
    return f"**{reference} · {subject}**" if subject else f"**{reference}**"


def schedule_form(reference: str, subject: str) -> FormSpec:
    """The form that schedules a referral's meeting: its day and time (read as the typed command reads them),
    where it is held or its call link, and the reason for a day outside the preset's window. The window is the
    service's to check when the form is sent; its refusal comes back beside the day. The place and the reason
    are screened as the typed command screens them (a date of birth, a postcode, an NHS number)."""
    fields = (
        DAY,
        TIME,
        Field("place", "Place or call link", "Where is it held, or its call link?", "text", required=False,
              max_length=PLACE_MAX, hint="A room or a call link. No names, dates of birth or addresses of anyone.",
              skip="None", short="Where", screen_names=False, what="place"),
        OUTSIDE_WINDOW,
    )
    about = _about(reference, subject)
    return FormSpec(MEETING_FORM, "Schedule the meeting",
                    (f"{about}: when its meeting is held, and where. Panelbot checks the day against the procedure's "
                     "window, posts the meeting to the panel with a calendar invitation, and asks each statutory "
                     "partner who attends.",),
                    "Schedule meeting", fields, reference, subject, what="meeting", nothing="nothing was scheduled",
                    cancelled="Cancelled; nothing was scheduled.")


# Moving and cancelling it (`meeting move REF`, `meeting cancel REF` with nothing more), for the business manager -----

MOVE_FORM = "meeting_move"
CANCEL_FORM = "meeting_cancel"
REASON_MAX = 2000
# What the move and cancel forms keep to be known again as they were shown (`FormSpec.kept`): which meeting, and
# when it is now, as the intro says them ("the rapid review meeting", "Tue 22 Dec 2026, 10:00, Room 2").
KEPT_MEETING, KEPT_NOW = "meeting", "now"
KEPT_MAX = 200  # kept text comes back from a platform: no longer than this is shown


def _kept(name: str, now: str) -> tuple[tuple[str, str], ...]:
    return ((KEPT_MEETING, name[:KEPT_MAX]), (KEPT_NOW, now[:KEPT_MAX]))


def move_form(reference: str, subject: str, name: str, now: str) -> FormSpec:
    """The form that moves a referral's scheduled meeting: its new day and time, and the reason for a day outside
    the preset's window. `name` is the meeting ("the rapid review meeting") and `now` when (and where) it is held
    now ("Tue 22 Dec 2026, 10:00, Room 2"), both said in its opening line. Its answers go through the typed
    `meeting move REF DATE TIME [override REASON]`'s own call."""
    intro = (f"{_about(reference, subject)}: {name} is now on {now}. Choose its new day and time. Panelbot checks "
             "the day against the procedure's window, tells the panel with an updated calendar invitation, and moves "
             "what is due before the meeting.")
    return FormSpec(MOVE_FORM, "Move the meeting", (intro,), "Move meeting", (DAY, TIME, OUTSIDE_WINDOW),
                    reference, subject, what="new time", nothing="nothing was moved",
                    cancelled="Cancelled; the meeting was not moved.", kept=_kept(name, now))


def cancel_form(reference: str, subject: str, name: str, now: str) -> FormSpec:
    """The form that cancels a referral's scheduled meeting: the reason (required, screened for a date of birth, a
    postcode or an NHS number as the typed command screens it), through the typed `meeting cancel REF REASON`'s own
    call."""
    reason = Field("reason", "Reason for cancelling", "Why is the meeting cancelled?", "text",
                   max_length=REASON_MAX, multiline=True,
                   hint="It is recorded. No names, dates of birth or addresses of anyone.",
                   short="Cancelled because", screen_names=False, what="reason")
    intro = (f"{_about(reference, subject)}: cancel {name} on {now}. The panel is told, with the calendar "
             "cancellation, and nothing is due before the meeting any more; the reason is recorded.")
    return FormSpec(CANCEL_FORM, "Cancel the meeting", (intro,), "Confirm cancellation", (reason,), reference,
                    subject, what="cancellation", nothing="nothing was cancelled",
                    cancelled="Stopped; the meeting was not cancelled.", kept=_kept(name, now))


# Recording it as held (`meeting held REF` with nothing more), for the business manager ---------------------------

HELD_FORM = "meeting_held"
# What the held form also keeps to be known again as it was shown: the roles of the meeting's quorum it offers, and
# the outcomes it offers where the meeting decides its referral's current stage (ids, comma-separated, in order).
KEPT_QUORUM, KEPT_OUTCOMES = "quorum", "outcomes"


def held_form(preset: Preset, reference: str, subject: str, name: str, now: str, quorum: tuple[str, ...],
              outcomes: tuple[str, ...] = ()) -> FormSpec:
    """The form that records a referral's meeting as held: who attended (the roles of the meeting's own quorum,
    several ticked), the reason to count it though not quorate (optional), and, where the meeting decides its
    referral's current stage (`outcomes`: that stage's outcome ids), the decision (a single choice, optional) and
    its reason (optional here: the service refuses a missing one where the outcome needs it, beside this field).
    Its answers go through the typed `meeting held REF ROLE... [override REASON] [outcome OUTCOME [REASON]]`'s own
    call."""
    offered = tuple(Choice(r, preset.role_label(r)) for r in quorum)
    partners = of_partners(preset, quorum)
    fields = [
        Field("roles", "Who attended", "Who attended? Write their numbers or names, separated by commas.", "choices",
              choices=offered, short="Attended",
              hint=("It is quorate with one representative of each statutory partner." if partners else
                    "It is quorate only with each of these present.")),
        Field("override", "Reason to count it though not quorate",
              "If not everyone the meeting needs attended and it should count anyway, why? Otherwise skip this.",
              "text", required=False, max_length=OVERRIDE_MAX, multiline=True,
              hint="Only when it was not quorate and should still count; it is recorded.", skip="None",
              short="Counted though not quorate because", screen_names=False, what="reason"),
    ]
    if outcomes:
        chosen = [preset.outcome(o) for o in outcomes]
        needs = [o.label for o in chosen if o.reason_required]
        fields += [
            Field("outcome", "Decision", "What did the meeting decide? Skip this to record the decision later.",
                  "choice", required=False, choices=tuple(Choice(o.id, o.label) for o in chosen), skip="None",
                  short="Decided", hint="Leave blank to record the decision later (`meeting decide`)."),
            Field("reason", "Reason for the decision", "Why did the meeting decide that? Skip this if there is no "
                  "decision, or none is needed.", "text", required=False, max_length=REASON_MAX, multiline=True,
                  hint=(f"Needed for: {', '.join(needs)}. " if needs else "") +
                  "No names, dates of birth or addresses of anyone.",
                  skip="None", short="Because", screen_names=False, what="reason"),
        ]
    intro = (f"{_about(reference, subject)}: record {name} on {now} as held: who attended"
             + (", and what it decided." if outcomes else ".") +
             f" {quorum_words(preset, quorum)}. A meeting that was not quorate counts for nothing unless you give the "
             "reason to count it anyway.")
    kept = (*_kept(name, now), (KEPT_QUORUM, ",".join(quorum)), (KEPT_OUTCOMES, ",".join(outcomes)))
    return FormSpec(HELD_FORM, "Record the meeting", (intro,), "Record meeting", tuple(fields), reference, subject,
                    what="record", nothing="nothing was recorded", cancelled="Cancelled; nothing was recorded.",
                    kept=kept)
