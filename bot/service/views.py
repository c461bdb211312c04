"""Reads: the referral card, the status list and the overdue list, built from the record and worded by
`flows.views`. Reads never change anything and never write to the audit log."""

from __future__ import annotations

from bot.service import milestones
from bot.service.base import Core, Handler
from bot.service.casefile import card_facts, outstanding_lines
from bot.service.clockwork import ClockCommands
from bot.service.decisions import DecisionRules
from bot.service.stages import StageCommands
from flows.anonymity import CATEGORY_LABELS, SubjectCategory
from flows.ballots import ResultKind
from flows.errors import NotFound
from flows.meetings import labels, meeting_event
from flows.milestones import to_do_line
from flows.preset import EVENTS
from flows.referrals import STATUS_LABELS, Status, has_decision
from flows.stages import view_counts, views_awaited, views_text
from flows.views import CardView, OverdueLine, StatusLine, VoteLine, due_line, plural, result_text, tally_text
from storage.models import Deadline, Referral
from storage.uow import UnitOfWork


def subject_of(referral: Referral) -> str:
    return f"{CATEGORY_LABELS[SubjectCategory(referral.subject_category)]} {referral.subject_letter}"


class Views(Handler):
    def __init__(self, core: Core, clocks: ClockCommands, decisions: DecisionRules, stages: StageCommands) -> None:
        super().__init__(core)
        self.clocks = clocks
        self.decisions = decisions
        self.stages = stages

    async def card(self, reference: str) -> CardView:
        async with self.uow() as uow:
            referral = await self.referral(uow, reference)
            return await self._card(uow, referral)

    async def card_by_id(self, referral_id: int) -> CardView:
        async with self.uow() as uow:
            referral = await uow.referrals.get(referral_id)
            if referral is None:
                # One database can serve several partnerships: a row id is never a way into another's.
                raise NotFound(f"There is no referral with id {referral_id} in this partnership.")
            return await self._card(uow, referral)

    async def _card(self, uow: UnitOfWork, referral: Referral) -> CardView:
        p = self.preset
        ballot = await uow.ballots.current(referral)
        status = Status(referral.status)
        members = {m.id: m for m in await uow.members.everyone()}
        votes: list[VoteLine] = []
        tally = ""
        if ballot is not None:
            current = {v.member_id: v for v in await uow.votes.current(ballot)}
            voters = [m for m in members.values() if m.removed_at is None and m.role in p.voting_roles]
            voters += [members[mid] for mid in current if members[mid] not in voters]
            order = {r: i for i, r in enumerate(p.voting_roles)}
            for m in sorted(voters, key=lambda m: (order.get(m.role, 99), m.id)):
                v = current.get(m.id)
                votes.append(
                    VoteLine(
                        member=m.name,
                        role=p.role_label(m.role),
                        outcome=p.outcome(v.outcome).label if v is not None and v.outcome else None,
                        recused=v is not None and v.kind == "recuse",
                        reason=v.reason if v is not None else None,
                    )
                )
            tally = tally_text(p, await self.decisions._tally(uow, ballot))
            stage = p.stage_for(referral.referral_type)
            if stage is not None and stage.advisory_ballot:  # the votes are views: nothing closes on them
                views = [v for v in current.values() if v.kind == "vote" and v.outcome]
                counts = view_counts(v.outcome for v in views)
                tally = views_text(p, referral.referral_type, stage, counts, {v.role for v in views})
        result = None
        decided_by = None
        if referral.outcome and has_decision(status, referral.outcome):  # a case the panel put on hold too
            result = result_text(p, ResultKind.DECIDED, referral.outcome)
            who = members.get(referral.decided_by_id) if referral.decided_by_id else None
            decided_by = {
                "panel": "the panel, by majority",
                "bm": f"the Business Manager ({who.name})" if who else "the Business Manager",
                "chair": f"the {p.role_label(p.tie_break_role)} ({who.name})" if who else "the chair",
                "bm_views": f"the Business Manager{f' ({who.name})' if who else ''}, after the partners' views",
            }.get(referral.decided_how or "", None)
            if referral.decided_how == "meeting":
                event = meeting_event(p, referral.referral_type)
                held = await uow.events.held(referral, event)
                present = labels(p, held.attended or []) if held is not None else "not recorded"
                decided_by = f"{EVENTS.get(event, event)} (attended by {present})"
        elif status == Status.ESCALATED and ballot is not None and ballot.result:
            missing = tuple(r for r in (ballot.missing or "").split(",") if r and not r.isdigit())
            count = int(ballot.missing) if ballot.missing and ballot.missing.isdigit() else 0
            result = result_text(p, ResultKind(ballot.result), None, missing, count)
        elif status == Status.WITHDRAWN:
            result = "Withdrawn"
        open_ = status == Status.WITH_PANEL and ballot is not None and ballot.closed_at is None
        clock = p.clock(p.decision_clock)
        # A referral past the cut-off goes to the panel after the next: "its" panel, whose date is beside it.
        rule = "its monthly panel" if clock.unit == "panel_meeting" else clock.describe()
        return CardView(
            reference=referral.reference,
            subject=subject_of(referral),
            type_label=p.referral_type(referral.referral_type).label,
            referrer=referral.referrer,
            received_at=referral.received_at,
            status=status.value,
            status_label=STATUS_LABELS[status],
            deadline=ballot.deadline_at if ballot is not None else None,
            deadline_rule=rule,
            outcomes=tuple((o.id, o.label) for o in p.outcomes_for(referral.referral_type)),
            votes=tuple(votes),
            tally_text=tally,
            open=open_,
            result_text=result,
            decided_at=referral.decided_at,
            decided_by=decided_by,
            decision_reason=referral.decision_reason if status != Status.WITHDRAWN else None,
            next_steps=tuple(await self._next_steps(uow, referral) + await milestones.open_lines(uow, referral)),
            hold_until=referral.hold_until,
            missing_info=referral.missing_info if status == Status.RETURNED else None,
            reason_required=tuple(o.id for o in p.outcomes_for(referral.referral_type) if o.reason_required),
            practice=self.practice,
            facts=tuple(await card_facts(self, uow, referral)),
        )

    async def _next_steps(self, uow: UnitOfWork, referral: Referral) -> list[str]:
        """After a decision (one that put the case on hold too: its review at the next panel): the decided
        outcome's own follow-up first, then the nearest other deadlines."""
        planned = await self.clocks.planned_lines(uow, referral)  # a meeting or publication, whatever the stage
        if referral.status not in (Status.DECIDED, Status.RETURNED) and not has_decision(referral.status,
                                                                                       referral.outcome):
            return planned
        planned = await self.stages._card_lines(uow, referral) + planned  # a later stage: decided, or still to come
        follow_up = self.preset.outcome(referral.outcome).follow_up if referral.outcome else None
        open_ = [d for d in await uow.deadlines.open([referral.id]) if d.clock_id != self.preset.decision_clock]
        open_.sort(key=lambda d: (d.clock_id != follow_up, d.due_at))
        now = self.now()
        lines = [due_line(self.clocks.deadline_label(d), d.due_at, now, self.cal) for d in open_[:3]]
        if Status(referral.status) == Status.RETURNED:
            lines += await self.clocks.stopped_lines(uow, referral)
        return lines + planned

    async def status(self, reference: str | None = None) -> list[StatusLine]:
        """Every open referral (or one), what it waits for and its next deadline."""
        async with self.uow() as uow:
            one = None if reference is None else (await self.referral(uow, reference)).id
            referrals = await uow.referrals.waiting(one)
            to_do = await uow.milestones.open(None if one is None else [one])
            known = {r.id for r in referrals}  # a decided referral with only a milestone left is still listed
            referrals += await uow.referrals.by_ids(sorted({m.referral_id for m in to_do} - known))
            deadlines = await uow.deadlines.open([r.id for r in referrals])
            lines = []
            for r in referrals:
                mine = [d for d in deadlines if d.referral_id == r.id]
                left = tuple((m.milestone, m.label) for m in to_do if m.referral_id == r.id)
                nxt = mine[0] if mine else None
                lines.append(
                    StatusLine(
                        reference=r.reference,
                        subject=subject_of(r),
                        type_label=self.preset.referral_type(r.referral_type).label,
                        status_label=STATUS_LABELS[Status(r.status)],
                        waiting_for=(
                            self._waiting_on(mine)
                            if r.status == Status.DECIDED and mine
                            else "the business manager" if r.status == Status.DECIDED and left
                            else await self._waiting_for(uow, r)
                        ),
                        next_due=nxt.due_at if nxt else None,
                        next_due_label=self.clocks.deadline_label(nxt) if nxt else None,
                        outstanding=tuple(outstanding_lines(self, r)),
                        to_do=left,
                    )
                )
            return lines

    def _waiting_on(self, deadlines: list[Deadline]) -> str:
        """Who a decided referral's running clocks wait on, soonest due first: "Greater Manchester Police, the
        business manager and the local authority" (what each owes is in the card and `overdue`; the status
        line stays one line)."""
        from flows.reports import waits_on

        seen: list[str] = []
        for d in deadlines:
            who = waits_on(self.preset, d.owner, d.agency)
            if who not in seen:
                seen.append(who)
        return seen[0] if len(seen) == 1 else ", ".join(seen[:-1]) + " and " + seen[-1]

    async def _waiting_for(self, uow: UnitOfWork, r: Referral) -> str:
        status = Status(r.status)
        if status == Status.WITH_PANEL:
            ballot = await uow.ballots.current(r)
            if ballot is None:
                return "the panel"
            stage = self.preset.stage_for(r.referral_type)
            if stage is not None and stage.advisory_ballot:  # the votes are advice: who decides is what it waits for
                if stage.by == "meeting":
                    return EVENTS.get(meeting_event(self.preset, r.referral_type), "the meeting")
                given = {v.role for v in await uow.votes.current(ballot) if v.kind == "vote" and v.outcome}
                awaited = views_awaited(self.preset, given)
                if awaited:
                    return "views from " + ", ".join(self.preset.role_label(x) for x in awaited)
                return "the Business Manager's decision"
            t = await self.decisions._tally(uow, ballot)
            if t.missing_roles:
                return "votes from " + ", ".join(self.preset.role_label(x) for x in t.missing_roles)
            if not t.quorum_met:
                return f"{plural(t.missing_votes, 'more vote')} for quorum"
            return f"{plural(len(t.remaining), 'more vote')}, or the deadline"
        if status == Status.ESCALATED:
            return f"the {self.preset.role_label(self.preset.tie_break_role)}'s decision"
        if status == Status.RETURNED:
            return f"resubmission by {r.referrer}"
        if status == Status.ON_HOLD:
            if r.outcome:  # the panel's decision: Suffolk 3, reviewed at each panel meeting
                return "its review at each panel, until the business manager resumes it"
            return "the end of the hold" if r.hold_until else "the business manager to resume it"
        if status == Status.DECIDED:
            return "nothing: decided"
        return "nothing"

    async def overdue(self) -> list[OverdueLine]:
        """Every open deadline that has passed, the one overdue longest first."""
        now = self.now()
        async with self.uow() as uow:
            deadlines = [d for d in await uow.deadlines.open() if d.due_at < now]
            refs = {r.id: r for r in await uow.referrals.by_ids([d.referral_id for d in deadlines])}
        owners = {
            "bm": "business manager",
            "panel": "the panel",
            "agency": "agencies",
            "chair": "the chair",
            "la": "local authority",
        }
        owners.update({a.id: a.label for a in self.preset.agencies})  # an information return: name the agency
        lines = [
            OverdueLine(
                reference=refs[d.referral_id].reference,
                subject=subject_of(refs[d.referral_id]),
                label=d.label,
                owner=owners.get(d.agency or d.owner, d.agency or d.owner),
                due=d.due_at,
                working_days_late=self.cal.working_days_late(d.due_at, now),
                hours_late=(now - d.due_at).total_seconds() / 3600,
            )
            for d in deadlines
        ]
        return sorted(lines, key=lambda x: x.due)

    async def still_to_do(self) -> list[str]:
        """Every milestone without a clock still to do, oldest first: never overdue, so listed after `overdue`."""
        async with self.uow() as uow:
            rows = await uow.milestones.open()
            refs = {r.id: r for r in await uow.referrals.by_ids(sorted({m.referral_id for m in rows}))}
        return [f"{refs[m.referral_id].reference} · {subject_of(refs[m.referral_id])}: "
                + to_do_line(refs[m.referral_id].reference, m.milestone, m.label) for m in rows]
