"""Delivers outbox messages to Slack (the `Adapter` protocol of `bot.notify`).

A referral card is posted to the panel channel and its `ts` returned, so every later `card_update` edits it
in place with `chat.update`. Each update renders the card afresh from the record, one at a time per card,
so a retried or late update can never put an older state over a newer one. A decision is a short thread
reply under the card. Messages to a person (`member:ID`, or a `bm` channel set to a user id) go to their
direct message with the app. A message's files (the report's charts) are uploaded after it, in the same
place. A 429 becomes `RetryLater` with Slack's `Retry-After`, which the sender honours; a 5xx, a time-out
(`API_TIMEOUT`, set on the client) or a refused connection becomes `PlatformUnavailable`; any other failure is
raised and retried with backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.notify import Outgoing, PlatformUnavailable, RetryLater
from bot.service import Panel
from bot.slack.blocks import card_blocks, card_text, message_blocks
from bot.slack.files import upload, why

log = logging.getLogger(__name__)

GONE = ("message_not_found", "cant_update_message", "edit_window_closed")


class SlackError(Exception):
    """A Web API call failed; the message is Slack's error code (never a token or a message's text)."""


class SlackAdapter:
    platform = "slack"
    reaches_everyone = False
    target_interval = 1.0  # Slack allows about one message a second per channel; paced so after a 429 (bot/notify/)

    def __init__(self, panel: Panel, client: AsyncWebClient) -> None:
        self.panel = panel
        self.client = client
        self._dms: dict[str, str] = {}
        self._card_locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        try:
            return await self._deliver(target, message, previous_id)
        except SlackApiError as exc:
            response = exc.response
            if response.status_code == 429:
                raise RetryLater(_retry_after(response.headers), "slack: rate limited") from None
            if response.status_code >= 500:
                raise PlatformUnavailable(f"HTTP {response.status_code}") from None
            error = response.get("error") if isinstance(response.data, dict) else None
            raise SlackError(f"{error or 'HTTP ' + str(response.status_code)}") from None
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            what = "timed out" if isinstance(exc, TimeoutError) else "unreachable"
            raise PlatformUnavailable(what) from None

    async def channel_for(self, target: str) -> str:
        """A user id (U…, W…) means that person's direct message with the app."""
        if not target.startswith(("U", "W")):
            return target
        if target not in self._dms:
            opened = await self.client.conversations_open(users=target)
            self._dms[target] = opened["channel"]["id"]
        return self._dms[target]

    async def _deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        cal = self.panel.cal
        channel = await self.channel_for(target)
        if message.kind == "referral_card" and message.card is not None:
            card = message.card
            posted = await self.client.chat_postMessage(
                channel=channel,
                text=card_text(card, cal),
                blocks=card_blocks(card, cal),
                unfurl_links=False,
                unfurl_media=False,
            )
            await self._attach(channel, message, None)
            return str(posted["ts"])
        if message.kind == "card_update" and message.card is not None:
            if previous_id is None:
                log.info("no Slack card to update in %s (it was posted before the channel was set)", channel)
                return None
            async with self._card_locks[(channel, previous_id)]:
                card = message.card  # read by the Sender as the row went out: the latest state
                try:
                    await self.client.chat_update(
                        channel=channel, ts=previous_id, text=card_text(card, cal), blocks=card_blocks(card, cal)
                    )
                except SlackApiError as exc:
                    if exc.response.status_code == 200 and exc.response.get("error") in GONE:
                        log.warning(
                            "the Slack card in %s can no longer be updated (%s)", channel, exc.response["error"]
                        )
                        return None
                    raise
            return previous_id
        text, blocks = message_blocks(message, cal)
        thread = message.card_message_id if message.purpose == "panel" else None
        posted = await self.client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, thread_ts=thread, unfurl_links=False, unfurl_media=False
        )
        await self._attach(channel, message, thread)
        return str(posted["ts"])

    async def _attach(self, channel: str, message: Outgoing, thread: str | None) -> None:
        """Upload the message's files (`Outgoing.files`) after it, in the same place. The message itself is
        already posted, so a failed upload is not retried (that would post the message twice): it is logged and
        a one-line note says the files are missing."""
        if not message.files:
            return
        try:
            await upload(self.client, channel, message.files, thread_ts=thread)
        except Exception as exc:
            reason = why(exc)
            log.warning("Slack: files of a %s message to %s were not uploaded (%s)", message.kind, channel, reason)
            count = len(message.files)
            try:
                await self.client.chat_postMessage(
                    channel=channel,
                    thread_ts=thread,
                    text=f"{count} file{'s' if count != 1 else ''} meant for the message above could not be "
                    f"attached ({reason}).",
                )
            except Exception:
                log.warning("Slack: could not say that the files are missing in %s", channel)


def _retry_after(headers: object) -> float:
    value = None
    if hasattr(headers, "get"):
        value = headers.get("Retry-After") or headers.get("retry-after")  # type: ignore[union-attr]
        if isinstance(value, list):
            value = value[0] if value else None
    try:
        return max(float(value), 1.0) if value is not None else 30.0
    except (TypeError, ValueError):
        return 30.0
