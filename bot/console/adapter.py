"""Delivers outbox messages to the terminal. One screen stands for every channel and every person, so each
message says where it would have gone."""

from __future__ import annotations

from rich.console import Console

from bot.console.render import card_panel, styled
from bot.notify import Outgoing
from bot.service import Panel
from flows.views import practice_mark, reasons_lines


class ConsoleAdapter:
    platform = "console"
    reaches_everyone = True
    target_interval = 0.0

    def __init__(self, panel: Panel, console: Console) -> None:
        self.panel = panel
        self.console = console
        self._sent = 0

    async def _where(self, purpose: str) -> str:
        if purpose == "panel":
            return "Panel channel"
        if purpose == "bm":
            return "To the business manager"
        if purpose.startswith("agency:"):
            agency, _, lead = purpose.partition(":")[2].partition(":")
            labels = {a.id: a.label for a in self.panel.preset.agencies}
            name = labels.get(agency, agency.replace("_", " "))
            return f"To the {name} safeguarding lead" if lead else f"To {name}"
        return purpose

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        where = f"Privately to {message.recipient}" if message.recipient else await self._where(message.purpose)
        self._sent += 1
        card = message.card
        if message.kind in ("referral_card", "card_update") and card is not None:
            title = where if message.kind == "referral_card" else f"{where} · card updated"
            self.console.print(card_panel(card, self.panel.cal, title=title))
            return f"console-{self._sent}"
        if message.kind == "decision" and card is not None:
            if message.purpose != "panel":
                return None  # the terminal already shows the panel's copy; one is enough on one screen
            text = f"{practice_mark(card.practice)}{card.reference} · {card.subject}: **{card.result_text}**"
            if card.decided_by:
                text += f" (by {card.decided_by})"
            self.console.print(styled(f"  ↳ {where}, thread reply: {text}"))
            for step in card.next_steps:
                self.console.print(styled(f"      {step}"))
            return None
        self.console.print(styled(f"  ✉ {where}: {message.text or message.headline or ''}"))
        if message.kind == "escalation" and card is not None:  # whoever must decide reads every vote's reason
            for line in reasons_lines(card):
                self.console.print(styled(f"      {line}"))
        for action in message.actions:
            reason = " REASON" if action.needs_reason else ""
            self.console.print(styled(f"      [{action.label}]  type `{action.command}{reason}`"), style="green")
        return None
