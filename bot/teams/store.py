"""What the Teams adapter must remember across restarts, in the project's database (`conversation_state`).

* Conversation references, for proactive messages: `DatabaseStorage` is a Microsoft 365 Agents SDK
  `Storage`, handed to the SDK's proactive support (`ProactiveOptions(storage=...)`). Each item is one
  row with `flow = "conversation_reference"`, keyed by the SDK's storage key.
* People: the Teams user id (`29:...`) and the 1:1 chat the bot has with each Entra object id, so a
  member can be reached directly (`flow = "teams_person"`).

Nothing here is a panel rule; it is only where Teams addresses are kept.
"""

from __future__ import annotations

import hashlib
from typing import Any

from microsoft_agents.hosting.core import Storage, StoreItem
from sqlalchemy.exc import IntegrityError

from bot.service import Panel
from storage.models import ConversationState

PLATFORM = "teams"
REFERENCE_FLOW = "conversation_reference"
PERSON_FLOW = "teams_person"
PERSON_CHAT = "person"
KEY_MAX = 200  # conversation_state.chat_id


def row_key(key: str) -> str:
    """A storage key as a `chat_id`: itself when it fits, else a digest (the full key is kept in `data`)."""
    if len(key) <= KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


class Rows:
    """Small upserts and reads of `conversation_state` rows for the Teams platform."""

    def __init__(self, panel: Panel) -> None:
        self.panel = panel

    async def get(self, flow: str, chat_id: str, user_id: str) -> dict[str, Any] | None:
        async with self.panel.uow() as uow:
            row = await uow.conversations.find(PLATFORM, chat_id, user_id, flow)
            return dict(row.data) if row is not None else None

    async def put(self, flow: str, chat_id: str, user_id: str, data: dict[str, Any]) -> None:
        """Insert or replace. Two writers racing on one key: the loser updates the winner's row."""
        for _ in range(2):
            try:
                await self._put(flow, chat_id, user_id, data)
                return
            except IntegrityError:
                continue
        await self._put(flow, chat_id, user_id, data)

    async def _put(self, flow: str, chat_id: str, user_id: str, data: dict[str, Any]) -> None:
        async with self.panel.uow() as uow:
            row = await uow.conversations.find(PLATFORM, chat_id, user_id)
            if row is None:
                await uow.conversations.add(
                    ConversationState(
                        partnership_id=self.panel.partnership_id,
                        platform=PLATFORM,
                        chat_id=chat_id,
                        user_id=user_id,
                        flow=flow,
                        step="stored",
                        data=data,
                        updated_at=self.panel.now(),
                    )
                )
            else:
                row.flow = flow
                row.data = data
                row.updated_at = self.panel.now()
            await uow.commit()

    async def drop(self, flow: str, chat_id: str, user_id: str) -> None:
        async with self.panel.uow() as uow:
            await uow.conversations.drop(PLATFORM, chat_id, user_id, flow)
            await uow.commit()

    async def all(self, flow: str) -> list[dict[str, Any]]:
        async with self.panel.uow() as uow:
            return [dict(r.data) for r in await uow.conversations.of_flow(PLATFORM, flow)]


class DatabaseStorage(Storage):
    """The Agents SDK's `Storage` over the project's database, one row per key."""

    def __init__(self, panel: Panel) -> None:
        self.rows = Rows(panel)

    async def read(self, keys: list[str], *, target_cls: type[StoreItem], **kwargs: Any) -> dict[str, Any]:
        if not keys:
            raise ValueError("Storage.read(): Keys are required when reading.")
        out: dict[str, Any] = {}
        for key in keys:
            data = await self.rows.get(REFERENCE_FLOW, row_key(key), "")
            if data is not None and data.get("key") == key:
                out[key] = target_cls.from_json_to_store_item(data["item"])
        return out

    async def write(self, changes: dict[str, StoreItem]) -> None:
        if not changes:
            raise ValueError("Storage.write(): Changes are required when writing.")
        for key, item in changes.items():
            await self.rows.put(REFERENCE_FLOW, row_key(key), "", {"key": key, "item": item.store_item_to_json()})

    async def delete(self, keys: list[str]) -> None:
        for key in keys:
            await self.rows.drop(REFERENCE_FLOW, row_key(key), "")

    async def items(self) -> list[dict[str, Any]]:
        """Every stored item's JSON, the most recently written first."""
        return [data["item"] for data in await self.rows.all(REFERENCE_FLOW) if "item" in data]


class People:
    """Entra object id -> the person's Teams user id and the 1:1 chat the bot has with them."""

    def __init__(self, panel: Panel) -> None:
        self.rows = Rows(panel)

    async def get(self, aad_object_id: str) -> dict[str, Any]:
        return await self.rows.get(PERSON_FLOW, PERSON_CHAT, aad_object_id.lower()) or {}

    async def note(self, aad_object_id: str, **facts: str | None) -> None:
        """Record what a turn showed about a person; writes only when something changed."""
        known = await self.get(aad_object_id)
        merged = {**known, **{k: v for k, v in facts.items() if v}}
        if merged != known:
            await self.rows.put(PERSON_FLOW, PERSON_CHAT, aad_object_id.lower(), merged)
