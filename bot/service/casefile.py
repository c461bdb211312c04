"""What a referral carries beyond its basics (issue 23), after it is filed: a notification made later
(`notified REF KIND on DATE`), a parallel process starting or ending (`parallel REF add|remove KIND`), each
recorded in the audit trail; and the card's and `status`'s lines for them (`flows.casefile`)."""

from __future__ import annotations

from datetime import date, datetime

from bot.service.base import Actor, Handler
from flows.casefile import Facts, fact_lines, notification_kind, outstanding, outstanding_line, parallel_kind
from flows.errors import InvalidInput, WrongState
from flows.referrals import Status
from flows.views import plural
from storage.models import Referral
from storage.uow import UnitOfWork


def day_text(h: Handler, day: date) -> str:
    return h.cal.format(h.cal.end_of_day(day), with_time=False)


def facts_of(referral: Referral) -> Facts:
    return Facts(referral.referral_type, referral.authorised_by, tuple(referral.parallel or ()),
                 bool(referral.looked_after), dict(referral.notifications or {}))


async def meet_notifications(h: Handler, uow: UnitOfWork, referral: Referral, made: dict[str, date],
                             actor: Actor) -> list[str]:
    """A notification made that meets a clock (the local authority's to the National Panel) meets it, as of the
    start of the working day it was made (never later than now): "LABEL, on time" for each."""
    out = []
    for kind_id, day in made.items():
        kind = h.preset.intake.notification(kind_id)
        if kind is None or kind.meets is None:
            continue
        at = min(datetime.combine(day, h.cal.day_start, tzinfo=h.cal.tz), h.now())
        for row in await uow.deadlines.running(referral, [kind.meets]):
            row.done_at, row.done_by_id, row.next_reminder_at = at, actor.member_id, None
            late = h.cal.working_days_late(row.due_at, at) if at > row.due_at else 0
            out.append(f"{row.label}, " + (f"{plural(late, 'working day')} late" if late else "on time"))
    return out


async def card_facts(h: Handler, uow: UnitOfWork, referral: Referral) -> list[str]:
    """The card's lines for what the form recorded, with how each notification met its clock."""
    met: dict[str, str] = {}
    for kind in h.preset.intake.notifications:
        if kind.meets is None or kind.id not in (referral.notifications or {}):
            continue
        row = await uow.deadlines.latest(referral, kind.meets)
        if row is not None and row.done_at is not None:
            late = h.cal.working_days_late(row.due_at, row.done_at) if row.done_at > row.due_at else 0
            met[kind.id] = f"{row.label}: " + (f"{plural(late, 'working day')} late" if late else "met")
    return fact_lines(h.preset, referral.reference, facts_of(referral), lambda d: day_text(h, d), met)


def outstanding_lines(h: Handler, referral: Referral) -> list[str]:
    """For `status`: a line for each required notification not yet recorded as made."""
    return [outstanding_line(referral.reference, n) for n in outstanding(h.preset, facts_of(referral))]


class CaseFileCommands(Handler):
    async def record_notification(self, *, actor: Actor, reference: str, kind: str, on: date | None = None) -> str:
        """Salford 7.4 and 7.5: a notification made after the referral was filed (the National Panel, Ofsted, the
        Secretary of State), with the day it was made. One that meets a clock meets it."""
        self.require_bm(actor, "record notifications")
        found = notification_kind(self.preset, kind)
        today = self.cal.local(self.now()).date()
        day = on or today
        if day > today:
            raise InvalidInput("The day a notification was made cannot be in the future.")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            made = dict(referral.notifications or {})
            if found.id in made:
                raise WrongState(
                    f"{referral.reference}: {found.label} is already recorded as notified on "
                    f"{day_text(self, date.fromisoformat(made[found.id]))}."
                )
            made[found.id] = day.isoformat()
            referral.notifications = made
            met = await meet_notifications(self, uow, referral, {found.id: day}, actor)
            await self.audit(uow, actor, "notification_recorded", referral.reference, kind=found.id,
                             made_on=day.isoformat())
            self._card_update(uow, referral)
            await self.finish(uow)
        when = day_text(self, day)
        return f"{referral.reference}: {found.label} notified on {when}." + (f" Met: {'; '.join(met)}." if met else "")

    async def change_parallel(self, *, actor: Actor, reference: str, action: str, kind: str) -> str:
        """Suffolk 1 and 4: a process running alongside the review starts or ends. The change is audited; a
        criminal investigation adds its line to the publication milestones on the card."""
        self.require_bm(actor, "record parallel processes")
        what = action.strip().lower()
        if what not in ("add", "remove"):
            raise InvalidInput(f'Say add or remove, e.g. `parallel {reference.upper()} add criminal_investigation`.')
        found = parallel_kind(self.preset, kind)
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            if referral.status == Status.WITHDRAWN:
                raise WrongState(f"{referral.reference} is withdrawn.")
            current = list(referral.parallel or [])
            if (found.id in current) == (what == "add"):
                state = "already" if what == "add" else "not"
                raise WrongState(f"{found.label} is {state} recorded as running alongside {referral.reference}.")
            referral.parallel = [*current, found.id] if what == "add" else [k for k in current if k != found.id]
            await self.audit(uow, actor, "parallel_changed", referral.reference, kind=found.id, change=what,
                             now=list(referral.parallel))
            self._card_update(uow, referral)
            await self.finish(uow)
        if what == "remove":
            return f"{referral.reference}: {found.label} is no longer recorded as running alongside."
        note = f" Before publication: {found.before_publication}" if found.before_publication else ""
        return f"{referral.reference}: {found.label} is recorded as running alongside.{note}"

    def _card_update(self, uow: UnitOfWork, referral: Referral) -> None:
        uow.outbox(partnership_id=self.partnership_id, now=self.now(), purpose="panel", kind="card_update",
                   referral_id=referral.id)
