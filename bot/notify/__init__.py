"""The one fan-out for every platform: deliver outbox rows to the adapters that are running.

A command writes an outbox row in its own transaction. The sender here claims due rows in a short
transaction, delivers them with no transaction open, then records each target it reached, so that a retry
never repeats a delivery that already succeeded. Failed deliveries are retried with backoff.

A platform that is down cannot hold the bot up: every delivery has a time limit (`DELIVERY_TIMEOUT`), and once
a platform has timed out, refused the connection or answered with a server error, the rest of that flush
does not call it again (its rows wait for their backoff like any failure), so one dead platform costs one
time-out per flush, not one per message, and the other platforms' messages still go out.

The guarantee is at-least-once at the platform's edge: a message the platform accepted just before the bot
died (or whose answer was lost or came after the time limit) is sent again on the retry. Everything the bot
itself records happens once.

The package, from the bottom up:

- `kinds`: what an adapter is handed and may raise (`Outgoing`, `Action`, `About`, `OUTBOX_KINDS`, the
  `Adapter` protocol, `RetryLater`, `PlatformUnavailable`, `Refused`, `describe`, `backoff`, `agency_of`);
- `about`: what a message is about (`About`), for adapters that ask; `refused`: telling the business manager
  of a target refused for good;
- `targets`: where a purpose's messages go, and the records of where they went;
- `sender`: the `Sender` (claim, deliver, record; flood control per target);
- `pump`: the `OutboxPump` that runs the sender in the background when a command queued something;
- `summary`: what waits (`panelbot outbox list`, /healthz) and `retry_now`.

Everything is imported from `bot.notify`. Each setting (`LEASE`, `STUCK_AFTER`, ...) lives in, and is read
from, the module that uses it: a test that changes one patches that module (`bot.notify.sender.LEASE`).
All of the package logs on the one logger "bot.notify".
"""

from bot.notify.kinds import (
    DOWN,
    MAX_BACKOFF,
    OUTBOX_KINDS,
    About,
    Action,
    Adapter,
    Outgoing,
    PlatformUnavailable,
    Refused,
    RetryLater,
    agency_of,
    backoff,
    describe,
)
from bot.notify.pump import REPLY_FIRST, WAKE_WITHIN, OutboxPump, replying_first
from bot.notify.sender import DELIVERY_TIMEOUT, LEASE, RATE_LIMITED_FOR, Sender
from bot.notify.summary import (
    STUCK_AFTER,
    Failed,
    Waiting,
    _aware,
    failed_messages,
    outbox_summary,
    retry_now,
    waiting_messages,
)

__all__ = [
    "DELIVERY_TIMEOUT",
    "DOWN",
    "LEASE",
    "MAX_BACKOFF",
    "OUTBOX_KINDS",
    "RATE_LIMITED_FOR",
    "STUCK_AFTER",
    "WAKE_WITHIN",
    "About",
    "Action",
    "Failed",
    "Adapter",
    "OutboxPump",
    "REPLY_FIRST",
    "replying_first",
    "Outgoing",
    "PlatformUnavailable",
    "Refused",
    "RetryLater",
    "Sender",
    "Waiting",
    "_aware",  # bot/metrics.py: the outbox's times as UTC
    "agency_of",
    "backoff",
    "describe",
    "failed_messages",
    "outbox_summary",
    "retry_now",
    "waiting_messages",
]
