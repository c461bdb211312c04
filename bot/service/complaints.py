"""Complaints about a review (Stockport section 21): recorded by the business manager (`complaint REF about
decision|process|outcome TEXT`), answered in writing within the response clock, escalated to the Independent
Chair (`complaint escalate REF`), whose further response runs on its own clock, each response recorded as made
(`complaint responded REF by WHO`), and listed (`complaints`). Each complaint has its own deadline rows, so two
complaints about one review each keep their own due times and reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.service.base import Actor, Handler
from flows import reminders
from flows.anonymity import CATEGORY_LABELS, IdentifyingDetail, SubjectCategory, check_free_text
from flows.clocks import due
from flows.complaints import ComplaintRow, parse_about, pick, reply_template, rules_of, subject_label
from flows.errors import InvalidInput, WrongState
from flows.preset import Clock
from storage.models import Complaint, Deadline, Referral
from storage.uow import UnitOfWork

TEXT_MAX = 2000


@dataclass(frozen=True)
class ComplaintLine(ComplaintRow):
    """A complaint as `complaints` lists it."""


def _screen(text: str, what: str) -> None:
    try:
        check_free_text(what, text)
    except IdentifyingDetail as exc:
        raise InvalidInput(str(exc)) from None


async def read_complaints(uow: UnitOfWork, *, start: datetime | None = None, until: datetime | None = None,
                          referral_id: int | None = None) -> list[ComplaintRow]:
    """The complaints (received in [start, until), or about one referral) as `flows.complaints` reads them."""
    return [
        ComplaintRow(
            reference=r.reference,
            subject=f"{CATEGORY_LABELS[SubjectCategory(r.subject_category)]} {r.subject_letter}",
            number=r.number, about=r.about, text=r.text, received_at=r.received_at, response_due=r.response_due,
            responded_at=r.responded_at, responded_by=r.responded_by, escalated_at=r.escalated_at,
            escalation_due=r.escalation_due, chair_responded_at=r.chair_responded_at,
            chair_responded_by=r.chair_responded_by,
        )
        for r in await uow.complaints.rows(start=start, until=until, referral_id=referral_id)
    ]


class ComplaintCommands(Handler):
    async def complaint(self, *, actor: Actor, reference: str, about: str, text: str) -> str:
        """Record a complaint received now and start its response clock."""
        self.require_bm(actor, "record complaints")
        rules = rules_of(self.preset)
        subject = parse_about(rules, about)
        text = text.strip()
        if not text:
            raise InvalidInput("Please say what the complaint is about, in a sentence; it is recorded with it.")
        if len(text) > TEXT_MAX:
            raise InvalidInput(f"The complaint is longer than {TEXT_MAX:,} characters. Please shorten it.")
        _screen(text, "complaint")
        now = self.now()
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            row = Complaint(partnership_id=self.partnership_id, referral_id=referral.id,
                            number=await uow.complaints.next_number(referral), about=subject, text=text,
                            received_at=now, recorded_by=actor.audit_name)
            deadline = await self._start(uow, referral, self.preset.clock(rules.response_clock), now, actor)
            row.response_deadline_id = deadline.id
            await uow.complaints.add(row)
            await self.audit(uow, actor, "complaint_recorded", referral.reference, number=row.number, about=subject,
                             text=text, due=deadline.due_at.isoformat())
            await self.finish(uow)
        head = (f"Recorded complaint {row.number} about {referral.reference} ({subject_label(subject).lower()}). "
                f"A written response is due by {self.fmt(deadline.due_at)}.")
        template = reply_template(self.preset, referral.reference, subject, chair=False, due=self.fmt(deadline.due_at))
        return "\n".join([head, *template])

    async def complaint_escalated(self, *, actor: Actor, reference: str, number: int | None = None) -> str:
        """The complainant is unsatisfied and has contacted the Board Business Manager: the Independent Chair's
        further written response is due within the escalation clock, counted from now."""
        self.require_bm(actor, "record complaints")
        rules = rules_of(self.preset)
        if rules.escalation_clock is None:
            raise WrongState(f"The {self.preset.name} procedure has no escalation of complaints.")
        now = self.now()
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            rows = await uow.complaints.of_referral(referral, lock=True)
            row = pick(rows, referral.reference, number)
            if row.escalated_at is not None:
                raise WrongState(f"Complaint {row.number} about {referral.reference} is already escalated.")
            if row.responded_at is None:
                raise WrongState(
                    f"Complaint {row.number} about {referral.reference} has no written response recorded yet, and it "
                    "is escalated only when the complainant is unhappy with it: record the response first with "
                    f"`complaint responded {referral.reference} {row.number} by WHO`."
                )
            deadline = await self._start(uow, referral, self.preset.clock(rules.escalation_clock), now, actor)
            row.escalated_at, row.escalation_deadline_id = now, deadline.id
            await self.audit(uow, actor, "complaint_escalated", referral.reference, number=row.number,
                             due=deadline.due_at.isoformat())
            chair = self.preset.role_label(self.preset.tie_break_role)
            for m in await uow.members.active():
                if m.role == self.preset.tie_break_role:
                    self.notice(uow, f"member:{m.id}", f"Complaint {row.number} about {referral.reference} "
                                f"({subject_label(row.about).lower()}) is escalated to you as {chair}: your written "
                                f"response is due by {self.fmt(deadline.due_at)}.", referral)
            await self.finish(uow)
        head = (f"Complaint {row.number} about {referral.reference} is escalated to the {chair}: their written "
                f"response is due by {self.fmt(deadline.due_at)}.")
        template = reply_template(self.preset, referral.reference, row.about, chair=True, due=self.fmt(deadline.due_at))
        return "\n".join([head, *template])

    async def complaint_responded(self, *, actor: Actor, reference: str, by: str, number: int | None = None,
                                  on: date | None = None) -> list[str]:
        """A written response was sent (today, or on the day given), by whom (a role): the first response, or,
        once escalated, the Independent Chair's. Its clock is met, on time or late."""
        self.require_bm(actor, "record complaints")
        rules_of(self.preset)
        by = by.strip()
        if not by:
            raise InvalidInput("Say who sent the response, as a role, e.g. `by business manager`.")
        _screen(by, "who responded")
        now = self.now()
        today = self.cal.local(now).date()
        if on is not None and on > today:
            raise InvalidInput("The day the response was sent cannot be in the future.")
        at = now if on is None or on == today else self.cal.end_of_day(on)
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            rows = await uow.complaints.of_referral(referral, lock=True)
            row = pick(rows, referral.reference, number)
            chair = row.escalated_at is not None
            if at < (row.escalated_at if chair else row.received_at):
                raise InvalidInput("The response cannot have been sent before the complaint was "
                                   + ("escalated." if chair else "received."))
            if (row.chair_responded_at if chair else row.responded_at) is not None:
                stage = "The Chair's response" if chair else "The response"
                raise WrongState(f"{stage} to complaint {row.number} about {referral.reference} is already recorded.")
            if chair:
                row.chair_responded_at, row.chair_responded_by = at, by
            else:
                row.responded_at, row.responded_by = at, by
            deadline = await uow.deadlines.get(row.escalation_deadline_id if chair else row.response_deadline_id)
            late = 0
            if deadline is not None and deadline.done_at is None and deadline.cancelled_at is None:
                deadline.done_at, deadline.done_by_id, deadline.next_reminder_at = at, actor.member_id, None
                late = self.cal.working_days_late(deadline.due_at, at) if at > deadline.due_at else 0
            await self.audit(uow, actor, "complaint_responded", referral.reference, number=row.number,
                             stage="chair" if chair else "first", by=by, at=at.isoformat())
            await self.finish(uow)
        timing = f"{late} working day{'s' if late != 1 else ''} late" if late else "in time"
        whose = "the Chair's further response" if chair else "the written response"
        return [f"Recorded {whose} to complaint {row.number} about {referral.reference}, sent "
                f"{self.fmt(at)} by {by}: {timing}."]

    async def list_complaints(self, reference: str | None = None) -> list[ComplaintLine]:
        async with self.uow() as uow:
            referral_id = None if reference is None else (await self.referral(uow, reference)).id
            return [ComplaintLine(**vars(r)) for r in await read_complaints(uow, referral_id=referral_id)]

    async def _start(
        self, uow: UnitOfWork, referral: Referral, clock: Clock, start: datetime, actor: Actor
    ) -> Deadline:
        """This complaint's own deadline row for `clock` (not shared with another complaint on the referral)."""
        row = Deadline(partnership_id=self.partnership_id, referral_id=referral.id, clock_id=clock.id,
                       label=clock.label, owner=clock.owner, started_at=start,
                       due_at=due(self.preset, self.cal, clock, start), last_reminder_at=start)
        row.next_reminder_at = reminders.next_after(self.preset.reminder_plan(clock), self.cal, row.due_at, start)
        await uow.deadlines.add(row)
        await self.audit(uow, actor, "clock_started", referral.reference, clock=clock.id, due=row.due_at.isoformat())
        return row
