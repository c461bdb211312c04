"""The outbox as the sender works it (claim, record, defer, release), where each referral's card was posted,
and the small per-chat state a platform keeps (`conversation_state`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, true, update

from storage.models import ConversationState, OutboxMessage, PostedMessage
from storage.repositories.base import Repository


class OutboxRepository(Repository):
    async def claim_due(
        self, now: datetime, limit: int, held: Sequence[str], paced: Sequence[str]
    ) -> list[OutboxMessage]:
        """The oldest due rows, row-locked with SKIP LOCKED (another replica skips them), leaving out purposes
        whose every target is `held` for flood control, and new messages (not card updates) for `paced` ones."""
        return list(
            (
                await self.session.execute(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.partnership_id == self.pid,
                        OutboxMessage.sent_at.is_(None),
                        OutboxMessage.next_attempt_at <= now,
                        OutboxMessage.purpose.not_in(held) if held else true(),
                        ~(OutboxMessage.purpose.in_(paced) & (OutboxMessage.kind != "card_update"))
                        if paced
                        else true(),
                    )
                    .order_by(OutboxMessage.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            ).scalars()
        )

    async def release(self, ids: Sequence[int], now: datetime) -> int:
        """Claimed rows not finished are due again now; their claim is not counted as an attempt."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.sent_at.is_(None))
            .values(next_attempt_at=now, attempts=OutboxMessage.attempts - 1)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def defer(self, ids: Sequence[int], until: datetime, note: str) -> None:
        """Rows held back for flood control wait until `until`; the platform was not called, so not an attempt."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)))
            .values(next_attempt_at=until, attempts=OutboxMessage.attempts - 1, last_error=note)
        )

    async def record(self, row_id: int, values: dict[str, object]) -> None:
        """Write down what became of a claimed row, in one statement."""
        await self.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))

    async def waiting(self, created_before: datetime) -> list[Row[Any]]:
        """Undelivered messages created at or before `created_before`, oldest first."""
        return list(
            (
                await self.session.execute(
                    select(
                        OutboxMessage.id,
                        OutboxMessage.kind,
                        OutboxMessage.purpose,
                        OutboxMessage.attempts,
                        OutboxMessage.created_at,
                        OutboxMessage.next_attempt_at,
                        OutboxMessage.last_error,
                        OutboxMessage.delivered_to,
                    )
                    .where(
                        OutboxMessage.partnership_id == self.pid,
                        OutboxMessage.sent_at.is_(None),
                        OutboxMessage.created_at <= created_before,
                    )
                    .order_by(OutboxMessage.id)
                )
            ).all()
        )

    async def failed(self, since: datetime) -> list[Row[Any]]:
        """Messages marked failed (a target refused for good) at or after `since`, oldest first."""
        return list(
            (
                await self.session.execute(
                    select(
                        OutboxMessage.id,
                        OutboxMessage.kind,
                        OutboxMessage.purpose,
                        OutboxMessage.created_at,
                        OutboxMessage.failed_at,
                        OutboxMessage.refused,
                        OutboxMessage.delivered_to,
                    )
                    .where(
                        OutboxMessage.partnership_id == self.pid,
                        OutboxMessage.failed_at.is_not(None),
                        OutboxMessage.failed_at >= since,
                    )
                    .order_by(OutboxMessage.id)
                )
            ).all()
        )

    async def waiting_and_oldest(self) -> tuple[int, datetime | None]:
        """How many messages wait to be delivered, and when the oldest was queued (None: none)."""
        waiting, oldest = (
            await self.session.execute(
                select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.partnership_id == self.pid, OutboxMessage.sent_at.is_(None)
                )
            )
        ).one()
        return int(waiting), oldest

    async def count_waiting_since(self, created_before: datetime) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.partnership_id == self.pid,
                        OutboxMessage.sent_at.is_(None),
                        OutboxMessage.created_at <= created_before,
                    )
                )
            ).scalar_one()
        )

    async def retry_now(self, now: datetime, ids: Sequence[int] | None = None) -> int:
        """Undelivered messages (all, or those `ids`) are due now. Returns how many."""
        query = (
            update(OutboxMessage)
            .where(OutboxMessage.partnership_id == self.pid, OutboxMessage.sent_at.is_(None))
            .values(next_attempt_at=now)
        )
        if ids:
            query = query.where(OutboxMessage.id.in_(list(ids)))
        result = await self.session.execute(query)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class PostedMessageRepository(Repository):
    async def get(self, referral_id: int, platform: str, channel: str) -> PostedMessage | None:
        """Where a referral's card was posted on this channel."""
        return (
            await self.session.execute(
                select(PostedMessage).where(
                    PostedMessage.referral_id == referral_id,
                    PostedMessage.platform == platform,
                    PostedMessage.channel == channel,
                )
            )
        ).scalar_one_or_none()

    async def message_id(self, referral_id: int, platform: str, channel: str) -> str | None:
        return (
            await self.session.execute(
                select(PostedMessage.message_id).where(
                    PostedMessage.referral_id == referral_id,
                    PostedMessage.platform == platform,
                    PostedMessage.channel == channel,
                )
            )
        ).scalar_one_or_none()

    async def add(self, posted: PostedMessage) -> PostedMessage:
        self.session.add(posted)
        return posted


class ConversationRepository(Repository):
    """`conversation_state` rows of one platform: what an adapter must remember across restarts."""

    async def find(
        self, platform: str, chat_id: str, user_id: str, flow: str | None = None, *, lock: bool = False
    ) -> ConversationState | None:
        stmt = select(ConversationState).where(
            ConversationState.partnership_id == self.pid,
            ConversationState.platform == platform,
            ConversationState.chat_id == chat_id,
            ConversationState.user_id == user_id,
        )
        if flow is not None:
            stmt = stmt.where(ConversationState.flow == flow)
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def forget(self, platform: str, chat_id: str, user_id: str) -> int:
        """Drop what one person owes in one chat, whatever the flow; how many rows went."""
        result = await self.session.execute(
            delete(ConversationState).where(
                ConversationState.partnership_id == self.pid,
                ConversationState.platform == platform,
                ConversationState.chat_id == chat_id,
                ConversationState.user_id == user_id,
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def forget_prompts(self, platform: str, chat_prefix: str, user_id: str) -> int:
        """Drop every reply one person owes under a chat (rows keyed `CHAT/MESSAGE`); how many rows went."""
        result = await self.session.execute(
            delete(ConversationState).where(
                ConversationState.partnership_id == self.pid,
                ConversationState.platform == platform,
                ConversationState.chat_id.like(f"{chat_prefix}/%"),
                ConversationState.user_id == user_id,
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def add(self, state: ConversationState) -> ConversationState:
        self.session.add(state)
        return state

    async def drop(self, platform: str, chat_id: str, user_id: str, flow: str) -> None:
        await self.session.execute(
            delete(ConversationState).where(
                ConversationState.partnership_id == self.pid,
                ConversationState.platform == platform,
                ConversationState.chat_id == chat_id,
                ConversationState.user_id == user_id,
                ConversationState.flow == flow,
            )
        )

    async def of_flow(self, platform: str, flow: str) -> list[ConversationState]:
        """The platform's rows of one flow, the most recently written first."""
        return list(
            (
                await self.session.execute(
                    select(ConversationState)
                    .where(
                        ConversationState.partnership_id == self.pid,
                        ConversationState.platform == platform,
                        ConversationState.flow == flow,
                    )
                    .order_by(ConversationState.updated_at.desc(), ConversationState.id.desc())
                )
            ).scalars()
        )
