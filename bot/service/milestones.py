"""Milestones without a clock (issue 20 section 2; `flows.milestones`): opened on a referral in the transaction
of what opens them (a decision, an event recorded, a clock marked done), shown as still to do, and marked done
with `done REF ID` (`ReferralCommands.mark_done` asks here first). Opening one tells the business manager once;
marking it done is audited; a second `done` is refused and changes nothing."""

from __future__ import annotations

from bot.service.base import Actor, Core
from flows import milestones as words
from flows.errors import WrongState
from storage.models import Milestone, Referral
from storage.uow import UnitOfWork


async def open_one(
    core: Core, uow: UnitOfWork, referral: Referral, milestone_id: str, label: str, opened_by: str
) -> Milestone | None:
    """Open the milestone on the referral, once: None when it was opened before (open or done)."""
    if await uow.milestones.one(referral, milestone_id) is not None:
        return None
    row = await uow.milestones.add(Milestone(
        partnership_id=core.partnership_id, referral_id=referral.id, milestone=milestone_id, label=label,
        opened_by=opened_by, opened_at=core.now(),
    ))
    await core.audit(uow, Actor.system(), "milestone_opened", referral.reference, milestone=milestone_id,
                     opened_by=opened_by)
    return row


async def after(core: Core, uow: UnitOfWork, referral: Referral, trigger: str) -> None:
    """Open the preset's milestones that `trigger` ("outcome:ID", "event:EVENT", "done:CLOCK") opens, and tell
    the business manager of each."""
    for m in core.preset.milestones_after(trigger, referral.referral_type):
        if await open_one(core, uow, referral, m.id, m.label, trigger) is not None:
            core.notice(uow, "bm", words.opened_notice(referral.reference, referral.subject, m.id, m.label,
                                                       m.source), referral)


async def mark_done(core: Core, uow: UnitOfWork, referral: Referral, milestone_id: str, actor: Actor) -> str | None:
    """Mark the referral's milestone done (audited); None when it has no milestone of that id (then `done` looks
    for a clock). Refused, changing nothing, when it was marked done before."""
    row = await uow.milestones.one(referral, milestone_id, lock=True)
    if row is None:
        return None
    if row.done_at is not None:
        raise WrongState(words.already_done(referral.reference, row.label, core.fmt(row.done_at),
                                            row.done_by or "someone"))
    row.done_at, row.done_by_id = core.now(), actor.member_id
    row.done_by = actor.name if actor.member_id is not None else actor.audit_name
    await core.audit(uow, actor, "milestone_done", referral.reference, milestone=milestone_id)
    return words.done_reply(referral.reference, row.label)


async def open_lines(uow: UnitOfWork, referral: Referral) -> list[str]:
    """For the card: the referral's milestones still to do."""
    return [words.to_do_line(referral.reference, m.milestone, m.label) for m in await uow.milestones.open(
        [referral.id])]


async def open_ids(uow: UnitOfWork, referral: Referral) -> list[str]:
    return [m.milestone for m in await uow.milestones.open([referral.id])]
