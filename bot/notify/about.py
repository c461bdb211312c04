"""What a message is about (`About`), looked up once per outbox row for the adapters that ask for it (email:
the reference for its subject line, the information request or ballot its signed link is bound to)."""

from __future__ import annotations

from bot.notify.kinds import About
from bot.service import Panel
from storage.models import OutboxMessage

# The kinds that may carry a vote link: a new referral and a reminder to vote.
VOTE_KINDS = ("referral_card", "reminder")


async def about_row(panel: Panel, row: OutboxMessage) -> About:
    """The reference and anonymised subject of the row's referral; for a message to an agency about its
    information request, that request and when it is due; for the panel or a member about a referral whose
    ballot is open, that ballot and when it closes."""
    if row.referral_id is None:
        return About()
    async with panel.uow() as uow:
        referral = await uow.referrals.get(row.referral_id)
        if referral is None:
            return About()
        found: dict[str, object] = {"reference": referral.reference, "subject": referral.subject}
        deadline_id = row.body.get("deadline_id")
        deadline = await uow.deadlines.get(int(deadline_id)) if deadline_id is not None else None
        if deadline is not None:
            found.update(due_at=deadline.due_at, label=deadline.label)
        if row.purpose.startswith("agency:"):
            agency = row.purpose.split(":")[1]
            found["agency"] = agency
            request = await uow.requests.for_deadline(deadline) if deadline is not None else None
            if request is None:
                latest = await uow.requests.latest(referral, agency)
                request, deadline = latest if latest is not None else (None, None)
            if request is not None and deadline is not None:
                found.update(request_id=request.id, due_at=deadline.due_at)
        elif row.kind in VOTE_KINDS and (row.purpose == "panel" or row.purpose.startswith("member:")):
            ballot = await uow.ballots.current(referral)
            if ballot is not None and ballot.closed_at is None:
                found.update(ballot_id=ballot.id, closes_at=ballot.deadline_at)
    return About(**found)  # type: ignore[arg-type]
