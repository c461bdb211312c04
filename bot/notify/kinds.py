"""What the outbox hands an adapter and what an adapter may answer: the message (`Outgoing`, its `Action`
buttons, the `OUTBOX_KINDS`), the `Adapter` protocol a platform implements, the failures it raises
(`RetryLater`, `PlatformUnavailable`) and how a failure is described and retried (`describe`, `backoff`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import aiohttp

from flows.views import CardView
from storage.models import OutboxMessage

MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Action:
    """A button under a message. Pressing it runs a shared text command (`bot/commands/`) as the person
    who pressed it, e.g. `decide SAL-2026-001 commence_rapid_review`. With `needs_reason` the platform first
    asks for a reason (a modal, a reply) and appends it to the command."""

    label: str
    command: str
    needs_reason: bool = False
    style: str = "default"  # primary | danger | default


# Every kind of message the service queues (the outbox's `kind`). An adapter shows a kind it does not know
# as a notice, but each platform is checked against all of these (tests/test_platform_contract.py).
OUTBOX_KINDS = ("referral_card", "card_update", "decision", "escalation", "notice", "request", "reminder")


@dataclass(frozen=True)
class Outgoing:
    """What an adapter is asked to show. `card` for referral cards and decisions; `text` for notices.
    Adapters render a kind they do not know as a plain notice (`text`, with its `actions` as buttons), so
    new kinds of message work on every platform at once."""

    kind: str  # referral_card | card_update | decision | escalation | notice (and more as issues land)
    purpose: str  # panel | bm | agency:NAME | member:ID
    card: CardView | None = None
    text: str | None = None
    headline: str | None = None
    actions: tuple[Action, ...] = ()
    # For a message about a referral whose card was posted to this same target: the card's message id, so
    # a platform can answer in the card's thread (Slack: a decision is a thread reply under its card).
    card_message_id: str | None = None
    # Files to attach, (file name, bytes), e.g. the report's PNG charts. A platform that can upload files
    # (Slack files_upload_v2, Telegram send_photo, a Teams attachment) posts them with the message.
    files: tuple[tuple[str, bytes], ...] = ()


class Adapter(Protocol):
    """A platform. `deliver` posts (or, given `previous_id`, updates) a message and returns its id."""

    platform: str
    reaches_everyone: bool  # the terminal: one screen shows every channel and every person
    # Seconds between two new messages to one target once the platform has said 429 lately (0: not paced).
    target_interval: float

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None: ...


def agency_of(row: OutboxMessage) -> str | None:
    """The agency whose Mark as returned button a message to its channel carries, or None."""
    purpose = row.purpose.split(":")
    if len(purpose) < 2 or purpose[0] != "agency":
        return None
    for action in row.body.get("actions") or []:
        words = str(action.get("command", "")).split() if isinstance(action, dict) else []
        if len(words) == 3 and words[0] == "returned" and words[2] == purpose[1]:
            return purpose[1]
    return None


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=10 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class RetryLater(Exception):
    """Raised by an adapter when the platform asks it to wait (flood control: Telegram's RetryAfter, a 429
    with Retry-After). The sender tries the row again after `retry_after` seconds, not before."""

    def __init__(self, retry_after: float, detail: str = "") -> None:
        self.retry_after = float(retry_after)
        super().__init__(detail or f"the platform asked to retry after {self.retry_after:g} s")


class PlatformUnavailable(Exception):
    """Raised by an adapter when the platform itself is not working (a server error, a time-out, a refused
    connection), as opposed to refusing one message. The sender stops calling that platform for the rest of
    the flush. The message is a short description ("HTTP 503", "timed out", "unreachable"), never a token or
    a message's text."""


# Failures that say the platform (or the way to it) is down, whichever adapter raised them.
DOWN = (PlatformUnavailable, TimeoutError, OSError, aiohttp.ClientConnectionError)


def describe(exc: BaseException) -> str:
    """A failure as stored in `last_error` and shown by `panelbot outbox list`: our own exceptions' short
    messages (a platform's error code, an HTTP status), else only the exception's class, because a library's
    message can hold a URL with a token in it."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, RetryLater):
        return "RetryLater"  # when it is tried again is the row's next attempt
    if isinstance(exc, PlatformUnavailable):
        return str(exc) or "unavailable"  # "HTTP 503", "timed out", "unreachable"
    own = type(exc).__module__.startswith("bot.")
    return f"{type(exc).__name__}: {exc}" if own and str(exc) else type(exc).__name__
