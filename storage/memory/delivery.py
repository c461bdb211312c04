"""In-memory twins of `storage.repositories.delivery`: the outbox as the sender works it, where cards were
posted, and a platform's per-chat state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.memory.base import MemoryRepository
from storage.models import ConversationState, OutboxMessage, PostedMessage


class OutboxRepository(MemoryRepository):
    def _undelivered(self) -> list[OutboxMessage]:
        return [m for m in self.ours(OutboxMessage) if m.sent_at is None]

    async def claim_due(
        self, now: datetime, limit: int, held: Sequence[str], paced: Sequence[str]
    ) -> list[OutboxMessage]:
        return [
            m for m in self._undelivered()
            if m.next_attempt_at <= now and m.purpose not in held
            and not (m.purpose in paced and m.kind != "card_update")
        ][:limit]

    async def release(self, ids: Sequence[int], now: datetime) -> int:
        rows = [m for m in self.store.all(OutboxMessage) if m.id in set(ids) and m.sent_at is None]
        for m in rows:
            m.next_attempt_at, m.attempts = now, m.attempts - 1
        return len(rows)

    async def defer(self, ids: Sequence[int], until: datetime, note: str) -> None:
        for m in self.store.all(OutboxMessage):
            if m.id in set(ids):
                m.next_attempt_at, m.attempts, m.last_error = until, m.attempts - 1, note

    async def record(self, row_id: int, values: dict[str, object]) -> None:
        row = self.store.get(OutboxMessage, row_id)
        for key, value in values.items():
            setattr(row, key, value)

    async def waiting(self, created_before: datetime) -> list[Any]:
        return [m for m in self._undelivered() if m.created_at <= created_before]

    async def failed(self, since: datetime) -> list[Any]:
        return [m for m in self.ours(OutboxMessage) if m.failed_at is not None and m.failed_at >= since]

    async def waiting_and_oldest(self) -> tuple[int, datetime | None]:
        rows = self._undelivered()
        return len(rows), min((m.created_at for m in rows), default=None)

    async def count_waiting_since(self, created_before: datetime) -> int:
        return len(await self.waiting(created_before))

    async def retry_now(self, now: datetime, ids: Sequence[int] | None = None) -> int:
        rows = [m for m in self._undelivered() if not ids or m.id in set(ids)]
        for m in rows:
            m.next_attempt_at = now
        return len(rows)


class PostedMessageRepository(MemoryRepository):
    async def get(self, referral_id: int, platform: str, channel: str) -> PostedMessage | None:
        return next(
            (
                p for p in self.store.all(PostedMessage)
                if (p.referral_id, p.platform, p.channel) == (referral_id, platform, channel)
            ),
            None,
        )

    async def message_id(self, referral_id: int, platform: str, channel: str) -> str | None:
        found = await self.get(referral_id, platform, channel)
        return found.message_id if found is not None else None

    async def add(self, posted: PostedMessage) -> PostedMessage:
        return self.store.insert(posted)


class ConversationRepository(MemoryRepository):
    async def find(
        self, platform: str, chat_id: str, user_id: str, flow: str | None = None, *, lock: bool = False
    ) -> ConversationState | None:
        return next(
            (
                c for c in self.ours(ConversationState)
                if (c.platform, c.chat_id, c.user_id) == (platform, chat_id, user_id) and flow in (None, c.flow)
            ),
            None,
        )

    async def add(self, state: ConversationState) -> ConversationState:
        return self.store.insert(state)

    async def drop(self, platform: str, chat_id: str, user_id: str, flow: str) -> None:
        found = await self.find(platform, chat_id, user_id, flow)
        if found is not None:
            self.store.delete(found)

    async def forget(self, platform: str, chat_id: str, user_id: str) -> int:
        rows = [c for c in self.ours(ConversationState)
                if (c.platform, c.chat_id, c.user_id) == (platform, chat_id, user_id)]
        for row in rows:
            self.store.delete(row)
        return len(rows)

    async def forget_prompts(self, platform: str, chat_prefix: str, user_id: str) -> int:
        rows = [c for c in self.ours(ConversationState)
                if c.platform == platform and c.chat_id.startswith(f"{chat_prefix}/") and c.user_id == user_id]
        for row in rows:
            self.store.delete(row)
        return len(rows)

    async def of_flow(self, platform: str, flow: str) -> list[ConversationState]:
        rows = [c for c in self.ours(ConversationState) if c.platform == platform and c.flow == flow]
        return sorted(rows, key=lambda c: (c.updated_at, c.id), reverse=True)
