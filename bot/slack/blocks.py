"""Shared views as Block Kit, built with `slack_sdk.models.blocks` (which checks Slack's limits).

The words come from `flows.views` and `bot.commands`; this module only changes their format. Everything
that goes into a `mrkdwn` field is escaped first, so text a person typed (a referrer, a reason, a member's
name) can never ping `@channel`/`@here`, mention someone, or link a channel, and it is cut to fit the limits:
3,000 characters per section, 75 per button, 50 blocks per message, 25 elements per actions block.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.commands import COMMANDS, Reply
from bot.notify import Action, Outgoing
from flows.calendar import WorkingCalendar
from flows.views import CardView, card_lines, decision_lines, reasons_lines

SECTION_MAX = 3000
BUTTON_MAX = 75
BLOCKS_MAX = 50
ACTIONS_MAX = 25
FALLBACK_MAX = 3000  # the notification text of a message; Slack allows more, nobody reads more

# action ids: the card's buttons, the buttons that run a shared command, App Home's "File a referral"
VOTE = "vote:"  # + outcome id; value: the reference
RECUSE = "recuse"
RUN = "run:"  # + index; value: {"c": command, "r": needs_reason, "l": label}
HOME_NEW = "home_new"

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_WORD_JOINER = "\u2060"


def escape(text: str) -> str:
    """Make text safe for a mrkdwn field: `&`, `<` and `>` are escaped (so `<!channel>`, `<@U123>` and
    `<#C1>` become plain text) and every `@` is followed by an invisible word joiner, so `@here` and
    `@channel` stay words even if a client links names."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("@", "@" + _WORD_JOINER)


def cut(text: str, limit: int) -> str:
    """Text of at most `limit` characters, ending in an ellipsis when cut (never inside an `&amp;`)."""
    if len(text) <= limit:
        return text
    head = re.sub(r"&[a-z]{0,4}$", "", text[: limit - 1])
    return head + "…"


def mrkdwn(line: str) -> str:
    """A line of shared wording as Slack mrkdwn: escaped, and `**bold**` made `*bold*`."""
    return _BOLD.sub(r"*\1*", escape(line))


def plain(line: str) -> str:
    """A line of shared wording as the plain fallback text of a message (notifications, screen readers)."""
    return escape(_BOLD.sub(r"\1", line))


def sections(lines: Iterable[str]) -> list[SectionBlock]:
    """Lines of shared wording as as few mrkdwn sections as fit in 3,000 characters each."""
    out: list[SectionBlock] = []
    chunk = ""
    for line in lines:
        text = cut(mrkdwn(line), SECTION_MAX)
        if chunk and len(chunk) + 1 + len(text) > SECTION_MAX:
            out.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
            chunk = ""
        chunk = f"{chunk}\n{text}" if chunk else text
    if chunk:
        out.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    return out


def button(label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=cut(label, BUTTON_MAX), emoji=False),
        action_id=action_id[:255],
        value=value,
        style=style if style in ("primary", "danger") else None,
    )


def actions_blocks(buttons: Sequence[ButtonElement], block_id: str) -> list[ActionsBlock]:
    """Buttons in rows of at most 25 (Slack's limit per actions block)."""
    return [
        ActionsBlock(block_id=f"{block_id}:{i}", elements=list(buttons[i : i + ACTIONS_MAX]))
        for i in range(0, len(buttons), ACTIONS_MAX)
    ]


def capped(blocks: list[Block], limit: int = BLOCKS_MAX) -> list[dict]:
    """Blocks as dicts (validated by slack_sdk), at most `limit`; the last one says what was left out."""
    if len(blocks) > limit:
        left = len(blocks) - (limit - 1)
        blocks = blocks[: limit - 1] + [
            ContextBlock(elements=[MarkdownTextObject(text=f"{left} more not shown: use `/panel status`.")])
        ]
    return [b.to_dict() for b in blocks]


def fallback(lines: Iterable[str]) -> str:
    return cut("\n".join(plain(line) for line in lines), FALLBACK_MAX)


# The referral card ------------------------------------------------------------------------------------


def card_blocks(card: CardView, cal: WorkingCalendar, *, buttons: bool = True) -> list[dict]:
    """The referral card: the shared wording, then one button per outcome and Recuse while voting is open."""
    lines = card_lines(card, cal)
    blocks: list[Block] = [*sections(lines[:1]), *sections(lines[1:])]
    if card.open and buttons:
        # Every outcome looks the same: no colour nudges a vote.
        row = [button(label, f"{VOTE}{oid}", card.reference) for oid, label in card.outcomes]
        row.append(button("Recuse", RECUSE, card.reference))
        blocks += actions_blocks(row, f"card:{card.reference}")
    return capped(blocks)


def card_text(card: CardView, cal: WorkingCalendar) -> str:
    lines = card_lines(card, cal)
    keep = [lines[0]] + [line for line in lines[1:] if line.startswith(("Panel decision due", "**"))]
    return fallback(keep)


# Any other message --------------------------------------------------------------------------------------


def action_buttons(actions: Sequence[Action], block_id: str) -> list[ActionsBlock]:
    row = [
        button(
            a.label + ("…" if a.needs_reason else ""),
            f"{RUN}{i}",
            json.dumps({"c": a.command, "r": a.needs_reason, "l": a.label[:200]}),
            a.style,
        )
        for i, a in enumerate(actions)
    ]
    return actions_blocks(row, block_id)


def message_lines(message: Outgoing, cal: WorkingCalendar) -> list[str]:
    """The words of a message that is not the card itself: a decision, an escalation, a notice, or a kind
    this adapter does not know yet (shown as a notice: its headline, its text and its buttons)."""
    if message.kind == "decision" and message.card is not None:
        return decision_lines(message.card, cal)
    lines = []
    if message.headline:
        lines.append(f"**{message.headline}**")
    if message.text:
        lines += [for_slack(line) for line in message.text.split("\n")]
    if message.kind == "escalation" and message.card is not None:
        lines += reasons_lines(message.card)
    if not lines and message.card is not None:
        lines = card_lines(message.card, cal)
    return lines or ["(no text)"]


def message_blocks(message: Outgoing, cal: WorkingCalendar) -> tuple[str, list[dict]]:
    lines = message_lines(message, cal)
    blocks: list[Block] = [*sections(lines)]
    if message.actions:
        blocks += action_buttons(message.actions, f"actions:{message.kind}")
    return fallback(lines), capped(blocks)


def reply_blocks(reply: Reply, cal: WorkingCalendar) -> tuple[str, list[dict]]:
    """A shared command's reply, shown privately to the person who typed `/panel ...`."""
    lines = [for_slack(line) for line in reply.lines]
    blocks: list[Block] = [*sections(lines)]
    text_lines = list(lines)
    if reply.card is not None:
        card = card_blocks(reply.card, cal)
        text_lines.append(card_lines(reply.card, cal)[0])
        return fallback(text_lines), capped(blocks) + card
    return fallback(text_lines or [""]), capped(blocks)


_COMMAND_IN_CODE = re.compile(r"`(?=(?:" + "|".join(re.escape(name) for name in COMMANDS) + r")\b)")


def for_slack(line: str) -> str:
    """Shared wording names the shared commands as typed in the terminal (`help`, `vote REF OUTCOME`); in
    Slack they are typed after `/panel`."""
    return _COMMAND_IN_CODE.sub("`/panel ", line)


def text_blocks(lines: Sequence[str]) -> tuple[str, list[dict]]:
    return fallback(lines), capped([*sections(lines)])
