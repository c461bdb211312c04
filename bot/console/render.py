"""Shared views as rich renderables. `**bold**` in the shared wording becomes rich bold."""

from __future__ import annotations

import re

from rich.console import Group
from rich.panel import Panel as RichPanel
from rich.text import Text

from flows.calendar import WorkingCalendar
from flows.views import CardView, card_lines

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def styled(line: str) -> Text:
    """A line of shared wording as rich Text: `**x**` is bold, `` `cmd` `` is cyan; nothing else is markup,
    so text a user typed can never inject rich markup."""
    text = Text()
    pos = 0
    for match in re.finditer(r"\*\*(.+?)\*\*|`([^`]+)`", line):
        text.append(line[pos : match.start()])
        if match.group(1) is not None:
            text.append(match.group(1), style="bold")
        else:
            text.append(match.group(2), style="cyan")
        pos = match.end()
    text.append(line[pos:])
    return text


def card_panel(card: CardView, cal: WorkingCalendar, title: str = "Panel channel") -> RichPanel:
    lines = card_lines(card, cal)
    body = [styled(line) for line in lines[1:]]
    if card.open:
        buttons = "  ".join(f"[{label}]" for _, label in card.outcomes) + "  [Recuse]"
        body.append(Text(buttons, style="green"))
        ids = ", ".join(oid for oid, _ in card.outcomes)
        body.append(Text(f"To vote here: vote {card.reference} OUTCOME [reason]   (outcomes: {ids})", style="dim"))
    border = "green" if card.open else ("yellow" if card.status == "escalated" else "blue")
    return RichPanel(
        Group(*body),
        title=styled(lines[0]),
        title_align="left",
        subtitle=title,
        subtitle_align="right",
        border_style=border,
    )
