"""Email as a `bot.platforms.Platform`. It only delivers (`delivery_only`): nobody types commands to it; its
inbound side is the pages its signed links open (docs/email-pages.md).

On when PANELBOT_SMTP_URL is set (a relay), or, with no relay, when the record holds an address (`in_use`: any
member or channel with an `email:` id): then mail is written as .eml files to PANELBOT_EMAIL_DIR (by default the
files folder's `email`), and the start says where."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.email.adapter import EmailAdapter
from bot.email.address import check_address
from bot.email.compose import Composer
from bot.email.setup import links_for, transport_for
from bot.email.transport import EmlTransport, SmtpTransport
from bot.notify import Adapter, OutboxPump
from bot.service import Panel
from bot.settings import Settings

log = logging.getLogger("panelbot")


class EmailPlatform:
    name = "email"
    delivery_only = True

    def __init__(self, adapter: EmailAdapter, transport: SmtpTransport | EmlTransport) -> None:
        self._adapter = adapter
        self.transport = transport

    @staticmethod
    def enabled(settings: Settings) -> bool:
        return settings.email.smtp_url is not None

    @staticmethod
    def check_id(external_id: str) -> str:
        return check_address(external_id)

    @staticmethod
    async def in_use(panel: Panel) -> bool:
        """Whether any current member or any channel has an email address."""
        async with panel.uow() as uow:
            if any(c.platform == "email" for c in await uow.channels.all()):
                return True
            active = {m.id for m in await uow.members.active()}
            return any(i.platform == "email" and i.member_id in active for i in await uow.members.identities())

    @classmethod
    def build(cls, panel: Panel, settings: Settings, pump: OutboxPump) -> EmailPlatform:
        transport = transport_for(settings)
        composer = Composer(panel, links_for(settings), settings.email.link_grace_days)
        return cls(EmailAdapter(panel, transport, composer, settings.email.email_from), transport)

    @property
    def adapter(self) -> Adapter:
        return self._adapter

    def add_routes(self, app: web.Application) -> None:
        """None: email's inbound side, its link pages (GET and POST /email/return/TOKEN, /email/vote/TOKEN:
        docs/email-pages.md), is mounted by `bot.app.serve` on every bot, email switched on or not, so that a link
        already sent keeps working; sending needs no route."""

    async def start(self) -> None:
        if isinstance(self.transport, EmlTransport):
            log.info("email: no relay is set (PANELBOT_SMTP_URL), so each email is written as a .eml file to %s",
                     self.transport.where)
        else:
            log.info("email: sending through %s, at most %s a minute", self.transport.where,
                     round(60 / self.transport.interval))

    async def stop_intake(self) -> None:
        return None

    async def stop(self, grace: float) -> None:
        await self.transport.close()
