"""What the outbox hands an adapter and what an adapter may answer: the message (`Outgoing`, its `Action`
buttons, the `OUTBOX_KINDS`), the `Adapter` protocol a platform implements, the failures it raises
(`RetryLater`, `PlatformUnavailable`) and how a failure is described and retried (`describe`, `backoff`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
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
class About:
    """What a message is about, looked up once by the Sender for adapters that write each message whole and
    ask for it (`wants_about`: email, for its subject line and its signed links). Never free text: the
    reference, the anonymised subject, and the ids and times a link is bound to."""

    reference: str | None = None
    subject: str | None = None  # anonymised: "Young Person C"
    agency: str | None = None  # the agency an information request is to (its id)
    request_id: int | None = None  # that request: a "return" link
    due_at: datetime | None = None  # when it, or the deadline the message is about, is due
    label: str | None = None  # that deadline's name: "Local authority notification to the National Panel"
    ballot_id: int | None = None  # the open ballot: a "vote" link
    closes_at: datetime | None = None  # when that ballot closes


@dataclass(frozen=True)
class Outgoing:
    """What an adapter is asked to show, rendered once for every platform: the Sender reads the card as it is
    when the row is delivered and hands the same view to each adapter, which only formats it (no adapter reads
    the service while delivering). `card` for referral cards and decisions; `text` for notices.
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
    # For a message to one member (`member:ID`): who they are, "Alex (Chair)", for a platform that shows it.
    recipient: str | None = None
    # The outbox row it comes from: a platform that must not deliver one message twice derives a stable id
    # from it (email's Message-ID).
    row_id: int | None = None
    # For adapters that ask (`wants_about`): what the message is about (`About`).
    about: About | None = None


class Adapter(Protocol):
    """A platform. `deliver` posts (or, given `previous_id`, updates) a message and returns its id."""

    platform: str
    reaches_everyone: bool  # the terminal: one screen shows every channel and every person
    # Seconds between two new messages to one target once the platform has said 429 lately (0: not paced).
    target_interval: float
    # Optional, read with getattr (default False):
    # `wants_about`: hand it `Outgoing.about` (one more read per message, so only for adapters that use it);
    # `panel_by_member`: it has no panel room, so the panel's messages go to each current member's own
    # account on it (email: every member with an address gets the new referral, the decision...).

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


class Refused(Exception):
    """Raised by an adapter when the platform refuses one target for good (an SMTP 5xx: the address does not
    exist, the mailbox refuses mail). The sender does not try that target again: it is kept in the row's
    `refused` list, the row is marked failed once its other targets are done, and the business manager is told
    which address failed and for what kind of message (never the text). The message is a short description
    ("SMTP 550"), never an address's mail server's own words."""


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
    if isinstance(exc, (PlatformUnavailable, Refused)):
        return str(exc) or "unavailable"  # "HTTP 503", "timed out", "unreachable"
    own = type(exc).__module__.startswith("bot.")
    return f"{type(exc).__name__}: {exc}" if own and str(exc) else type(exc).__name__
