"""Who attends a meeting (issue 21, section 1): a member of a role the meeting's quorum needs (by default a
statutory partner, confirming for their agency; Stockport's review panel also needs its chair, and its screening
meeting the chair and the Business Manager) confirms they attend, or withdraws that confirmation (the business
manager records either for someone who said so elsewhere, by naming the role); the card says who is attending and
who is still needed; and the sweep before each meeting, a referral's or the partnership's monthly panel, reminds
those still missing (one that withdraws is reminded again) and tells the business manager once if the meeting
would not be quorate by the preset's time. Each meeting is checked against its own quorum (`rules.quorum_of`).

`confirm` and `withdraw` are what a confirmation and its withdrawal change on a meeting's row, whichever meeting
it is (`PanelMeetingCommands` uses them for the monthly panel)."""

from __future__ import annotations

from bot.service.base import Actor, Core, Handler
from bot.service.decisions import DecisionRules
from bot.service.meetings import MeetingCommands
from flows import meetings as rules
from flows import monthly_meetings as monthly_rules
from flows.errors import WrongState
from flows.preset import Preset
from storage.models import Member, Referral, ScheduledEvent
from storage.uow import UnitOfWork


def confirm(row: ScheduledEvent, roles: tuple[str, ...]) -> None:
    """The partners `roles` confirmed to attend the meeting `row`."""
    row.attending = [*(row.attending or []), *(r for r in roles if r not in (row.attending or []))]


def withdraw(row: ScheduledEvent, roles: tuple[str, ...]) -> None:
    """The roles `roles` (each confirmed) no longer attend: each is needed again, reminded again at the next
    sweep, and the business manager is told again if the meeting would not be quorate."""
    row.attending = [r for r in (row.attending or []) if r not in roles]
    row.reminded_roles = [r for r in (row.reminded_roles or []) if r not in roles]
    row.quorum_warned_for = None


def needed_again(preset: Preset, roles: tuple[str, ...]) -> str:
    """What a withdrawal says of those withdrawn: needed again, and reminded."""
    if all(preset.role(r).statutory for r in roles):
        return "the partner is needed again and will be reminded."
    return f"{'they are' if len(roles) > 1 else 'the role is'} needed again and will be reminded."


class AttendanceCommands(Handler):
    def __init__(self, core: Core, meetings: MeetingCommands, decisions: DecisionRules) -> None:
        super().__init__(core)
        self.meetings = meetings
        self.decisions = decisions

    async def attend_meeting(self, *, actor: Actor, reference: str, roles: list[str]) -> list[str]:
        """A member of a role the meeting's quorum needs confirms they attend (`meeting attend REF`: a statutory
        partner's member, for their agency); the business manager records it for those who said so elsewhere
        (`meeting attend REF police health`)."""
        self.require_panel(actor, "confirm who attends a meeting")
        async with self.uow() as uow:
            referral = await self.meetings._meeting_referral(uow, reference)
            event, row = await self.meetings._the_meeting(uow, referral)
            quorum = self.meetings._quorum(referral, event)
            confirming = rules.who_attends(self.preset, actor.role, roles, quorum)
            confirm(row, confirming)
            await self.audit(uow, actor, "meeting_attending", referral.reference, event=event, roles=list(confirming))
            self.decisions._card_update(uow, referral)
            await self.finish(uow)
        who, verb = rules.labels(self.preset, confirming), "attends" if len(confirming) == 1 else "attend"
        return [f"Recorded: {who} {verb} {rules.meeting_name(event)} for {referral.reference} on {self.fmt(row.at)}.",
                rules.attendance_line(self.preset, row.attending, quorum)]

    async def withdraw_attendance(self, *, actor: Actor, reference: str, roles: list[str]) -> list[str]:
        """`meeting attend REF withdraw`: a member takes back their confirmation (a statutory partner's, their
        agency's; the business manager, for them: `meeting attend REF withdraw police`). The role is needed again:
        the card says so, its members are reminded again, and the business manager is told again if the meeting
        would not be quorate."""
        self.require_panel(actor, "withdraw a confirmation of attendance")
        async with self.uow() as uow:
            referral = await self.meetings._meeting_referral(uow, reference)
            event, row = await self.meetings._the_meeting(uow, referral)
            quorum = self.meetings._quorum(referral, event)
            withdrawing = rules.who_attends(self.preset, actor.role, roles, quorum)
            name = rules.meeting_name(event)
            attending = list(row.attending or [])
            if not_confirmed := [r for r in withdrawing if r not in attending]:
                raise WrongState(
                    f"{rules.labels(self.preset, not_confirmed)} had not confirmed attending {name} for "
                    f"{referral.reference}, so there is nothing to withdraw. Nothing was changed."
                )
            withdraw(row, withdrawing)
            await self.audit(uow, actor, "meeting_attendance_withdrawn", referral.reference, event=event,
                             roles=list(withdrawing))
            self.decisions._card_update(uow, referral)
            await self.finish(uow)
        who = rules.labels(self.preset, withdrawing)
        return [f"Withdrawn: {who} no longer {'attends' if len(withdrawing) == 1 else 'attend'} {name} for "
                f"{referral.reference} on {self.fmt(row.at)}; {needed_again(self.preset, withdrawing)}",
                rules.attendance_line(self.preset, row.attending, quorum)]

    async def remind_meetings(self) -> int:
        """The sweep before each planned meeting, a referral's or the partnership's monthly panel: the members of
        the roles its quorum needs (by default the statutory partners) not yet confirmed are reminded (the working
        day before attendance must be known), and, if the meeting would still not be quorate when it must be known
        (the preset's time, default the working day before, 17:00), the business manager is told. Each once for
        the meeting's planned time, a role again after it withdraws. Returns how many messages were queued."""
        queued = 0
        async with self.uow() as uow:
            members: list[Member] | None = None
            for row, referral in await uow.events.planned_of(rules.MEETING_EVENTS, lock=True):
                name = f"{rules.meeting_name(row.event)} for **{referral.reference} · {referral.subject}**"
                sent, members = await self._remind(uow, row, name, referral.reference, referral, members)
                queued += sent
            if self.preset.monthly_panel is not None:
                for row in await uow.events.planned_own(monthly_rules.PANEL_EVENT, lock=True):
                    ref = monthly_rules.panel_reference(row.slot)  # type: ignore[arg-type]
                    name = f"{monthly_rules.panel_name(row.slot)} (**{ref}**)"  # type: ignore[arg-type]
                    sent, members = await self._remind(uow, row, name, ref, None, members)
                    queued += sent
            await self.finish(uow)
        return queued

    async def _remind(
        self, uow: UnitOfWork, row: ScheduledEvent, what: str, reference: str, referral: Referral | None,
        members: list[Member] | None,
    ) -> tuple[int, list[Member] | None]:
        """One meeting's reminders and quorum warning, as they fall due now. `what` names the meeting ("the rapid
        review meeting for **REF · subject**"), `reference` is what `meeting attend` takes; the current members
        are read once per sweep, when first needed. Returns how many messages were queued, and the members."""
        now, queued = self.now(), 0
        quorum = rules.quorum_of(self.preset, row.event, referral.referral_type if referral is not None else None)
        missing = rules.still_needed(self.preset, row.attending or [], quorum)
        # Past, everyone confirmed, or already recorded as held at this time: nothing to ask for.
        if row.at <= now or not missing or row.held_at == row.at:
            return 0, members
        name = f"{what} on {self.fmt(row.at)}"
        if now >= rules.attendance_reminder_at(self.preset, self.cal, row.at):
            # A new planned time: everyone missing is reminded. A partner reminded later in the same time's round
            # was attending at its start, so it has withdrawn.
            again = row.attendance_reminded_for == row.at
            if not again:
                row.attendance_reminded_for, row.reminded_roles = row.at, []
            due = [r for r in missing if r not in (row.reminded_roles or [])]
            if due:
                row.reminded_roles = [*(row.reminded_roles or []), *due]
                members = members if members is not None else await uow.members.active()
            for m in (m for m in members or () if m.role in due):
                uow.outbox(partnership_id=self.partnership_id, now=now, purpose=f"member:{m.id}", kind="notice",
                           referral_id=referral.id if referral is not None else None,
                           body={"text": self._ask(name, m.role, again),
                                 "actions": [self.meetings._attend_button(reference, self._button(quorum))]})
                queued += 1
        by = rules.quorate_by(self.preset, self.cal, row.at)
        if row.quorum_warned_for != row.at and now >= by:
            row.quorum_warned_for = row.at
            asked = "The statutory partners were" if rules.of_partners(self.preset, quorum) else "Those it needs were"
            self.notice(uow, "bm", f"{name[0].upper()}{name[1:]} would not be quorate: "
                        f"{rules.attendance_line(self.preset, row.attending or [], quorum)} {asked} "
                        f"asked to confirm by {self.fmt(by)}.", referral)
            queued += 1
        return queued, members

    def _ask(self, name: str, role: str, again: bool) -> str:
        """The reminder to a member of a role still missing: a statutory partner's, to confirm who attends for their
        agency; anyone else the quorum needs (a chair, the Business Manager), to confirm they attend."""
        label = self.preset.role_label(role)
        if self.preset.role(role).statutory:
            return (f"Please confirm who attends {name} for {label}: "
                    f"{'its confirmation was withdrawn' if again else 'nobody has yet'}.")
        return (f"Please confirm you attend {name} as {label}: "
                f"{'your confirmation was withdrawn' if again else 'it is not quorate without you'}.")

    def _button(self, quorum: tuple[str, ...]) -> str:
        return "I attend for my agency" if rules.of_partners(self.preset, quorum) else "I attend"
