"""A panel whose email goes to a real SMTP server (`smtp_fake.FakeRelay`), built as `serve()` builds the email
platform, and helpers the email tests share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from smtp_fake import FakeRelay, Received
from sqlalchemy import select

from bot.email.links import LinkClaim, Links
from bot.email.platform import EmailPlatform
from bot.notify import OutboxPump, Sender
from bot.service import Actor, Panel
from bot.settings import Settings
from flows.referrals import ReferralDraft
from storage.models import InfoRequest

OP = Actor.operator()
SECRET = "test-link-secret-" + "x" * 30
PUBLIC = "https://panel.example.org"
SUMMARY = "Injuries seen at school; the family is known to services."
LINK = re.compile(r"https://panel\.example\.org/email/(return|vote)/([A-Za-z0-9_.\-]+)")


def settings_for(relay: FakeRelay | None, **more: Any) -> Settings:
    values: dict[str, Any] = {"PANELBOT_LINK_SECRET": SECRET, "PANELBOT_PUBLIC_URL": PUBLIC,
                              "PANELBOT_SMTP_RATE": 100_000}
    if relay is not None:
        values["PANELBOT_SMTP_URL"] = relay.url
    values.update(more)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def draft(letter: str = "C") -> ReferralDraft:
    return ReferralDraft(referral_type="rapid_review", referrer="Police", category="young person", letter=letter,
                         summary=SUMMARY)


@dataclass
class MailWorld:
    panel: Panel
    relay: FakeRelay
    platform: EmailPlatform
    sender: Sender
    links: Links

    async def flush(self) -> int:
        return await self.sender.flush()

    async def request(self, agency: str = "police") -> InfoRequest:
        """The (one) information request to that agency."""
        async with self.panel.uow() as uow:
            (found,) = [r for r in await uow.session.scalars(select(InfoRequest)) if r.agency == agency]
            return found

    def claim(self, received: Received, part: str = "plain") -> tuple[str, LinkClaim]:
        """The one signed link in a message's part, read as the pages will read it."""
        found = LINK.findall(received.part(part))
        assert len(set(found)) == 1, found
        action, token = found[0]
        return action, self.links.read(action, token, self.panel.now())


async def mail_world(panel: Panel, relay: FakeRelay, **more: Any) -> MailWorld:
    settings = settings_for(relay, **more)
    platform = EmailPlatform.build(panel, settings, OutboxPump(Sender(panel, [])))
    await platform.start()
    return MailWorld(panel, relay, platform, Sender(panel, [platform.adapter]), Links(SECRET, PUBLIC))
