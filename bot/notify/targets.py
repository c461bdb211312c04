"""Where outbox messages go and where they went: the targets of each purpose on the running adapters, and
the records of delivered messages (a referral's card per channel, for its updates and thread replies; an
agency's Mark as returned message, the only place that button counts as the agency's)."""

from __future__ import annotations

from bot.notify.kinds import Adapter, agency_of
from bot.service import Panel
from storage.models import AgencyMessage, OutboxMessage, PostedMessage
from storage.uow import UnitOfWork


async def targets_of(
    uow: UnitOfWork, adapters: list[Adapter], purposes: set[str]
) -> dict[str, list[tuple[Adapter, str]]]:
    """Where each purpose's messages go, per running adapter (looked up in the claim's transaction)."""
    out: dict[str, list[tuple[Adapter, str]]] = {p: [] for p in purposes}
    members = {int(p.partition(":")[2]): p for p in purposes if p.startswith("member:")}
    channels = [p for p in purposes if not p.startswith("member:")]
    platforms = [a.platform for a in adapters if not a.reaches_everyone]
    found: dict[tuple[str, str], list[str]] = {}  # (purpose, platform) -> external ids
    if platforms and purposes:
        if members:
            for member_id, platform, ext in await uow.members.accounts_on(list(members), platforms):
                found.setdefault((members[member_id], platform), []).append(ext)
        if channels:
            for purpose, platform, ext in await uow.channels.on_platforms(channels, platforms):
                found.setdefault((purpose, platform), []).append(ext)
        # A platform with no panel room (email): the panel's messages go to every current member's account on it.
        by_member = [a.platform for a in adapters if getattr(a, "panel_by_member", False)]
        if "panel" in purposes and by_member:
            active = [m.id for m in await uow.members.active()]
            for _, platform, ext in await uow.members.accounts_on(active, by_member) if active else []:
                if ext not in found.get(("panel", platform), []):
                    found.setdefault(("panel", platform), []).append(ext)
    for purpose in purposes:
        for adapter in adapters:
            if adapter.reaches_everyone:
                out[purpose].append((adapter, purpose))
            else:
                out[purpose].extend((adapter, ext) for ext in found.get((purpose, adapter.platform), []))
    return out


async def posted_id(panel: Panel, row: OutboxMessage, platform: str, channel: str) -> str | None:
    """The id of the referral's card already posted to this channel, for a message about that referral."""
    if row.kind == "referral_card" or row.referral_id is None:
        return None
    async with panel.uow() as uow:
        return await uow.posted.message_id(row.referral_id, platform, channel)

async def remember_card(panel: Panel, referral_id: int, platform: str, channel: str, message_id: str) -> None:
    """Where a referral's card was posted on this channel (its updates edit it, replies go in its thread)."""
    async with panel.uow() as uow:
        existing = await uow.posted.get(referral_id, platform, channel)
        if existing is None:
            await uow.posted.add(
                PostedMessage(
                    partnership_id=panel.partnership_id,
                    referral_id=referral_id,
                    platform=platform,
                    channel=channel,
                    message_id=message_id,
                )
            )
        else:
            existing.message_id = message_id
        await uow.commit()

async def remember_agency_message(
    panel: Panel, row: OutboxMessage, platform: str, channel: str, message_id: object
) -> None:
    """A message with Mark as returned delivered to an agency's channel (`agency:NAME`, or its lead's
    `agency:NAME:lead`): where it went and its id, the only place that button counts as the agency's
    (`flows.returns`)."""
    agency = agency_of(row)
    if agency is None or not message_id or row.referral_id is None:
        return
    async with panel.uow() as uow:
        if not await uow.agency_messages.known(platform, channel, str(message_id)):
            await uow.agency_messages.add(
                AgencyMessage(
                    partnership_id=panel.partnership_id,
                    referral_id=row.referral_id,
                    agency=agency,
                    platform=platform,
                    channel=channel,
                    message_id=str(message_id),
                    delivered_at=panel.now(),
                )
            )
        await uow.commit()

