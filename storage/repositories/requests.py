"""Information requests to agencies, the contacts who may mark an agency's returns, and the messages with
an agency's Mark as returned button as they were delivered."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AgencyContact, AgencyMessage, Deadline, InfoRequest, Referral
from storage.repositories.base import Repository


class InfoRequestRepository(Repository):
    async def add(self, request: InfoRequest) -> InfoRequest:
        self.session.add(request)
        await self.session.flush()
        return request

    async def get(self, request_id: int) -> InfoRequest | None:
        """The request with this row id, if it is this partnership's (a signed email link names one)."""
        row = await self.session.get(InfoRequest, request_id)
        return row if row is not None and row.partnership_id == self.pid else None

    async def unreturned(self, referral: Referral) -> list[InfoRequest]:
        """The referral's requests whose return is not in yet."""
        stmt = select(InfoRequest).where(InfoRequest.referral_id == referral.id, InfoRequest.returned_at.is_(None))
        return list((await self.session.execute(stmt)).scalars())

    async def for_deadline(self, deadline: Deadline) -> InfoRequest | None:
        """The request whose return the deadline times, if it times one."""
        stmt = select(InfoRequest).where(InfoRequest.deadline_id == deadline.id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def latest(self, referral: Referral, agency: str) -> tuple[InfoRequest, Deadline] | None:
        """The latest request to `agency` about the referral and its deadline, both row-locked."""
        rows = (
            await self.session.execute(
                select(InfoRequest, Deadline)
                .join(Deadline, Deadline.id == InfoRequest.deadline_id)
                .where(InfoRequest.referral_id == referral.id, InfoRequest.agency == agency)
                .order_by(InfoRequest.id.desc())
                .with_for_update()
            )
        ).all()
        if not rows:
            return None
        request, deadline = rows[0]
        return request, deadline

    async def of_referral(self, referral: Referral) -> list[tuple[InfoRequest, Deadline]]:
        """Every request about the referral, in the order sent, with its deadline."""
        rows = (
            await self.session.execute(
                select(InfoRequest, Deadline)
                .join(Deadline, Deadline.id == InfoRequest.deadline_id)
                .where(InfoRequest.referral_id == referral.id)
                .order_by(InfoRequest.id)
            )
        ).all()
        return [(request, deadline) for request, deadline in rows]


class ContactRepository(Repository):
    async def get(self, agency: str, platform: str, external_id: str) -> AgencyContact | None:
        return (
            await self.session.execute(
                select(AgencyContact).where(
                    AgencyContact.partnership_id == self.pid,
                    AgencyContact.agency == agency,
                    AgencyContact.platform == platform,
                    AgencyContact.external_id == external_id,
                )
            )
        ).scalar_one_or_none()

    async def is_contact(self, agency: str, platform: str, external_id: str) -> bool:
        found = await self.session.execute(
            select(AgencyContact.id).where(
                AgencyContact.partnership_id == self.pid,
                AgencyContact.agency == agency,
                AgencyContact.platform == platform,
                AgencyContact.external_id == external_id,
            )
        )
        return found.first() is not None

    async def add(self, contact: AgencyContact) -> AgencyContact:
        self.session.add(contact)
        await self.session.flush()
        return contact

    async def remove(self, contact: AgencyContact) -> None:
        await self.session.delete(contact)

    async def all(self) -> list[AgencyContact]:
        stmt = (
            select(AgencyContact)
            .where(AgencyContact.partnership_id == self.pid)
            .order_by(AgencyContact.agency, AgencyContact.platform, AgencyContact.external_id)
        )
        return list((await self.session.execute(stmt)).scalars())


class AgencyMessageRepository(Repository):
    async def delivered(
        self, reference: str, agency: str, platform: str, message_id: str
    ) -> list[tuple[str, str, str, str]]:
        """(agency, platform, channel, message id) of the message with this id that the bot delivered to
        `agency` about the referral `reference`, if it did."""
        rows = await self.session.execute(
            select(AgencyMessage.agency, AgencyMessage.platform, AgencyMessage.channel, AgencyMessage.message_id)
            .join(Referral, Referral.id == AgencyMessage.referral_id)
            .where(
                AgencyMessage.partnership_id == self.pid,
                Referral.partnership_id == self.pid,
                Referral.reference == reference,
                AgencyMessage.agency == agency,
                AgencyMessage.platform == platform,
                AgencyMessage.message_id == message_id,
            )
        )
        return [(a, p, c, m) for a, p, c, m in rows]

    async def known(self, platform: str, channel: str, message_id: str) -> bool:
        """Whether the delivery of this message was recorded already."""
        found = (
            await self.session.execute(
                select(AgencyMessage.id).where(
                    AgencyMessage.partnership_id == self.pid,
                    AgencyMessage.platform == platform,
                    AgencyMessage.channel == channel,
                    AgencyMessage.message_id == message_id,
                )
            )
        ).scalar_one_or_none()
        return found is not None

    async def add(self, message: AgencyMessage) -> AgencyMessage:
        self.session.add(message)
        return message
