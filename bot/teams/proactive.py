"""Proactive messages: everything the bot says outside a person's turn goes out here.

During every turn the conversation's reference is stored (`remember`) with the SDK's proactive support,
whose storage is the project's database (`store.DatabaseStorage`). To send later the bot continues that
conversation (`continue_conversation_with_claims`, with the claims the reference was stored with) and
posts to the Bot Connector at the conversation's `serviceUrl`:

* `POST v3/conversations/{id}/activities` for a new message, `PUT .../activities/{id}` to update a card;
* a person the bot has no 1:1 chat with yet (a target given as an Entra object id) is first looked up in a
  conversation the bot already knows (`GET v3/conversations/{id}/members/{objectId}`, which Teams answers
  by object id), then a 1:1 chat is created (`POST v3/conversations`) and its reference stored.

A channel conversation is stored under the channel's own id (without `;messageid=`), so new cards start
new posts; a message about a card goes into the card's thread (`{channel};messageid={card id}`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.core import AgentApplication, TurnContext
from microsoft_agents.hosting.core.app.proactive import Conversation
from microsoft_agents.hosting.core.channel_service_adapter import ChannelServiceAdapter
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.service import Panel
from bot.teams.store import DatabaseStorage, People
from flows.returns import Origin

log = logging.getLogger(__name__)

OBJECT_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
THREAD = ";messageid="


class Unreachable(Exception):
    """No conversation is known for a target yet (the bot has not been added there, or nobody spoke)."""


def base_id(conversation_id: str) -> str:
    """A channel thread's id (`19:x@thread.tacv2;messageid=123`) -> the channel's (`19:x@thread.tacv2`)."""
    return conversation_id.split(THREAD, 1)[0]


def conversation_key(activity: Activity) -> str:
    """Where this turn happened, as Panelbot stores it and as `setup` records it."""
    return base_id(activity.conversation.id)


def pressed_on(activity: Activity) -> Origin:
    """Where a card's button was pressed: the conversation (as `conversation_key`) and the message it is on."""
    conversation = getattr(activity, "conversation", None)
    key = conversation_key(activity) if conversation is not None and conversation.id else None
    return Origin("teams", key, getattr(activity, "reply_to_id", None) or None)


def _facts(conversation: Conversation) -> dict[str, Any]:
    item = conversation.store_item_to_json()
    return {"claims": item["claims"], "reference": item["conversation_reference"]}


class Outbound:
    def __init__(
        self,
        panel: Panel,
        app: AgentApplication,
        adapter: ChannelServiceAdapter,
        storage: DatabaseStorage,
        people: People,
    ) -> None:
        self.panel = panel
        self.app = app
        self.adapter = adapter
        self.storage = storage  # the same storage the SDK's proactive support uses
        self.people = people

    # Remembering ---------------------------------------------------------------------------------------
    async def remember(self, context: TurnContext) -> None:
        """Store where this turn happened (and what it shows about the person), so the bot can write here
        and to them later. Writes only what changed."""
        activity = context.activity
        if activity.conversation is None or not activity.conversation.id or not activity.service_url:
            return
        key = conversation_key(activity)
        reference = activity.get_conversation_reference()
        reference.conversation = activity.conversation.model_copy(update={"id": key})
        reference.activity_id = None
        reference.request_id = None  # new on every request: not part of where the conversation is
        if (activity.conversation.conversation_type or "") != "personal":
            reference.user = None  # whoever spoke last in a channel or group chat: not needed to post there
            reference.locale = None
        conversation = Conversation(context.identity or {}, reference)
        stored = await self.app.proactive.get_conversation(key)
        if stored is None or _facts(stored) != _facts(conversation):
            await self.app.proactive.store_conversation(conversation)
        person = activity.from_property
        if person is not None and person.aad_object_id:
            personal = key if (activity.conversation.conversation_type or "") == "personal" else None
            await self.people.note(person.aad_object_id, id=person.id, name=person.name, personal=personal)

    async def conversation(self, target: str) -> Conversation:
        """The stored conversation for a channel id, a chat id, or (an Entra object id) a person's 1:1."""
        stored = await self.app.proactive.get_conversation(target)
        if stored is not None:
            return stored
        if OBJECT_ID.match(target):
            return await self.personal(target)
        raise Unreachable(f"no Teams conversation is known for {target!r} yet")

    async def personal(self, object_id: str) -> Conversation:
        """The bot's 1:1 chat with a person, created (and stored) the first time it is needed."""
        person = await self.people.get(object_id)
        if person.get("personal"):
            stored = await self.app.proactive.get_conversation(person["personal"])
            if stored is not None:
                return stored
        home = await self.home()
        if home is None:
            raise Unreachable("the bot knows no Teams conversation to reach people from yet")
        ref = home.conversation_reference
        tenant = ref.conversation.tenant_id
        user_id = person.get("id")
        created: dict[str, Any] = {}

        async def open_chat(context: TurnContext) -> None:
            client = context.services.get(ConnectorClientBase)
            found_id = user_id
            if not found_id:
                member = await client.conversations.get_conversation_member(ref.conversation.id, object_id)
                found_id = member.id
                created["name"] = member.name
            params = ConversationParameters(
                is_group=False,
                bot=ref.agent,
                members=[ChannelAccount(id=found_id)],
                tenant_id=tenant,
                channel_data={"tenant": {"id": tenant}} if tenant else None,
            )
            result = await client.conversations.create_conversation(params)
            created.update(user_id=found_id, conversation_id=result.id)

        await self.run_in(home, open_chat)
        reference = ConversationReference(
            conversation=ConversationAccount(
                id=created["conversation_id"], conversation_type="personal", tenant_id=tenant
            ),
            bot=ref.agent,
            user=ChannelAccount(id=created["user_id"], aad_object_id=object_id),
            channel_id=ref.channel_id,
            service_url=ref.service_url,
        )
        conversation = Conversation(home.claims, reference)
        await self.app.proactive.store_conversation(conversation)
        await self.people.note(
            object_id, id=created["user_id"], name=created.get("name"), personal=created["conversation_id"]
        )
        return conversation

    async def home(self) -> Conversation | None:
        """A conversation to reach people from: the panel's Teams channel, else the latest one seen."""
        for purpose, platform, external in await self.panel.list_channels():
            if purpose == "panel" and platform == "teams":
                stored = await self.app.proactive.get_conversation(external)
                if stored is not None:
                    return stored
        for item in await self.storage.items():
            reference = item.get("conversation_reference") or {}
            if (reference.get("conversation") or {}).get("conversationType") != "personal":
                return Conversation.from_json_to_store_item(item)
        return None

    # Sending -------------------------------------------------------------------------------------------
    async def run_in(
        self, conversation: Conversation, work: Callable[[TurnContext], Awaitable[Any]], *, thread: str | None = None
    ) -> Any:
        """Run `work` in a proactive turn of `conversation` (in a channel thread when `thread` is given).
        Whatever `work` raises is raised here; the SDK's turn-error handler never sees it, so a failure is
        never answered by a message of its own."""
        ref = conversation.conversation_reference
        if thread and (ref.conversation.conversation_type or "") == "channel":
            in_thread = ref.conversation.model_copy(update={"id": f"{ref.conversation.id}{THREAD}{thread}"})
            ref = ref.model_copy(update={"conversation": in_thread})
        continuation = ref.get_continuation_activity()
        continuation.id = None  # so nothing is sent as a reply to the (made-up) continuation event
        outcome: dict[str, Any] = {}

        async def callback(context: TurnContext) -> None:
            try:
                outcome["result"] = await work(context)
            except Exception as exc:  # raised again below, outside the SDK's pipeline
                outcome["error"] = exc

        await self.adapter.continue_conversation_with_claims(
            Conversation.identity_from_claims(conversation.claims), continuation, callback
        )
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("result")

    async def send(self, target: str, activity: Activity, *, thread: str | None = None) -> str | None:
        conversation = await self.conversation(target)

        async def post(context: TurnContext) -> str | None:
            sent = await context.send_activity(activity)
            return sent.id if sent is not None else None

        return await self.run_in(conversation, post, thread=thread)

    async def update(self, target: str, activity_id: str, activity: Activity) -> None:
        conversation = await self.conversation(target)
        activity.id = activity_id
        activity.type = activity.type or ActivityTypes.message

        async def put(context: TurnContext) -> None:
            await context.update_activity(activity)

        await self.run_in(conversation, put)
