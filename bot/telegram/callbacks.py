"""What a Telegram button carries. Telegram allows 1 to 64 bytes of `callback_data` and python-telegram-bot
does not check it, so every kind here is short by construction and `encode_*` never returns more than 64
bytes (tests try the longest input of every kind).

    v|REF|OUTCOME   vote (OUTCOME is the outcome id, or `#N`, its position, when the id is too long)
    V|REF|OUTCOME   vote whose outcome needs a reason: the bot asks for it first
    r|REF           recuse
    a|COMMAND       an `Action`: run a shared text command as the person who pressed
    A|COMMAND       the same, asking for a reason first and appending it
    k|DIGEST        an `Action` whose command is too long to carry: the command is stored under DIGEST
    K|DIGEST        the same, asking for a reason first
    n|STEP[|VALUE]  an answer in the guided `/new` conversation
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flows.returns import Origin

MAX_BYTES = 64


def fits(data: str) -> bool:
    return 1 <= len(data.encode("utf-8")) <= MAX_BYTES


@dataclass(frozen=True)
class Pressed:
    kind: str  # vote | recuse | action | stored | intake | unknown
    reference: str = ""
    value: str = ""  # outcome token, command, digest, or intake step
    extra: str = ""  # intake value
    needs_reason: bool = False


def encode_vote(reference: str, outcome_id: str, position: int, *, needs_reason: bool) -> str:
    head = "V" if needs_reason else "v"
    data = f"{head}|{reference}|{outcome_id}"
    if fits(data):
        return data
    data = f"{head}|{reference}|#{position}"
    if not fits(data):
        raise ValueError(f"reference {reference!r} is too long for a Telegram button")
    return data


def encode_recuse(reference: str) -> str:
    data = f"r|{reference}"
    if not fits(data):
        raise ValueError(f"reference {reference!r} is too long for a Telegram button")
    return data


def digest(command: str) -> str:
    return hashlib.sha256(command.encode("utf-8")).hexdigest()[:24]


def encode_action(command: str, *, needs_reason: bool) -> tuple[str, bool]:
    """The button's data, and whether the command must be stored under its digest (it did not fit)."""
    data = f"{'A' if needs_reason else 'a'}|{command}"
    if fits(data):
        return data, False
    return f"{'K' if needs_reason else 'k'}|{digest(command)}", True


def encode_intake(step: str, value: str = "") -> str:
    data = f"n|{step}|{value}" if value else f"n|{step}"
    if not fits(data):
        raise ValueError(f"intake answer {step}/{value} is too long for a Telegram button")
    return data


def decode(data: str | None) -> Pressed:
    if not data or "|" not in data:
        return Pressed("unknown")
    head, _, rest = data.partition("|")
    if head in ("v", "V"):
        reference, _, outcome = rest.partition("|")
        return Pressed("vote", reference=reference, value=outcome, needs_reason=head == "V")
    if head == "r":
        return Pressed("recuse", reference=rest)
    if head in ("a", "A"):
        return Pressed("action", value=rest, needs_reason=head == "A")
    if head in ("k", "K"):
        return Pressed("stored", value=rest, needs_reason=head == "K")
    if head == "n":
        step, _, value = rest.partition("|")
        return Pressed("intake", value=step, extra=value)
    return Pressed("unknown")


def outcome_from_token(token: str, outcome_ids: list[str]) -> str:
    """An outcome id from a vote button: the id itself, or `#N` for the Nth outcome."""
    if token.startswith("#") and token[1:].isdigit():
        index = int(token[1:])
        return outcome_ids[index] if index < len(outcome_ids) else token
    return token


def origin_of(query: Any) -> Origin:
    """Where a button was pressed: the chat and the id of the message it is under (a `CallbackQuery`)."""
    message = getattr(query, "message", None)
    chat = getattr(message, "chat", None)
    chat_id, message_id = getattr(chat, "id", None), getattr(message, "message_id", None)
    return Origin(
        "telegram", None if chat_id is None else str(chat_id), None if message_id is None else str(message_id)
    )
