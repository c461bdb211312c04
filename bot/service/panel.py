"""`Panel`: the one object a platform talks to, a thin facade over the per-concept handlers.

Each method hands its call to the handler of its concept (`members`, `referrals`, `ballots`, `clockwork`,
`meetings`, `stages`, `attendance`, `panel_meetings`, `requests`, `views`, `agenda`, `reports`, `reminders`,
`stuck`), where the command is written;
what every handler shares (the preset, the calendar, the clock, the outbox wake-up...) is the `Core`, read
and set here. `bootstrap.build_panel` makes the core, the handlers and the panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.service.base import Actor, Core
from bot.service.shared import SharesCore

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date, datetime
    from typing import Any

    from bot.service.agenda import Agenda, AgendaCommands
    from bot.service.attendance import AttendanceCommands
    from bot.service.ballots import BallotCommands, Receipt
    from bot.service.casefile import CaseFileCommands
    from bot.service.clockwork import ClockCommands, EventRecord
    from bot.service.complaints import ComplaintCommands, ComplaintLine
    from bot.service.holds import HoldCommands
    from bot.service.links import BallotLinkView, LinkViews, ReturnLinkView
    from bot.service.meetings import MeetingCommands, MeetingLine, MeetingNow
    from bot.service.members import MemberCommands, MemberInfo
    from bot.service.panel_meetings import PanelMeetingCommands
    from bot.service.referrals import ReferralCommands
    from bot.service.reminders import ReminderCommands, Upcoming
    from bot.service.reports import CalendarEntry, ReportCommands
    from bot.service.requests import ContactLine, RequestCommands, RequestLine
    from bot.service.stages import StageCommands
    from bot.service.stuck import StuckCommands
    from bot.service.views import Views
    from flows.ics import MeetingInvite
    from flows.preset import Choice
    from flows.referrals import ReferralDraft
    from flows.reports import DisagreementRow, Period, Report
    from flows.returns import Origin
    from flows.views import CardView, OverdueLine, StatusLine
    from storage.models import ScheduledEvent


@dataclass(frozen=True)
class Handlers:
    """The handler of each concept, as `bootstrap.build_panel` wires them."""

    members: MemberCommands
    referrals: ReferralCommands
    ballots: BallotCommands
    clocks: ClockCommands
    meetings: MeetingCommands
    attendance: AttendanceCommands
    panel_meetings: PanelMeetingCommands
    requests: RequestCommands
    views: Views
    agenda: AgendaCommands
    reports: ReportCommands
    reminders: ReminderCommands
    stuck: StuckCommands
    stages: StageCommands
    links: LinkViews
    holds: HoldCommands
    casefile: CaseFileCommands
    complaints: ComplaintCommands


class Panel(SharesCore):
    """One partnership's panel: every command and view, over one database. What every handler shares (the
    preset, the clock, the unit of work...) is read through `SharesCore`."""

    def __init__(self, core: Core, handlers: Handlers) -> None:
        super().__init__(core)
        self._h = handlers

    # Members: who sits on the panel, the channels, who is acting -----------------------------------------
    def role_id(self, text: str) -> str | None:
        return self._h.members.role_id(text)

    async def add_member(self, *, actor: Actor, name: str, role: str, ids: list[str] = ()) -> MemberInfo:  # type: ignore[assignment]
        return await self._h.members.add_member(actor=actor, name=name, role=role, ids=ids)

    async def remove_member(self, *, actor: Actor, name: str) -> MemberInfo:
        return await self._h.members.remove_member(actor=actor, name=name)

    async def list_members(self) -> list[MemberInfo]:
        return await self._h.members.list_members()

    async def set_channel(
        self, *, actor: Actor, purpose: str, platform_id: str, add: bool = False
    ) -> tuple[str, str, str]:
        return await self._h.members.set_channel(actor=actor, purpose=purpose, platform_id=platform_id, add=add)

    async def remove_channel(self, *, actor: Actor, purpose: str, platform_id: str) -> tuple[str, str, str]:
        return await self._h.members.remove_channel(actor=actor, purpose=purpose, platform_id=platform_id)

    async def list_channels(self) -> list[tuple[str, str, str]]:
        return await self._h.members.list_channels()

    async def actor_for(self, platform: str, external_id: str) -> Actor | None:
        return await self._h.members.actor_for(platform, external_id)

    async def actor_named(self, text: str) -> Actor:
        return await self._h.members.actor_named(text)

    # Referrals: the business manager's commands on a referral --------------------------------------------
    async def file_referral(self, *, actor: Actor, draft: ReferralDraft) -> str:
        return await self._h.referrals.file_referral(actor=actor, draft=draft)

    async def decide_now(self, *, actor: Actor, reference: str, outcome: str, reason: str) -> str:
        return await self._h.referrals.decide_now(actor=actor, reference=reference, outcome=outcome, reason=reason)

    async def return_incomplete(self, *, actor: Actor, reference: str, missing: str) -> str:
        return await self._h.referrals.return_incomplete(actor=actor, reference=reference, missing=missing)

    async def resubmit(self, *, actor: Actor, reference: str, summary: str | None = None) -> str:
        return await self._h.referrals.resubmit(actor=actor, reference=reference, summary=summary)

    async def hold(self, *, actor: Actor, reference: str, until: date | None = None, reason: str = "") -> str:
        return await self._h.holds.hold(actor=actor, reference=reference, until=until, reason=reason)

    async def resume(self, *, actor: Actor, reference: str) -> str:
        return await self._h.holds.resume(actor=actor, reference=reference)

    async def release_holds(self) -> list[str]:
        return await self._h.holds.release_holds()

    async def hold_agenda(self) -> list[str]:
        return await self._h.holds.hold_agenda()

    async def withdraw(self, *, actor: Actor, reference: str, reason: str) -> str:
        return await self._h.referrals.withdraw(actor=actor, reference=reference, reason=reason)

    async def record_event(self, *, actor: Actor, reference: str, event: str, at: datetime | None = None) -> list[str]:
        return await self._h.referrals.record_event(actor=actor, reference=reference, event=event, at=at)

    async def record_notification(self, *, actor: Actor, reference: str, kind: str, on: date | None = None) -> str:
        return await self._h.casefile.record_notification(actor=actor, reference=reference, kind=kind, on=on)

    async def change_parallel(self, *, actor: Actor, reference: str, action: str, kind: str) -> str:
        return await self._h.casefile.change_parallel(actor=actor, reference=reference, action=action, kind=kind)

    async def complaint(self, *, actor: Actor, reference: str, about: str, text: str) -> str:
        return await self._h.complaints.complaint(actor=actor, reference=reference, about=about, text=text)

    async def complaint_escalated(self, *, actor: Actor, reference: str, number: int | None = None) -> str:
        return await self._h.complaints.complaint_escalated(actor=actor, reference=reference, number=number)

    async def complaint_responded(self, *, actor: Actor, reference: str, by: str, number: int | None = None,
                                  on: date | None = None) -> list[str]:
        return await self._h.complaints.complaint_responded(actor=actor, reference=reference, by=by, number=number,
                                                          on=on)

    async def list_complaints(self, reference: str | None = None) -> list[ComplaintLine]:
        return await self._h.complaints.list_complaints(reference)

    async def mark_done(self, *, actor: Actor, reference: str, clock_id: str) -> str:
        return await self._h.referrals.mark_done(actor=actor, reference=reference, clock_id=clock_id)

    # Ballots: voting and the decisions the panel makes ---------------------------------------------------
    async def vote(
        self, *, actor: Actor, reference: str, outcome: str, reason: str = "", delivery_key: str | None = None,
        ballot_id: int | None = None,
    ) -> Receipt:
        return await self._h.ballots.vote(
            actor=actor, reference=reference, outcome=outcome, reason=reason, delivery_key=delivery_key,
            ballot_id=ballot_id,
        )

    async def recuse(self, *, actor: Actor, reference: str, reason: str = "", ballot_id: int | None = None) -> Receipt:
        return await self._h.ballots.recuse(actor=actor, reference=reference, reason=reason, ballot_id=ballot_id)

    async def close_ballot(self, *, actor: Actor, reference: str) -> str:
        return await self._h.ballots.close_ballot(actor=actor, reference=reference)

    async def escalate(self, *, actor: Actor, reference: str) -> str:
        return await self._h.ballots.escalate(actor=actor, reference=reference)

    async def chair_decide(self, *, actor: Actor, reference: str, outcome: str, reason: str) -> str:
        return await self._h.ballots.chair_decide(actor=actor, reference=reference, outcome=outcome, reason=reason)

    async def check_deadlines(self) -> list[str]:
        return await self._h.ballots.check_deadlines()

    # Clocks and events -----------------------------------------------------------------------------------
    async def happened(self, *, actor: Actor, reference: str, event: str, at: datetime | None = None) -> EventRecord:
        return await self._h.clocks.happened(actor=actor, reference=reference, event=event, at=at)

    async def schedule_event(self, *, actor: Actor, reference: str, event: str, on: date) -> list[str]:
        return await self._h.clocks.schedule_event(actor=actor, reference=reference, event=event, on=on)

    # Meetings --------------------------------------------------------------------------------------------
    async def schedule_meeting(
        self, *, actor: Actor, reference: str, at: datetime, place: str = "", override: str | None = None
    ) -> list[str]:
        return await self._h.meetings.schedule_meeting(
            actor=actor, reference=reference, at=at, place=place, override=override
        )

    async def move_meeting(
        self, *, actor: Actor, reference: str, at: datetime, override: str | None = None
    ) -> list[str]:
        return await self._h.meetings.move_meeting(actor=actor, reference=reference, at=at, override=override)

    async def cancel_meeting(self, *, actor: Actor, reference: str, reason: str) -> str:
        return await self._h.meetings.cancel_meeting(actor=actor, reference=reference, reason=reason)

    async def meeting_to_change(self, *, actor: Actor, reference: str, doing: str) -> MeetingNow:
        return await self._h.meetings.meeting_to_change(actor=actor, reference=reference, doing=doing)

    async def meeting_held(
        self,
        *,
        actor: Actor,
        reference: str,
        roles: list[str],
        override: str | None = None,
        outcome: str | None = None,
        reason: str = "",
        in_form: bool = False,
    ) -> list[str]:
        return await self._h.meetings.meeting_held(
            actor=actor, reference=reference, roles=roles, override=override, outcome=outcome, reason=reason,
            in_form=in_form,
        )

    async def meeting_to_record(self, *, actor: Actor, reference: str) -> MeetingNow:
        return await self._h.meetings.meeting_to_record(actor=actor, reference=reference)

    async def meeting_decide(self, *, actor: Actor, reference: str, outcome: str, reason: str = "") -> list[str]:
        return await self._h.stages.meeting_decide(actor=actor, reference=reference, outcome=outcome, reason=reason)

    async def decide_after_views(self, *, actor: Actor, reference: str, outcome: str, reason: str) -> str:
        return await self._h.stages.decide_after_views(actor=actor, reference=reference, outcome=outcome, reason=reason)

    async def list_meetings(self) -> list[MeetingLine]:
        return await self._h.panel_meetings.list_meetings()  # the referrals' meetings and the monthly panels

    async def attend_meeting(self, *, actor: Actor, reference: str, roles: list[str]) -> list[str]:
        return await self._h.attendance.attend_meeting(actor=actor, reference=reference, roles=roles)

    async def withdraw_attendance(self, *, actor: Actor, reference: str, roles: list[str]) -> list[str]:
        return await self._h.attendance.withdraw_attendance(actor=actor, reference=reference, roles=roles)

    async def remind_meetings(self) -> int:
        return await self._h.attendance.remind_meetings()

    async def meeting_invitation(self, *, actor: Actor, reference: str) -> tuple[str, bytes]:
        return await self._h.meetings.meeting_invitation(actor=actor, reference=reference)

    async def calendar_meetings(self) -> list[MeetingInvite]:
        return await self._h.panel_meetings.calendar_meetings()

    # The partnership's own meetings (the monthly panel) ------------------------------------------------------
    async def plan_panels(self) -> list[str]:
        return await self._h.panel_meetings.plan_panels()

    async def move_panel_meeting(self, *, actor: Actor, reference: str, at: datetime) -> list[str]:
        return await self._h.panel_meetings.move_panel_meeting(actor=actor, reference=reference, at=at)

    async def cancel_panel_meeting(self, *, actor: Actor, reference: str, reason: str) -> list[str]:
        return await self._h.panel_meetings.cancel_panel_meeting(actor=actor, reference=reference, reason=reason)

    async def attend_panel_meeting(self, *, actor: Actor, reference: str, roles: list[str]) -> list[str]:
        return await self._h.panel_meetings.attend_panel_meeting(actor=actor, reference=reference, roles=roles)

    async def withdraw_panel_attendance(self, *, actor: Actor, reference: str, roles: list[str]) -> list[str]:
        return await self._h.panel_meetings.withdraw_panel_attendance(actor=actor, reference=reference, roles=roles)

    async def panel_meeting_held(
        self, *, actor: Actor, reference: str, roles: list[str], override: str | None = None
    ) -> list[str]:
        return await self._h.panel_meetings.panel_meeting_held(
            actor=actor, reference=reference, roles=roles, override=override
        )

    async def panels_ahead(self, today: date) -> list[ScheduledEvent]:
        return await self._h.panel_meetings.panels_ahead(today)

    # Information requests to agencies --------------------------------------------------------------------
    def agency(self, text: str) -> Choice:
        return self._h.requests.agency(text)

    async def send_requests(
        self, *, actor: Actor, reference: str, agencies: list[str], due: date | None = None
    ) -> list[str]:
        return await self._h.requests.send_requests(actor=actor, reference=reference, agencies=agencies, due=due)

    async def mark_returned(self, *, actor: Actor, reference: str, agency: str, origin: Origin | None = None) -> str:
        return await self._h.requests.mark_returned(actor=actor, reference=reference, agency=agency, origin=origin)

    async def add_contact(self, *, actor: Actor, agency: str, platform_id: str) -> tuple[Choice, str]:
        return await self._h.requests.add_contact(actor=actor, agency=agency, platform_id=platform_id)

    async def remove_contact(self, *, actor: Actor, agency: str, platform_id: str) -> tuple[Choice, str]:
        return await self._h.requests.remove_contact(actor=actor, agency=agency, platform_id=platform_id)

    async def list_contacts(self, *, actor: Actor) -> list[ContactLine]:
        return await self._h.requests.list_contacts(actor=actor)

    async def extend_request(self, *, actor: Actor, reference: str, agency: str, until: date, reason: str) -> str:
        return await self._h.requests.extend_request(
            actor=actor, reference=reference, agency=agency, until=until, reason=reason
        )

    async def list_requests(self, reference: str) -> list[RequestLine]:
        return await self._h.requests.list_requests(reference)

    # Reads: the card, status, overdue --------------------------------------------------------------------
    # The pages of signed email links (bot/email/pages.py) --------------------------------------------------
    async def return_link(self, *, request_id: int, sent_to: Callable[[str], bool]) -> ReturnLinkView:
        return await self._h.links.return_link(request_id=request_id, sent_to=sent_to)

    async def ballot_link(self, *, ballot_id: int, sent_to: Callable[[str], bool]) -> BallotLinkView:
        return await self._h.links.ballot_link(ballot_id=ballot_id, sent_to=sent_to)

    async def card(self, reference: str) -> CardView:
        return await self._h.views.card(reference)

    async def card_by_id(self, referral_id: int) -> CardView:
        return await self._h.views.card_by_id(referral_id)

    async def status(self, reference: str | None = None) -> list[StatusLine]:
        return await self._h.views.status(reference)

    async def overdue(self) -> list[OverdueLine]:
        return await self._h.views.overdue()

    async def still_to_do(self) -> list[str]:
        return await self._h.views.still_to_do()

    # The monthly panel's agenda --------------------------------------------------------------------------
    async def next_panel(self, today: date | None = None) -> date | None:
        return await self._h.agenda.next_panel(today)

    async def agenda(self) -> Agenda:
        return await self._h.agenda.agenda()

    # Reports, disagreements, the calendar feed and the export --------------------------------------------
    async def report(self, period: Period) -> Report:
        return await self._h.meetings.report(period)  # the reports' figures, with the meetings' timeliness

    async def record_disagreement(self, *, actor: Actor, reference: str, party: str, reason: str) -> str:
        return await self._h.reports.record_disagreement(actor=actor, reference=reference, party=party, reason=reason)

    async def list_disagreements(self, reference: str | None = None) -> list[DisagreementRow]:
        return await self._h.reports.list_disagreements(reference)

    async def calendar_entries(self) -> list[CalendarEntry]:
        return await self._h.reports.calendar_entries()

    async def export_record(self) -> dict[str, Any]:
        return await self._h.reports.export_record()

    # Reminders -------------------------------------------------------------------------------------------
    async def run_reminders(self, *, dry_run: bool = False) -> int:
        return await self._h.reminders.run_reminders(dry_run=dry_run)

    async def upcoming_reminders(self, before: datetime | None = None) -> list[Upcoming]:
        return await self._h.reminders.upcoming_reminders(before)

    async def next_reminder_time(self) -> datetime | None:
        return await self._h.reminders.next_reminder_time()

    async def still_wanted(self, body: dict[str, object]) -> bool:
        return await self._h.reminders.still_wanted(body)

    # Messages that cannot be delivered -------------------------------------------------------------------
    async def tell_stuck(self, stuck_after: timedelta | None = None) -> int:
        return await self._h.stuck.tell_stuck(stuck_after)
