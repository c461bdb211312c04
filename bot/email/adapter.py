"""Delivers outbox messages by email: each one is written whole (`compose`) for the address it goes to and handed
to the transport (a relay or the .eml folder). One outbox row is one message per address, with the same
Message-ID every time it is sent (`compose.message_id`), so a restart or a retry sends the same message.

Like every adapter it only formats what it is handed: the Sender has already read the card and what the
message is about (`Outgoing.about`, asked for by `wants_about`)."""

from __future__ import annotations

from typing import Any

from bot.email.compose import Composer, message_id, render
from bot.email.transport import EmlTransport, SmtpTransport
from bot.notify import Outgoing


class EmailAdapter:
    platform = "email"
    reaches_everyone = False
    target_interval = 0.0  # the relay's pace is kept by the transport, for every address at once
    wants_about = True  # the reference for the subject line, the request or ballot a link is bound to
    panel_by_member = True  # no panel room: the panel's messages go to each member with an address

    def __init__(self, panel: Any, transport: SmtpTransport | EmlTransport, composer: Composer, sender: str) -> None:
        self.panel = panel
        self.transport = transport
        self.composer = composer
        self.sender = sender
        self.domain = sender.partition("@")[2] or "localhost"

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        self.composer.panel = self.panel  # the panel as the caller hands it (the contract test narrows it)
        letter = self.composer.letter(message, target)
        if letter is None:
            return None
        msgid = None
        if message.row_id is not None:
            msgid = message_id(self.panel.partnership_id, message.row_id, target, self.domain)
        mail = render(letter, sender=self.sender, recipient=target, msgid=msgid, date=self.panel.now())
        await self.transport.send(mail, target)
        return str(mail["Message-ID"])
