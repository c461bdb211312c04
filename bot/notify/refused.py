"""A target refused for good (`Refused`: an SMTP 5xx for one address): the business manager is told, in their
channel, which address failed and for what kind of message, never the message's text, so a refused address is
never silent. The notice is queued in the same transaction that records the refusal."""

from __future__ import annotations

from bot.service import Panel
from storage.models import OutboxMessage
from storage.uow import UnitOfWork

FLAG = "refused_notice"  # on the notice itself: a refused notice about a refusal is not reported again


def what_it_was(panel: Panel, row: OutboxMessage, reference: str | None) -> str:
    """The kind of message, in words, with the referral's reference: never its text."""
    about = f" for {reference}" if reference else ""
    on = f" on {reference}" if reference else ""
    if row.purpose.startswith("agency:"):
        if row.kind == "request":
            return f"the information request{about}"
        if row.kind == "escalation":
            return f"the escalation of the overdue information{about}"
        if row.kind == "reminder":
            return f"a reminder of the information request{about}"
    if row.kind == "referral_card":
        return f"the new referral {reference}" if reference else "a new referral"
    if row.kind == "reminder":
        return f"a reminder to vote{on}" if row.body.get("member_id") else f"a reminder{about}"
    if row.kind == "decision":
        return f"the decision{on}"
    if row.kind == "escalation":
        return f"the escalation{on}"
    return f"a message about {reference}" if reference else "a message"


def whose(panel: Panel, row: OutboxMessage, names: dict[int, str]) -> str:
    parts = row.purpose.split(":")
    if parts[0] == "agency" and len(parts) > 1:
        label = next((a.label for a in panel.preset.agencies if a.id == parts[1]), parts[1])
        return f"{label}'s safeguarding lead" if parts[-1] == "lead" else label
    if parts[0] == "member" and len(parts) > 1 and parts[1].isdigit():
        return names.get(int(parts[1]), "a panel member")
    return {"bm": "the business manager", "panel": "a panel member"}.get(parts[0], row.purpose)


async def tell_bm(uow: UnitOfWork, panel: Panel, row: OutboxMessage, refused: list[tuple[str, str]]) -> None:
    """Queue one notice to the business manager for the targets just refused: [(PLATFORM:ID, why)]."""
    if not refused or row.body.get(FLAG):
        return
    referral = await uow.referrals.get(row.referral_id) if row.referral_id is not None else None
    reference = referral.reference if referral is not None else None
    names = {m.id: m.name for m in await uow.members.everyone()}
    what, who = what_it_was(panel, row, reference), whose(panel, row, names)
    for target, why in refused:
        platform, _, address = target.partition(":")
        text = (
            f"{what[0].upper()}{what[1:]} did not reach {who}: {address} was refused for good ({platform}, {why}), "
            "so it is not tried again. Please check the address with `panelbot channel list` or `panelbot member "
            f"list` and reach them another way; `panelbot outbox list` shows the failed message (number {row.id})."
        )
        uow.outbox(
            partnership_id=panel.partnership_id,
            now=panel.now(),
            purpose="bm",
            kind="notice",
            referral_id=row.referral_id,
            body={"headline": f"Not delivered: {address} was refused", "text": text, FLAG: True},
        )
