"""`Panel`: the one object a platform talks to, a thin facade over the per-concept handlers.

Each method hands its call to the handler of its concept (`members`, `referrals`, `ballots`, `clockwork`,
`meetings`, `requests`, `views`, `agenda`, `reports`, `reminders`, `stuck`), where the command is written;
what every handler shares (the preset, the calendar, the clock, the outbox wake-up...) is the `Core`, read
and set here. `bootstrap.build_panel` makes the core, the handlers and the panel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.service.base import Actor, Core

if TYPE_CHECKING:
    from datetime import date, datetime
    from typing import Any

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.service.agenda import Agenda, AgendaCommands
    from bot.service.ballots import BallotCommands, Receipt
    from bot.service.casefile import CaseFileCommands
    from bot.service.clockwork import ClockCommands, EventRecord
    from bot.service.complaints import ComplaintCommands, ComplaintLine
    from bot.service.meetings import MeetingCommands, MeetingLine
    from bot.service.members import MemberCommands, MemberInfo
    from bot.service.referrals import ReferralCommands
    from bot.service.reminders import ReminderCommands, Upcoming
    from bot.service.reports import CalendarEntry, ReportCommands
    from bot.service.requests import ContactLine, RequestCommands, RequestLine
    from bot.service.stuck import StuckCommands
    from bot.service.views import Views
    from flows.calendar import WorkingCalendar
    from flows.ics import MeetingInvite
    from flows.preset import Choice, Preset
    from flows.referrals import ReferralDraft
    from flows.reports import DisagreementRow, Period, Report
    from flows.returns import Origin
    from flows.views import CardView, OverdueLine, StatusLine
    from storage.models import Member, Referral
    from storage.uow import UnitOfWork


class Panel:
    """One partnership's panel: every command and view, over one database."""

    def __init__(
        self,
        core: Core,
        *,
        members: MemberCommands,
        referrals: ReferralCommands,
        ballots: BallotCommands,
        clocks: ClockCommands,
        meetings: MeetingCommands,
        requests: RequestCommands,
        views: Views,
        agenda: AgendaCommands,
        reports: ReportCommands,
        reminders: ReminderCommands,
        stuck: StuckCommands,
        casefile: CaseFileCommands,
        complaints: ComplaintCommands,
    ) -> None:
        self._core = core
        self._members = members
        self._referrals = referrals
        self._ballots = ballots
        self._clocks = clocks
        self._meetings = meetings
        self._requests = requests
        self._views = views
        self._agenda = agenda
        self._reports = reports
        self._reminders = reminders
        self._stuck = stuck
        self._casefile = casefile
        self._complaints = complaints

    # What every handler shares: read from the core, and set on it, so every handler sees a change ---------
    @property
    def preset(self) -> Preset:
        return self._core.preset

    @property
    def cal(self) -> WorkingCalendar:
        return self._core.cal

    @property
    def partnership_id(self) -> int:
        return self._core.partnership_id

    @property
    def practice(self) -> bool:
        return self._core.practice

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._core.clock

    @property
    def on_outbox(self) -> Callable[[], Awaitable[None]] | None:
        return self._core.on_outbox

    @on_outbox.setter
    def on_outbox(self, wake: Callable[[], Awaitable[None]] | None) -> None:
        self._core.on_outbox = wake

    @property
    def stuck_after(self) -> timedelta:
        return self._core.stuck_after

    @stuck_after.setter
    def stuck_after(self, after: timedelta) -> None:
        self._core.stuck_after = after

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession] | None:
        return self._core.sessionmaker

    @sessionmaker.setter
    def sessionmaker(self, made: async_sessionmaker[AsyncSession] | None) -> None:
        self._core.sessionmaker = made

    def now(self) -> datetime:
        return self._core.now()

    def uow(self) -> UnitOfWork:
        return self._core.uow()

    def fmt(self, dt: datetime) -> str:
        return self._core.fmt(dt)

    async def finish(self, uow: UnitOfWork) -> None:
        await self._core.finish(uow)

    async def audit(self, uow: UnitOfWork, actor: Actor, action: str, on: str, **payload: object) -> None:
        await self._core.audit(uow, actor, action, on, **payload)

    def notice(self, uow: UnitOfWork, purpose: str, text: str, referral: Referral | None = None) -> None:
        self._core.notice(uow, purpose, text, referral)

    async def referral(self, uow: UnitOfWork, reference: str, *, lock: bool = False) -> Referral:
        return await self._core.referral(uow, reference, lock=lock)

    async def check_member(self, uow: UnitOfWork, actor: Actor) -> None:
        await self._core.check_member(uow, actor)

    async def members_and_account(self, uow: UnitOfWork, actor: Actor) -> tuple[list[Member], Actor]:
        return await self._core.members_and_account(uow, actor)

    def check_actor(self, actor: Actor) -> None:
        self._core.check_actor(actor)

    def require_bm(self, actor: Actor, doing: str) -> None:
        self._core.require_bm(actor, doing)

    def require_panel(self, actor: Actor, doing: str) -> None:
        self._core.require_panel(actor, doing)

    # The platform's answer window and its deliveries (no panel needed: they hold per request)
    answering = staticmethod(Core.answering)
    delivering = staticmethod(Core.delivering)
    starting_commit = staticmethod(Core.starting_commit)
    note_outage = staticmethod(Core.note_outage)

    # Members: who sits on the panel, the channels, who is acting -----------------------------------------
    def role_id(self, text: str) -> str | None:
        return self._members.role_id(text)

    async def add_member(self, *, actor: Actor, name: str, role: str, ids: list[str] = ()) -> MemberInfo:  # type: ignore[assignment]
        return await self._members.add_member(actor=actor, name=name, role=role, ids=ids)

    async def remove_member(self, *, actor: Actor, name: str) -> MemberInfo:
        return await self._members.remove_member(actor=actor, name=name)

    async def list_members(self) -> list[MemberInfo]:
        return await self._members.list_members()

    async def set_channel(self, *, actor: Actor, purpose: str, platform_id: str) -> tuple[str, str, str]:
        return await self._members.set_channel(actor=actor, purpose=purpose, platform_id=platform_id)

    async def list_channels(self) -> list[tuple[str, str, str]]:
        return await self._members.list_channels()

    async def actor_for(self, platform: str, external_id: str) -> Actor | None:
        return await self._members.actor_for(platform, external_id)

    async def actor_named(self, text: str) -> Actor:
        return await self._members.actor_named(text)

    # Referrals: the business manager's commands on a referral --------------------------------------------
    async def file_referral(self, *, actor: Actor, draft: ReferralDraft) -> str:
        return await self._referrals.file_referral(actor=actor, draft=draft)

    async def decide_now(self, *, actor: Actor, reference: str, outcome: str, reason: str) -> str:
        return await self._referrals.decide_now(actor=actor, reference=reference, outcome=outcome, reason=reason)

    async def return_incomplete(self, *, actor: Actor, reference: str, missing: str) -> str:
        return await self._referrals.return_incomplete(actor=actor, reference=reference, missing=missing)

    async def resubmit(self, *, actor: Actor, reference: str, summary: str | None = None) -> str:
        return await self._referrals.resubmit(actor=actor, reference=reference, summary=summary)

    async def hold(self, *, actor: Actor, reference: str, until: date | None = None, reason: str = "") -> str:
        return await self._referrals.hold(actor=actor, reference=reference, until=until, reason=reason)

    async def resume(self, *, actor: Actor, reference: str) -> str:
        return await self._referrals.resume(actor=actor, reference=reference)

    async def release_holds(self) -> list[str]:
        return await self._referrals.release_holds()

    async def hold_agenda(self) -> list[str]:
        return await self._referrals.hold_agenda()

    async def withdraw(self, *, actor: Actor, reference: str, reason: str) -> str:
        return await self._referrals.withdraw(actor=actor, reference=reference, reason=reason)

    async def record_event(self, *, actor: Actor, reference: str, event: str, at: datetime | None = None) -> list[str]:
        return await self._referrals.record_event(actor=actor, reference=reference, event=event, at=at)

    async def record_notification(self, *, actor: Actor, reference: str, kind: str, on: date | None = None) -> str:
        return await self._casefile.record_notification(actor=actor, reference=reference, kind=kind, on=on)

    async def change_parallel(self, *, actor: Actor, reference: str, action: str, kind: str) -> str:
        return await self._casefile.change_parallel(actor=actor, reference=reference, action=action, kind=kind)

    async def complaint(self, *, actor: Actor, reference: str, about: str, text: str) -> str:
        return await self._complaints.complaint(actor=actor, reference=reference, about=about, text=text)

    async def complaint_escalated(self, *, actor: Actor, reference: str, number: int | None = None) -> str:
        return await self._complaints.complaint_escalated(actor=actor, reference=reference, number=number)

    async def complaint_responded(self, *, actor: Actor, reference: str, by: str, number: int | None = None,
                                  on: date | None = None) -> list[str]:
        return await self._complaints.complaint_responded(actor=actor, reference=reference, by=by, number=number,
                                                          on=on)

    async def list_complaints(self, reference: str | None = None) -> list[ComplaintLine]:
        return await self._complaints.list_complaints(reference)

    async def mark_done(self, *, actor: Actor, reference: str, clock_id: str) -> str:
        return await self._referrals.mark_done(actor=actor, reference=reference, clock_id=clock_id)

    # Ballots: voting and the decisions the panel makes ---------------------------------------------------
    async def vote(
        self, *, actor: Actor, reference: str, outcome: str, reason: str = "", delivery_key: str | None = None
    ) -> Receipt:
        return await self._ballots.vote(
            actor=actor, reference=reference, outcome=outcome, reason=reason, delivery_key=delivery_key
        )

    async def recuse(self, *, actor: Actor, reference: str, reason: str = "") -> Receipt:
        return await self._ballots.recuse(actor=actor, reference=reference, reason=reason)

    async def close_ballot(self, *, actor: Actor, reference: str) -> str:
        return await self._ballots.close_ballot(actor=actor, reference=reference)

    async def escalate(self, *, actor: Actor, reference: str) -> str:
        return await self._ballots.escalate(actor=actor, reference=reference)

    async def chair_decide(self, *, actor: Actor, reference: str, outcome: str, reason: str) -> str:
        return await self._ballots.chair_decide(actor=actor, reference=reference, outcome=outcome, reason=reason)

    async def check_deadlines(self) -> list[str]:
        return await self._ballots.check_deadlines()

    # Clocks and events -----------------------------------------------------------------------------------
    async def happened(
        self, *, actor: Actor, reference: str, event: str, at: datetime | None = None
    ) -> EventRecord:
        return await self._clocks.happened(actor=actor, reference=reference, event=event, at=at)

    async def schedule_event(self, *, actor: Actor, reference: str, event: str, on: date) -> list[str]:
        return await self._clocks.schedule_event(actor=actor, reference=reference, event=event, on=on)

    # Meetings --------------------------------------------------------------------------------------------
    async def schedule_meeting(
        self, *, actor: Actor, reference: str, at: datetime, place: str = "", override: str | None = None
    ) -> list[str]:
        return await self._meetings.schedule_meeting(
            actor=actor, reference=reference, at=at, place=place, override=override
        )

    async def move_meeting(
        self, *, actor: Actor, reference: str, at: datetime, override: str | None = None
    ) -> list[str]:
        return await self._meetings.move_meeting(actor=actor, reference=reference, at=at, override=override)

    async def cancel_meeting(self, *, actor: Actor, reference: str, reason: str) -> str:
        return await self._meetings.cancel_meeting(actor=actor, reference=reference, reason=reason)

    async def meeting_held(
        self, *, actor: Actor, reference: str, roles: list[str], override: str | None = None
    ) -> list[str]:
        return await self._meetings.meeting_held(actor=actor, reference=reference, roles=roles, override=override)

    async def list_meetings(self) -> list[MeetingLine]:
        return await self._meetings.list_meetings()

    async def attend_meeting(self, *, actor: Actor, reference: str, roles: list[str]) -> list[str]:
        return await self._meetings.attend_meeting(actor=actor, reference=reference, roles=roles)

    async def remind_meetings(self) -> int:
        return await self._meetings.remind_meetings()

    async def calendar_meetings(self) -> list[MeetingInvite]:
        return await self._meetings.calendar_meetings()

    # Information requests to agencies --------------------------------------------------------------------
    def agency(self, text: str) -> Choice:
        return self._requests.agency(text)

    async def send_requests(
        self, *, actor: Actor, reference: str, agencies: list[str], due: date | None = None
    ) -> list[str]:
        return await self._requests.send_requests(actor=actor, reference=reference, agencies=agencies, due=due)

    async def mark_returned(self, *, actor: Actor, reference: str, agency: str, origin: Origin | None = None) -> str:
        return await self._requests.mark_returned(actor=actor, reference=reference, agency=agency, origin=origin)

    async def add_contact(self, *, actor: Actor, agency: str, platform_id: str) -> tuple[Choice, str]:
        return await self._requests.add_contact(actor=actor, agency=agency, platform_id=platform_id)

    async def remove_contact(self, *, actor: Actor, agency: str, platform_id: str) -> tuple[Choice, str]:
        return await self._requests.remove_contact(actor=actor, agency=agency, platform_id=platform_id)

    async def list_contacts(self, *, actor: Actor) -> list[ContactLine]:
        return await self._requests.list_contacts(actor=actor)

    async def extend_request(self, *, actor: Actor, reference: str, agency: str, until: date, reason: str) -> str:
        return await self._requests.extend_request(
            actor=actor, reference=reference, agency=agency, until=until, reason=reason
        )

    async def list_requests(self, reference: str) -> list[RequestLine]:
        return await self._requests.list_requests(reference)

    # Reads: the card, status, overdue --------------------------------------------------------------------
    async def card(self, reference: str) -> CardView:
        return await self._views.card(reference)

    async def card_by_id(self, referral_id: int) -> CardView:
        return await self._views.card_by_id(referral_id)

    async def status(self, reference: str | None = None) -> list[StatusLine]:
        return await self._views.status(reference)

    async def overdue(self) -> list[OverdueLine]:
        return await self._views.overdue()

    # The monthly panel's agenda --------------------------------------------------------------------------
    def next_panel(self, today: date | None = None) -> date | None:
        return self._agenda.next_panel(today)

    async def agenda(self) -> Agenda:
        return await self._agenda.agenda()

    # Reports, disagreements, the calendar feed and the export --------------------------------------------
    async def report(self, period: Period) -> Report:
        return await self._meetings.report(period)  # the reports' figures, with the meetings' timeliness

    async def record_disagreement(self, *, actor: Actor, reference: str, party: str, reason: str) -> str:
        return await self._reports.record_disagreement(actor=actor, reference=reference, party=party, reason=reason)

    async def list_disagreements(self, reference: str | None = None) -> list[DisagreementRow]:
        return await self._reports.list_disagreements(reference)

    async def calendar_entries(self) -> list[CalendarEntry]:
        return await self._reports.calendar_entries()

    async def export_record(self) -> dict[str, Any]:
        return await self._reports.export_record()

    # Reminders -------------------------------------------------------------------------------------------
    async def run_reminders(self, *, dry_run: bool = False) -> int:
        return await self._reminders.run_reminders(dry_run=dry_run)

    async def upcoming_reminders(self, before: datetime | None = None) -> list[Upcoming]:
        return await self._reminders.upcoming_reminders(before)

    async def next_reminder_time(self) -> datetime | None:
        return await self._reminders.next_reminder_time()

    async def still_wanted(self, body: dict[str, object]) -> bool:
        return await self._reminders.still_wanted(body)

    # Messages that cannot be delivered -------------------------------------------------------------------
    async def tell_stuck(self, stuck_after: timedelta | None = None) -> int:
        return await self._stuck.tell_stuck(stuck_after)
