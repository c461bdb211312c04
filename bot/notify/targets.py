"""Where outbox messages go and where they went: the targets of each purpose on the running adapters, and
the records of delivered messages (a referral's card per channel, for its updates and thread replies; an
agency's Mark as returned message, the only place that button counts as the agency's)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.notify.kinds import Adapter, agency_of
from bot.service import Panel
from storage.models import AgencyMessage, Channel, Identity, OutboxMessage, PostedMessage


async def targets_of(
    s: AsyncSession, panel: Panel, adapters: list[Adapter], purposes: set[str]
) -> dict[str, list[tuple[Adapter, str]]]:
    """Where each purpose's messages go, per running adapter (looked up in the claim's transaction)."""
    out: dict[str, list[tuple[Adapter, str]]] = {p: [] for p in purposes}
    members = {int(p.partition(":")[2]): p for p in purposes if p.startswith("member:")}
    channels = [p for p in purposes if not p.startswith("member:")]
    platforms = [a.platform for a in adapters if not a.reaches_everyone]
    found: dict[tuple[str, str], list[str]] = {}  # (purpose, platform) -> external ids
    if platforms and purposes:
        if members:
            rows = await s.execute(
                select(Identity.member_id, Identity.platform, Identity.external_id)
                .where(Identity.member_id.in_(list(members)), Identity.platform.in_(platforms))
                .order_by(Identity.id)
            )
            for member_id, platform, ext in rows:
                found.setdefault((members[member_id], platform), []).append(ext)
        if channels:
            rows = await s.execute(
                select(Channel.purpose, Channel.platform, Channel.external_id)
                .where(
                    Channel.partnership_id == panel.partnership_id,
                    Channel.purpose.in_(channels),
                    Channel.platform.in_(platforms),
                )
                .order_by(Channel.id)
            )
            for purpose, platform, ext in rows:
                found.setdefault((purpose, platform), []).append(ext)
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
        return (
            await uow.session.execute(
                select(PostedMessage.message_id).where(
                    PostedMessage.referral_id == row.referral_id,
                    PostedMessage.platform == platform,
                    PostedMessage.channel == channel,
                )
            )
        ).scalar_one_or_none()

async def remember_card(panel: Panel, referral_id: int, platform: str, channel: str, message_id: str) -> None:
    """Where a referral's card was posted on this channel (its updates edit it, replies go in its thread)."""
    async with panel.uow() as uow:
        existing = (
            await uow.session.execute(
                select(PostedMessage).where(
                    PostedMessage.referral_id == referral_id,
                    PostedMessage.platform == platform,
                    PostedMessage.channel == channel,
                )
            )
        ).scalar_one_or_none()
        if existing is None:
            uow.session.add(
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
        known = (
            await uow.session.execute(
                select(AgencyMessage.id).where(
                    AgencyMessage.partnership_id == panel.partnership_id,
                    AgencyMessage.platform == platform,
                    AgencyMessage.channel == channel,
                    AgencyMessage.message_id == str(message_id),
                )
            )
        ).scalar_one_or_none()
        if known is None:
            uow.session.add(
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

