"""What a Slack request carries, read defensively (a forged or broken body reads as empty, never as a
traceback), and `Where` to answer the person: the interaction's `response_url`, else an ephemeral message in
the channel, else a direct message. Also the middleware that refuses a body of a shape bolt cannot read."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.commands import Reply, clean_text
from bot.slack import blocks as b
from bot.slack import modals as m
from bot.slack.files import Files, failed_line, upload, why
from flows.returns import Origin

log = logging.getLogger("bot.slack.handlers")


class Malformed(Exception):
    """Slack sent a request without something it always sends (a trigger id, the button pressed, the form):
    a forged or broken body. Nothing is done; the person, if they can be found, is told in one sentence."""


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def trigger(body: dict) -> str:
    value = _str(body.get("trigger_id"))
    if value is None:
        raise Malformed("no trigger_id")
    return value


def pressed(body: dict) -> tuple[str, str]:
    """The action id and value of the button pressed, as strings."""
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise Malformed("no actions")
    action = actions[0]
    return _str(action.get("action_id")) or "", clean_text(_str(action.get("value")) or "")


def first_block(body: dict) -> str:
    """The block id of a submitted form's first input, where an error about the whole form is shown."""
    view = _dict(body.get("view"))
    values = _dict(_dict(view.get("state")).get("values"))
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("block_id"), str):
            return block["block_id"]
    return next((k for k in values if isinstance(k, str)), m.REASON_BLOCK)


def pressed_on(body: dict) -> Origin:
    """Where a button was pressed: the channel and the `ts` of the message it is under."""
    container = _dict(body.get("container"))
    channel = _str(container.get("channel_id")) or _str(_dict(body.get("channel")).get("id"))
    return Origin("slack", channel, _str(container.get("message_ts")) or _str(_dict(body.get("message")).get("ts")))


def submitted(body: dict) -> dict:
    view = body.get("view")
    if not isinstance(view, dict):
        raise Malformed("no view")
    return view


@dataclass
class Where:
    """Where to answer one person privately."""

    client: AsyncWebClient
    user: str
    channel: str | None = None
    response_url: str | None = None
    cal: Any = None  # the panel's calendar, for a card shown in a reply

    @classmethod
    def of(cls, client: AsyncWebClient, body: dict) -> Where:
        user = _str(body.get("user_id")) or _str(_dict(body.get("user")).get("id")) or ""
        channel = _str(body.get("channel_id")) or _str(_dict(body.get("channel")).get("id"))
        channel = channel or _str(_dict(body.get("container")).get("channel_id"))
        view = body.get("view")
        if body.get("type") == "view_submission" and isinstance(view, dict):
            meta = m.Meta.load(view.get("private_metadata"))
            return cls(client, user, meta.channel, meta.response_url)
        return cls(client, user, channel, _str(body.get("response_url")))

    async def say(self, lines: list[str]) -> None:
        await self.send(*b.text_blocks(lines))

    async def reply(self, reply: Reply) -> None:
        await self.send(*b.reply_blocks(reply, self.cal))
        if reply.files:
            await self.upload(reply.files)

    async def upload(self, files: Files) -> None:
        """Post files (the report's charts) where the person ran the command, after the answer: in that channel,
        or in the direct message. A failure is told to them in one sentence; it never ends the listener."""
        try:
            channel = self.channel
            if not channel:
                channel = (await self.client.conversations_open(users=self.user))["channel"]["id"]
            await upload(self.client, channel, files)
        except Exception as exc:
            log.warning("Slack: %d file(s) could not be uploaded (%s)", len(files), why(exc))
            await self.say([failed_line(exc)])

    async def send(self, text: str, blocks: list[dict]) -> None:
        if self.response_url:
            try:
                sent = await AsyncWebhookClient(self.response_url).send(
                    text=text, blocks=blocks, response_type="ephemeral", replace_original=False
                )
                if sent.status_code == 200:
                    return
                log.info("response_url answered %s; answering another way", sent.status_code)
            except Exception as exc:
                log.info("response_url failed (%s); answering another way", type(exc).__name__)
        if self.channel:
            try:
                await self.client.chat_postEphemeral(channel=self.channel, user=self.user, text=text, blocks=blocks)
                return
            except SlackApiError as exc:
                log.info("chat.postEphemeral failed (%s); sending a direct message", exc.response.get("error"))
        opened = await self.client.conversations_open(users=self.user)
        await self.client.chat_postMessage(channel=opened["channel"]["id"], text=text, blocks=blocks)


def well_shaped(body: Any) -> bool:
    """Whether a (signed) body has the shape bolt's own matchers rely on. bolt indexes into `actions`, `view`
    and `event` before any listener runs, so a body without them would be a 500 from inside bolt."""
    if not isinstance(body, dict):
        return False
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions")
        return (isinstance(actions, list) and bool(actions)
                and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
                and all(isinstance(a.get("block_id", ""), str) for a in actions))
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        return isinstance(view, dict) and isinstance(view.get("callback_id"), str)
    if "event" in body or kind == "event_callback":
        event = body.get("event")
        return isinstance(event, dict) and isinstance(event.get("type"), str)
    if "command" in body:
        return isinstance(body.get("command"), str)
    return True


class RefuseMisshapen(AsyncMiddleware):
    """A global middleware (it runs after bolt's signature check): a misshapen body is acknowledged with a quiet
    200, so Slack does not retry it, and goes no further. A class, not a function, because bolt builds a
    function middleware's arguments from the body (`body["actions"][0]`), which is what fails."""

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        if not well_shaped(req.body):
            log.info("Slack: a signed request of an unexpected shape was ignored")
            return BoltResponse(status=200, body="")
        return await next()
