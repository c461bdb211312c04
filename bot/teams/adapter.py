"""Delivers outbox messages to Teams (the `Adapter` protocol of `bot.notify`).

A referral card is posted to the panel channel and its activity id returned, so every later `card_update`
replaces it in place (`PUT .../activities/{id}`). Each update renders the card afresh from the record,
one at a time per card, so a retried or late update can never put an older state over a newer one. A
decision goes into the card's thread. A message to a person (`member:ID`, whose target is their Entra
object id) goes to their 1:1 chat with the bot, opened the first time it is needed.

A 429 from the Bot Connector becomes `RetryLater` with its `Retry-After`, which the sender honours; a 5xx,
a time-out or a refused connection becomes `PlatformUnavailable` (the sender stops calling Teams for the
rest of that flush); any other failure is raised and retried with backoff. Nothing is posted twice: a failed
POST is simply not recorded as delivered, and the sender retries only the targets that failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from aiohttp import ClientConnectionError, ClientResponseError
from microsoft_agents.activity import Activity, ActivityTypes, Attachment

from bot.notify import Outgoing, PlatformUnavailable, RetryLater
from bot.service import Panel
from bot.teams import cards as c
from bot.teams.handlers import cards_activity
from bot.teams.proactive import Outbound

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 30.0


class TeamsError(Exception):
    """A Bot Connector call failed; the message is the HTTP status (never a token or a message's text)."""


def card_activity(content: dict[str, Any], summary: str) -> Activity:
    return cards_activity([content], summary)  # never an empty summary, which the SDK refuses


class TeamsAdapter:
    platform = "teams"
    reaches_everyone = False
    target_interval = 0.0

    def __init__(self, panel: Panel, outbound: Outbound) -> None:
        self.panel = panel
        self.outbound = outbound
        self._card_locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        try:
            return await self._deliver(target, message, previous_id)
        except ClientResponseError as exc:
            if exc.status == 429:
                raise RetryLater(retry_after(exc.headers), "teams: rate limited") from None
            if exc.status >= 500:
                raise PlatformUnavailable(f"HTTP {exc.status}") from None
            raise TeamsError(f"HTTP {exc.status}") from None
        except (ClientConnectionError, TimeoutError) as exc:
            what = "timed out" if isinstance(exc, TimeoutError) else "unreachable"
            raise PlatformUnavailable(what) from None

    async def _deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        cal = self.panel.cal
        if message.kind == "referral_card" and message.card is not None:
            activity = card_activity(c.referral_card(message.card, cal), c.referral_summary(message.card, cal))
            return await self.outbound.send(target, activity)
        if message.kind == "card_update" and message.card is not None:
            if previous_id is None:
                log.info("no Teams card to update in %s (it was posted before the channel was set)", target)
                return None
            async with self._card_locks[(target, previous_id)]:
                view = message.card  # read by the Sender as the row went out: the latest state
                activity = card_activity(c.referral_card(view, cal), c.referral_summary(view, cal))
                try:
                    await self.outbound.update(target, previous_id, activity)
                except ClientResponseError as exc:
                    if exc.status == 404:
                        log.warning("the Teams card in %s can no longer be updated (it was deleted)", target)
                        return None
                    raise
            return previous_id
        activity = card_activity(c.message_card(message, cal), c.message_summary(message, cal))
        thread = message.card_message_id if message.purpose == "panel" else None
        sent = await self.outbound.send(target, activity, thread=thread)
        # Files (a report's charts) follow, one image per message. The message itself is delivered by now, so
        # a chart Teams refuses is logged, never retried: a retry would post the message twice.
        for image in c.image_attachments(getattr(message, "files", ())):
            try:
                await self.outbound.send(
                    target, Activity(type=ActivityTypes.message, attachments=[Attachment(**image)]), thread=thread
                )
            except Exception as exc:
                log.warning("Teams did not take the file %s: %s", image["name"], type(exc).__name__)
        return sent


def retry_after(headers: Any) -> float:
    """Seconds from a `Retry-After` header (seconds or an HTTP date); 30 when absent or unreadable."""
    value = headers.get("Retry-After") if headers is not None and hasattr(headers, "get") else None
    if value is None:
        return DEFAULT_RETRY_AFTER
    try:
        return max(float(value), 1.0)
    except (TypeError, ValueError):
        pass
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return max((when - datetime.now(UTC)).total_seconds(), 1.0)
