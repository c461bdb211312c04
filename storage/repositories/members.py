"""Panel members, their platform accounts (identities), and the channels the bot speaks in."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, select

from storage.models import Channel, Identity, Member
from storage.repositories.base import Repository


class MemberRepository(Repository):
    async def get(self, member_id: int) -> Member | None:
        """The member row with this id, whoever's it is (callers check the partnership and removal)."""
        return await self.session.get(Member, member_id)

    async def active(self) -> list[Member]:
        """The partnership's current members, in the order they were added."""
        stmt = select(Member).where(Member.partnership_id == self.pid, Member.removed_at.is_(None)).order_by(Member.id)
        return list((await self.session.execute(stmt)).scalars())

    async def everyone(self) -> list[Member]:
        """Every member the partnership has had, removed ones too (a card names who voted)."""
        return list((await self.session.execute(select(Member).where(Member.partnership_id == self.pid))).scalars())

    async def by_name(self, name_key: str) -> Member | None:
        """The current member with this lower-cased name."""
        return (
            await self.session.execute(
                select(Member).where(
                    Member.partnership_id == self.pid, Member.name_key == name_key, Member.removed_at.is_(None)
                )
            )
        ).scalar_one_or_none()

    async def by_platform_id(self, platform: str, external_id: str) -> Member | None:
        """The current member of this partnership who has this platform account, if any."""
        stmt = (
            select(Member)
            .join(Identity, Identity.member_id == Member.id)
            .where(
                Identity.partnership_id == self.pid,
                Identity.platform == platform,
                Identity.external_id == external_id,
                Member.removed_at.is_(None),
            )
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def active_and_account(self, platform: str, external_id: str) -> tuple[list[Member], Member | None]:
        """The current members (as `active`) and the one of them with this platform account, in one read."""
        stmt = (
            select(Member, Identity.id)
            .outerjoin(
                Identity,
                and_(
                    Identity.member_id == Member.id,
                    Identity.partnership_id == self.pid,
                    Identity.platform == platform,
                    Identity.external_id == external_id,
                ),
            )
            .where(Member.partnership_id == self.pid, Member.removed_at.is_(None))
            .order_by(Member.id)
        )
        rows = (await self.session.execute(stmt)).all()
        members = [member for member, _ in rows]
        return members, next((member for member, identity in rows if identity is not None), None)

    async def names(self, ids: Sequence[int]) -> list[tuple[int, str, str]]:
        """(id, name, role) of these members of the partnership."""
        rows = await self.session.execute(
            select(Member.id, Member.name, Member.role).where(Member.partnership_id == self.pid, Member.id.in_(ids))
        )
        return [(member_id, name, role) for member_id, name, role in rows]

    async def add(self, member: Member) -> Member:
        """A new member, with the identities set on it."""
        self.session.add(member)
        await self.session.flush()
        return member

    async def identity(self, platform: str, external_id: str) -> Identity | None:
        """Whoever in the partnership holds this platform account."""
        return (
            await self.session.execute(
                select(Identity).where(
                    Identity.partnership_id == self.pid,
                    Identity.platform == platform,
                    Identity.external_id == external_id,
                )
            )
        ).scalar_one_or_none()

    async def identities(self) -> list[Identity]:
        """Every platform account of the partnership's members."""
        stmt = select(Identity).where(Identity.partnership_id == self.pid)
        return list((await self.session.execute(stmt)).scalars())

    async def accounts_on(self, member_ids: Sequence[int], platforms: Sequence[str]) -> list[tuple[int, str, str]]:
        """(member id, platform, external id) of these members' accounts on these platforms."""
        rows = await self.session.execute(
            select(Identity.member_id, Identity.platform, Identity.external_id)
            .where(Identity.member_id.in_(list(member_ids)), Identity.platform.in_(list(platforms)))
            .order_by(Identity.id)
        )
        return [(member_id, platform, external) for member_id, platform, external in rows]

    async def remove_identities(self, member: Member) -> list[Identity]:
        """Delete a member's platform accounts (a removed member can no longer act from them); returns them."""
        stmt = select(Identity).where(Identity.member_id == member.id)
        identities = list((await self.session.execute(stmt)).scalars())
        for identity in identities:
            await self.session.delete(identity)
        return identities


class ChannelRepository(Repository):
    async def get(self, purpose: str, platform: str) -> Channel | None:
        """The first id set for a purpose on a platform (a purpose may have several: `of_platform`)."""
        found = await self.of_platform(purpose, platform)
        return found[0] if found else None

    async def of_platform(self, purpose: str, platform: str) -> list[Channel]:
        """Every id set for a purpose on one platform (an agency's shared mailbox and its deputy), oldest first."""
        stmt = (
            select(Channel)
            .where(Channel.partnership_id == self.pid, Channel.purpose == purpose, Channel.platform == platform)
            .order_by(Channel.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def add(self, channel: Channel) -> Channel:
        self.session.add(channel)
        return channel

    async def remove(self, channel: Channel) -> None:
        await self.session.delete(channel)

    async def all(self) -> list[Channel]:
        stmt = (
            select(Channel)
            .where(Channel.partnership_id == self.pid)
            .order_by(Channel.purpose, Channel.platform, Channel.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def purposes(self) -> set[str]:
        """Every purpose that has a channel on some platform."""
        stmt = select(Channel.purpose).where(Channel.partnership_id == self.pid)
        return set((await self.session.execute(stmt)).scalars())

    async def on_platforms(self, purposes: Sequence[str], platforms: Sequence[str]) -> list[tuple[str, str, str]]:
        """(purpose, platform, external id) of the channels for these purposes on these platforms."""
        rows = await self.session.execute(
            select(Channel.purpose, Channel.platform, Channel.external_id)
            .where(
                Channel.partnership_id == self.pid,
                Channel.purpose.in_(list(purposes)),
                Channel.platform.in_(list(platforms)),
            )
            .order_by(Channel.id)
        )
        return [(purpose, platform, external) for purpose, platform, external in rows]

    async def of_purposes(self, purposes: Sequence[str]) -> list[tuple[str, str, str]]:
        """(purpose, platform, external id) of the channels set for these purposes."""
        rows = await self.session.execute(
            select(Channel.purpose, Channel.platform, Channel.external_id).where(
                Channel.partnership_id == self.pid, Channel.purpose.in_(list(purposes))
            )
        )
        return [(purpose, platform, external) for purpose, platform, external in rows]
