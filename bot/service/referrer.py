"""Telling the referring agency the panel's decision and what happens next (Salford 7.13; Suffolk section 3,
"feed back to the referrer the decision and next steps"; Dudley; Stockport 5), on its own channel, chat or
email, with the reason where the outcome requires one. Where the referrer has no channel (or is not one of the
partnership's agencies), the business manager is asked to tell them instead, and that is a milestone without a
clock on the referral (`tell_referrer`, `bot.service.milestones`) until they mark it done. Called as a decision
is queued (`DecisionRules._decision_notice`), in the same transaction."""

from __future__ import annotations

from bot.service import milestones
from bot.service.base import Core
from flows.milestones import TELL_REFERRER, tell_referrer_label
from flows.preset import Choice
from storage.models import Referral
from storage.uow import UnitOfWork


def referring_agency(core: Core, referrer: str) -> Choice | None:
    """The preset's agency the referral's referrer names (its id or label), or None ("other", words)."""
    key = " ".join(referrer.split()).lower()
    for agency in core.preset.agencies:
        if key in (agency.id, agency.id.replace("_", " "), agency.label.lower()):
            return agency
    return None


async def tell_referrer(core: Core, uow: UnitOfWork, referral: Referral) -> None:
    if not referral.outcome:
        return
    outcome = core.preset.outcome(referral.outcome)
    words = [f"The panel's decision on {referral.reference} · {referral.subject}: **{outcome.label}**."]
    if outcome.reason_required and referral.decision_reason:
        words.append(f"The reason: {referral.decision_reason}")
    steps = [d for d in await uow.deadlines.running(referral) if d.agency is None][:3]
    if steps:
        words.append("What happens next: " + "; ".join(f"{d.label}, by {core.fmt(d.due_at)}" for d in steps) + ".")
    words.append("The business manager will be in touch about anything needed from you.")
    agency = referring_agency(core, referral.referrer or "")
    if agency is not None and f"agency:{agency.id}" in await uow.channels.purposes():
        core.notice(uow, f"agency:{agency.id}", " ".join(words), referral)
        return
    why = (f"{agency.label} has no channel set" if agency is not None
           else f'"{referral.referrer}" is not one of the partnership\'s agencies')
    label = tell_referrer_label(referral.referrer or "not named")
    if await milestones.open_one(core, uow, referral, TELL_REFERRER, label, "no_channel") is None:
        return  # asked once already (a decision made again after a resubmission): still to do, or done
    core.notice(
        uow,
        "bm",
        f"Please tell the referrer ({referral.referrer}) the decision on {referral.reference} · {referral.subject} "
        f"and what happens next: Panelbot cannot, as {why}. What it would have said: " + " ".join(words[:-1])
        + f" This shows in `status` until you mark it done with `done {referral.reference} {TELL_REFERRER}`.",
        referral,
    )
