"""Meetings of a referral (issue 21, section 1): the business manager schedules, moves and cancels the rapid
review meeting (or a SAR screening meeting), checked against the preset's window in plain words and held
outside it only with a reason; the clocks due before it (Salford 7.11: papers 24 hours before) move with it;
and `meeting held` records who attended, checks the meeting's own quorum (the preset's `[[meetings]]`: one of
each statutory partner unless it names other roles, as Stockport's screening meeting and review panel do), and,
when quorate or overridden with a reason, records the meeting as the event every later clock starts from. A
referral's meeting is its first (the rapid review or screening meeting), or, once the event a later meeting
follows is recorded, that meeting (Stockport: the review panel, once the review is commissioned)."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import datetime

from bot.service.base import Actor, Core, Handler
from bot.service.clockwork import ClockCommands
from bot.service.decisions import DecisionRules
from bot.service.reports import ReportCommands
from bot.service.stages import StageCommands
from flows import meetings as rules
from flows.clocks import check_window, window_words
from flows.errors import InvalidInput, NotFound, WrongState
from flows.ics import MeetingInvite, file_name, invitation
from flows.referrals import Status
from flows.reports import MeetingRow, Period, Report, meeting_timeliness
from flows.views import MeetingLine, MeetingNow
from storage.models import Referral, ScheduledEvent
from storage.uow import UnitOfWork

__all__ = ["MeetingCommands", "MeetingLine", "MeetingNow"]  # the views live in flows.views


class MeetingCommands(Handler):
    def __init__(
        self, core: Core, clocks: ClockCommands, decisions: DecisionRules, reports: ReportCommands,
        stages: StageCommands,
    ) -> None:
        super().__init__(core)
        self.clocks = clocks
        self.decisions = decisions
        self.reports = reports
        self.stages = stages

    async def schedule_meeting(
        self, *, actor: Actor, reference: str, at: datetime, place: str = "", override: str | None = None
    ) -> list[str]:
        self.require_bm(actor, "schedule meetings")
        place, override = self._meeting_texts(place, override)
        if at <= self.now():
            raise InvalidInput("The meeting must be in the future. Nothing was scheduled.", field="date")
        async with self.uow() as uow:
            referral = await self._meeting_referral(uow, reference)
            event = await self._current_event(uow, referral)
            name = rules.meeting_name(event)
            if (row := await uow.events.planned(referral, event, lock=True)) is not None:
                raise WrongState(
                    f"{rules.cap(name)} for {referral.reference} is already scheduled for {self.fmt(row.at)}; "
                    f"use `meeting move {referral.reference} DATE TIME` to change it."
                )
            window = await self._window_words(uow, referral, event, at, override)
            row = self.clocks._event_row(referral, event, at, actor)
            row.place, row.window_override = place or None, override
            await uow.events.add(row)
            await self.audit(uow, actor, "meeting_scheduled", referral.reference, event=event, at=at.isoformat(),
                             window_override=override)
            moved = await self.clocks._retime_before(uow, referral, event, actor)
            where = f", {place}" if place else ""
            quorum = self._quorum(referral, event)
            who = "who attends for your agency" if rules.of_partners(self.preset, quorum) else "you attend"
            self._post_meeting(
                uow, referral, row,
                f"{rules.cap(name)} for **{referral.reference} · {referral.subject}**: **{self.fmt(at)}**{where}. "
                f"{rules.quorum_words(self.preset, quorum)}; each, please confirm {who} (the button, or "
                f"`meeting attend {referral.reference}`).",
            )
            self.decisions._card_update(uow, referral)
            await self.finish(uow)
        head = f"{rules.cap(name)} for {referral.reference} is scheduled for {self.fmt(at)}{where}."
        return [head, *window, *(f"{self.clocks.deadline_label(d)}: due {self.fmt(d.due_at)}." for d in moved)]

    async def move_meeting(
        self, *, actor: Actor, reference: str, at: datetime, override: str | None = None
    ) -> list[str]:
        self.require_bm(actor, "move meetings")
        _, override = self._meeting_texts("", override)
        if at <= self.now():
            raise InvalidInput("The meeting must be in the future. Nothing was moved.", field="date")
        async with self.uow() as uow:
            referral = await self._meeting_referral(uow, reference)
            event, row = await self._the_meeting(uow, referral)
            window = await self._window_words(uow, referral, event, at, override, nothing="Nothing was moved.")
            was, row.at, row.moves, row.window_override = row.at, at, row.moves + 1, override
            await self.audit(uow, actor, "meeting_moved", referral.reference, event=event, at=at.isoformat(),
                             was=was.isoformat(), window_override=override)
            moved = await self.clocks._retime_before(uow, referral, event, actor)
            name = rules.cap(rules.meeting_name(event))
            self._post_meeting(uow, referral, row, f"{name} for **{referral.reference} · {referral.subject}** is "
                               f"moved from {self.fmt(was)} to **{self.fmt(at)}**.")
            self.decisions._card_update(uow, referral)
            await self.finish(uow)
        head = f"{name} for {referral.reference} is moved to {self.fmt(at)} (was {self.fmt(was)})."
        return [head, *window, *(f"{self.clocks.deadline_label(d)}: due {self.fmt(d.due_at)}." for d in moved)]

    async def meeting_to_change(self, *, actor: Actor, reference: str, doing: str) -> MeetingNow:
        """The referral's scheduled meeting as the move and cancel forms say it, for the business manager only
        (`doing`: "move meetings"): refused in one sentence when the referral has none."""
        self.require_bm(actor, doing)
        async with self.uow() as uow:
            referral = await self._meeting_referral(uow, reference)
            event, row = await self._the_meeting(uow, referral)
        where = f", {row.place}" if row.place else ""
        return MeetingNow(referral.reference, referral.subject, rules.meeting_name(event), f"{self.fmt(row.at)}{where}")

    async def meeting_to_record(self, *, actor: Actor, reference: str) -> MeetingNow:
        """The referral's scheduled meeting as the held form says it, with the roles of its quorum and, where it
        decides its referral's current stage, that stage's outcomes; for the business manager only, refused in one
        sentence when the referral has no meeting scheduled."""
        self.require_bm(actor, "record meetings")
        async with self.uow() as uow:
            referral = await self._meeting_referral(uow, reference)
            event, row = await self._the_meeting(uow, referral)
            deciding = event == rules.meeting_event(self.preset, referral.referral_type)
            outcomes = await self.stages._outcomes_to_decide(uow, referral) if deciding else ()
        where = f", {row.place}" if row.place else ""
        return MeetingNow(referral.reference, referral.subject, rules.meeting_name(event), f"{self.fmt(row.at)}{where}",
                          self._quorum(referral, event), outcomes)

    async def cancel_meeting(self, *, actor: Actor, reference: str, reason: str) -> str:
        self.require_bm(actor, "cancel meetings")
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for cancelling the meeting; the panel is told.", field="reason",
                               in_form="Please give the reason for cancelling the meeting. Nothing was cancelled.")
        self._screen(reason, "reason")
        async with self.uow() as uow:
            referral = await self._meeting_referral(uow, reference)
            event, row = await self._the_meeting(uow, referral)
            row.status, row.cancel_reason = "cancelled", reason
            await self.audit(uow, actor, "meeting_cancelled", referral.reference, event=event, reason=reason)
            await self.clocks._retime_before(uow, referral, event, actor)  # nothing is due before a cancelled meeting
            name = rules.cap(rules.meeting_name(event))
            self._post_meeting(uow, referral, row, f"{name} for **{referral.reference} · {referral.subject}** on "
                               f"{self.fmt(row.at)} is cancelled.", cancelled=True)
            self.decisions._card_update(uow, referral)
            await self.finish(uow)
        return f"{name} for {referral.reference} on {self.fmt(row.at)} is cancelled."

    async def meeting_held(
        self, *, actor: Actor, reference: str, roles: list[str], override: str | None = None,
        outcome: str | None = None, reason: str = "", in_form: bool = False,
    ) -> list[str]:
        """Who attended, checked against the meeting's quorum. A quorate meeting (or one the business manager
        counts anyway, with a reason) is the meeting every later clock starts from; one that was not quorate is
        kept as such and counts for nothing. Where the meeting decides (the preset's stages), `outcome` is its
        decision, recorded with who attended (`StageCommands.record_meeting_decision`). `in_form`: sent from the
        held form, whose refusals name its fields and whose answer speaks of the form, not of `override REASON`."""
        self.require_bm(actor, "record meetings")
        _, override = self._meeting_texts("", override, what="counting a meeting that was not quorate")
        if not roles:
            raise InvalidInput(
                f"Say who attended, by role: `meeting held {reference.upper()} local_authority police health`."
            )
        rules.attendance(self.preset, roles)  # a role the partnership does not have is refused before anything
        if outcome is None and reason.strip():  # only the form can send a reason without its decision
            raise InvalidInput("Choose the decision the reason is for, or leave the reason blank. Nothing was "
                               "recorded.", field="outcome")
        async with self.uow() as uow:
            referral = await self._meeting_referral(uow, reference)
            choice = None if outcome is None else self.stages._meeting_choice(actor, referral, outcome, reason)
            event, row = await self._the_meeting(uow, referral)
            if choice is not None and event != rules.meeting_event(self.preset, referral.referral_type):
                raise WrongState(f"{rules.cap(rules.meeting_name(event))} does not decide {referral.reference}; only "
                                 f"{rules.meeting_name(rules.meeting_event(self.preset, referral.referral_type))} "
                                 "does. Nothing was recorded.")
            present = rules.attendance(self.preset, roles, self._quorum(referral, event))
            if choice is not None and not present.quorate and override is None:
                raise WrongState(
                    f"{rules.cap(rules.meeting_name(event))} for {referral.reference} was not quorate (still needed: "
                    f"{rules.labels(self.preset, present.missing)}), so it cannot decide; add `override REASON` before "
                    "`outcome` to count it anyway. Nothing was recorded.", field="override",
                    in_form=f"{rules.cap(rules.meeting_name(event))} was not quorate (still needed: "
                    f"{rules.labels(self.preset, present.missing)}), so it cannot decide: give the reason to count it "
                    "anyway, or leave the decision blank. Nothing was recorded.")
            now = self.now()
            when = row.at if row.at <= now else now
            row.attended, row.quorate, row.held_at = list(present.attended), present.quorate, when
            name = rules.meeting_name(event)
            who = rules.labels(self.preset, present.attended)
            await self.audit(uow, actor, "meeting_held", referral.reference, event=event, attended=row.attended,
                             quorate=present.quorate, quorum_override=override)
            if not present.quorate and override is None:
                await self.finish(uow)
                return [
                    f"{rules.cap(name)} for {referral.reference} on {self.fmt(when)} is recorded as not quorate "
                    f"(attended: {who}; still needed: {rules.labels(self.preset, present.missing)}). It does not "
                    f"count as {name}; to count it anyway, "
                    + ("record it again with the reason to count it." if in_form else "add `override REASON`.")
                ]
            row.quorum_override = override if not present.quorate else None
            record = await self.clocks._record_happened(uow, referral, event, when, actor)
            decided = [] if choice is None else await self.stages._record_meeting_decision(
                uow, actor, referral, row, choice)
            self.decisions._card_update(uow, referral)
            await self.finish(uow)
        quorum = "quorate" if present.quorate else f"not quorate, counted by the business manager: {override}"
        lines = [f"{rules.cap(name)} for {referral.reference} is recorded: held {self.fmt(when)}, attended by "
                 f"{who} ({quorum})."]
        if record.started:
            lines.append(f"Clocks started: {', '.join(record.started)}.")
        lines += [f"Met: {m}." for m in record.met] + [f"Flagged: {f}" for f in record.flagged]
        return lines + decided

    async def meeting_invitation(self, *, actor: Actor, reference: str) -> tuple[str, bytes]:
        """The `.ics` invitation of a referral's scheduled meeting as it stands, for anyone on the panel who asks
        (`meeting invitation REF`, the "Send me the calendar file" button): (file name, bytes)."""
        self.require_panel(actor, "get a meeting's calendar file")
        async with self.uow() as uow:
            await self.core.check_member(uow, actor)  # a removed member gets nothing
            referral = await self._meeting_referral(uow, reference)
            _, row = await self._the_meeting(uow, referral)
        return file_name(referral.reference), invitation(self._invite(referral, row), self.now())

    async def list_meetings(self) -> list[MeetingLine]:
        async with self.uow() as uow:
            rows = await uow.events.planned_of(rules.MEETING_EVENTS)
            out = []
            for row, referral in rows:
                clock = rules.window_clock(self.preset, referral.referral_type, row.event)
                window = None
                if clock is not None and (start := await self._window_start(uow, referral, clock)) is not None:
                    check = check_window(self.preset, self.cal, clock, start, row.at)
                    window = window_words(self.preset, self.cal, clock, check)
                deciding = row.event == rules.meeting_event(self.preset, referral.referral_type)
                out.append(MeetingLine(
                    referral.reference, referral.subject, rules.meeting_name(row.event), row.at, row.place, window,
                    row.window_override, tuple(row.attended or ()), row.quorate is False,
                    self._quorum(referral, row.event), tuple(row.attending or ()),
                    decides=await self.stages._meeting_words(uow, referral) if deciding else None,
                ))
        return out

    async def calendar_meetings(self) -> list[MeetingInvite]:
        """Every scheduled meeting as the calendar feed shows it (the same UID as its invitation)."""
        async with self.uow() as uow:
            return [self._invite(referral, row) for row, referral in await uow.events.planned_of(rules.MEETING_EVENTS)]

    async def report(self, period: Period) -> Report:
        """The period report (`ReportCommands.report`) with the timeliness of the meetings held in the period
        (issue 21, section 5): inside the window, quorate, papers on time."""
        report = await self.reports.report(period)
        start, until = period.bounds(self.cal)
        async with self.uow() as uow:
            rows = [await self._meeting_row(uow, row, referral)
                    for row, referral in await uow.events.held_between(rules.MEETING_EVENTS, start, until)]
        return replace(report, meetings=meeting_timeliness(rows), meetings_held=len(rows))

    # Helpers ----------------------------------------------------------------------------------------------
    async def _meeting_row(self, uow: UnitOfWork, row: ScheduledEvent, referral: Referral) -> MeetingRow:
        """One meeting held: inside its window (None without one), quorate, and every clock due before it (its
        papers) met by its due time (None without such a clock)."""
        assert row.held_at is not None
        inside = None
        clock = rules.window_clock(self.preset, referral.referral_type, row.event)
        if clock is not None and (start := await self._window_start(uow, referral, clock)) is not None:
            inside = check_window(self.preset, self.cal, clock, start, row.held_at).position == "inside"
        papers = None
        for c in self.preset.clocks:
            if c.before == row.event and c.applies_to(referral.referral_type):
                d = await uow.deadlines.latest(referral, c.id)
                if d is not None:
                    papers = papers is not False and d.done_at is not None and d.done_at <= d.due_at
        return MeetingRow(referral.reference, row.held_at, bool(row.quorate), inside, papers)

    def _invite(self, referral: Referral, row: ScheduledEvent, *, cancelled: bool = False) -> MeetingInvite:
        name = rules.meeting_name(row.event)
        quorum = rules.quorum_words(self.preset, self._quorum(referral, row.event))
        return MeetingInvite(
            event_id=row.id,
            partnership=self.preset.id,
            title=f"{rules.cap(name.removeprefix('the '))}: {referral.reference} · {referral.subject}",
            description=(
                f"{rules.cap(name)} for {referral.reference} · {referral.subject}, {self.fmt(row.at)} (UK time). "
                f"{quorum}."
            ),
            at=row.at,
            place=row.place,
            sequence=row.moves + (1 if cancelled else 0),
        )

    def _post_meeting(
        self, uow: UnitOfWork, referral: Referral, row: ScheduledEvent, text: str, *, cancelled: bool = False
    ) -> None:
        """Post to the panel channel with the meeting's `.ics` invitation (or its cancellation) as a file, and,
        while it stands, the button for those its quorum needs to confirm who attends."""
        data = invitation(self._invite(referral, row, cancelled=cancelled), self.now(), cancelled=cancelled)
        body: dict = {"text": text, "files": [[file_name(referral.reference), base64.b64encode(data).decode("ascii")]]}
        if not cancelled:
            quorum = self._quorum(referral, row.event)
            if row.attending:
                body["text"] += " " + rules.attendance_line(self.preset, row.attending, quorum)
            label = "I attend for my agency" if rules.of_partners(self.preset, quorum) else "I attend"
            body["actions"] = [self._attend_button(referral.reference, label), {"label": "Send me the calendar file",
                                                               "command": f"meeting invitation {referral.reference}"}]
        uow.outbox(partnership_id=self.partnership_id, now=self.now(), purpose="panel", kind="notice",
                   referral_id=referral.id, body=body)

    @staticmethod
    def _attend_button(reference: str, label: str = "I attend for my agency") -> dict:
        """The button for those a meeting's quorum needs to confirm who attends the meeting `meeting attend
        REFERENCE` names (a referral's, or a monthly panel's: PANEL-2027-01)."""
        return {"label": label, "command": f"meeting attend {reference}", "style": "primary"}

    def _meeting_texts(self, place: str, override: str | None, *, what: str = "a time outside the window"):  # type: ignore[no-untyped-def]
        """The place and the override's reason, screened; a refusal names the meeting form's field it is about."""
        place = place.strip()
        if place:
            self._screen(place, "place")
        if override is not None:
            override = override.strip()
            if not override:
                raise InvalidInput(f"Give the reason for {what} after `override`. Nothing was changed.",
                                   field="override")
            self._screen(override, "override")
        return place, override

    def _screen(self, text: str, field: str) -> None:
        try:
            self.decisions._screen(text, "reason" if field in ("override", "reason") else field)
        except InvalidInput as exc:
            raise InvalidInput(str(exc), field=field) from None

    async def _meeting_referral(self, uow: UnitOfWork, reference: str) -> Referral:
        referral = await self.referral(uow, reference, lock=True)
        if referral.status == Status.WITHDRAWN:
            raise WrongState(f"{referral.reference} is withdrawn.")
        return referral

    def _quorum(self, referral: Referral, event: str) -> tuple[str, ...]:
        """The roles that must each be present for this meeting of the referral to be quorate."""
        return rules.quorum_of(self.preset, event, referral.referral_type)

    async def _current_event(self, uow: UnitOfWork, referral: Referral) -> str:
        """The referral's meeting now: its first, or the later meeting whose event has been recorded (Stockport:
        the review panel, once the review is commissioned)."""
        later = rules.meetings_of(self.preset, referral.referral_type)[1:]
        recorded = {after for _, after in later if after and await uow.events.held(referral, after) is not None}
        return rules.current_meeting(self.preset, referral.referral_type, recorded)

    async def _the_meeting(self, uow: UnitOfWork, referral: Referral) -> tuple[str, ScheduledEvent]:
        """The referral's planned meeting: its current one, or, if only an earlier one is still planned (a
        screening meeting planned before the review was commissioned), that one."""
        event = await self._current_event(uow, referral)
        others = [e for e, _ in reversed(rules.meetings_of(self.preset, referral.referral_type)) if e != event]
        for each in (event, *others):
            row = await uow.events.planned(referral, each, lock=True)
            if row is not None:
                return each, row
        raise NotFound(
            f"No {rules.meeting_name(event).removeprefix('the ')} is scheduled for {referral.reference}; "
            f"schedule one with `meeting schedule {referral.reference} DATE TIME`."
        )

    async def _window_start(self, uow: UnitOfWork, referral: Referral, clock) -> datetime | None:  # type: ignore[no-untyped-def]
        row = await uow.deadlines.latest(referral, clock.id)
        if row is not None:
            return row.started_at
        return referral.received_at if clock.starts == "referral_received" else None

    async def _window_words(
        self, uow: UnitOfWork, referral: Referral, event: str, at: datetime, override: str | None,
        nothing: str = "Nothing was scheduled.",
    ) -> list[str]:
        """The window in plain words. A time outside it is refused unless the business manager gives a reason;
        `nothing` is what a form then says was done (scheduled, moved)."""
        clock = rules.window_clock(self.preset, referral.referral_type, event)
        if clock is None or (start := await self._window_start(uow, referral, clock)) is None:
            return []
        check = check_window(self.preset, self.cal, clock, start, at)
        words = window_words(self.preset, self.cal, clock, check)
        if check.position == "inside":
            return [words]
        if override is None:
            raise InvalidInput(f"{words} To hold it then anyway, add `override REASON`. Nothing was changed.",
                               field="date", in_form=f"{words} Choose a day inside it, or keep this one and give the "
                               f"reason for holding it then. {nothing}")
        return [f"{words} Held then anyway: {override}"]
