"""The harness of the email link pages' tests (tests/e2e/test_email_pages_*.py): Salford's panel with an agency
and a voting member reached by email, a referral with an information request out to the police and another
with the panel, and the bot's web server (with the pages mounted) on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.email.links import Links
from bot.email.pages import add_page_routes
from bot.server import make_app
from bot.service import Actor, Panel
from flows.referrals import ReferralDraft
from storage.models import AuditEntry, Ballot, InfoRequest, OutboxMessage, Referral, Vote

OP = Actor.operator()
SECRET = "pages-test-secret-" + "k" * 30
AGENCY_MAIL = "safeguarding@police.example"
DEPUTY_MAIL = "deputy@police.example"
ADVISER_MAIL = "ada@adviser.example"
SUMMARY = "Unexplained bruising seen at school."


@dataclass
class Site:
    panel: Panel
    links: Links
    client: TestClient
    returning: str  # the referral with the police's request out
    voting: str  # the referral with the panel
    request_id: int = 0
    ballot_id: int = 0
    due: datetime = field(default_factory=datetime.now)
    closes: datetime = field(default_factory=datetime.now)

    def return_path(self, recipient: str = AGENCY_MAIL, *, expires: datetime | None = None,
                    target: int | None = None) -> str:
        token = self.links.token("return", target or self.request_id, recipient,
                                 expires or self.due + timedelta(days=14))
        return f"/email/return/{token}"

    def vote_path(self, recipient: str = ADVISER_MAIL, *, expires: datetime | None = None) -> str:
        return f"/email/vote/{self.links.token('vote', self.ballot_id, recipient, expires or self.closes)}"

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))

    async def rows(self, model: type, *where: object) -> list:
        async with self.panel.uow() as uow:
            return list((await uow.session.execute(select(model).where(*where).order_by(model.id))).scalars())

    async def request(self) -> InfoRequest:
        (row,) = await self.rows(InfoRequest, InfoRequest.id == self.request_id)
        return row

    async def audit(self, action: str) -> list[AuditEntry]:
        async with self.panel.uow() as uow:
            stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
            return list((await uow.session.execute(stmt)).scalars())

    async def votes(self) -> list[Vote]:
        return await self.rows(Vote, Vote.ballot_id == self.ballot_id)

    async def card_updates(self) -> list[OutboxMessage]:
        (referral,) = await self.rows(Referral, Referral.reference == self.voting)
        return await self.rows(OutboxMessage, OutboxMessage.kind == "card_update",
                               OutboxMessage.referral_id == referral.id)

    async def everything(self) -> tuple[int, ...]:
        """How many rows of what a press could change: to show that nothing changed."""
        counts = []
        for model in (AuditEntry, OutboxMessage, Vote):
            counts.append(len(await self.rows(model)))
        request = await self.request()
        counts.append(0 if request.returned_at is None else 1)
        return tuple(counts)


async def set_up(make_panel) -> tuple[Panel, str, str]:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    await panel.add_member(actor=OP, name="Dee Manager", role="business_manager", ids=["slack:U0BM"])
    await panel.add_member(actor=OP, name="Ada Adviser", role="independent_adviser", ids=[f"email:{ADVISER_MAIL}"])
    await panel.add_member(actor=OP, name="Cal Chair", role="chair", ids=["slack:U0CH"])
    await panel.set_channel(actor=OP, purpose="panel", platform_id="slack:C0PANEL")
    await panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"email:{AGENCY_MAIL}")
    draft = ReferralDraft(referral_type="rapid_review", referrer="Education", category="young person", letter="C",
                          summary=SUMMARY)
    returning = await panel.file_referral(actor=OP, draft=draft)
    await panel.decide_now(actor=OP, reference=returning, outcome="commence_rapid_review", reason="obvious")
    await panel.send_requests(actor=OP, reference=returning, agencies=["police", "health"])
    voting = await panel.file_referral(actor=OP, draft=draft)
    return panel, returning, voting


@contextlib.asynccontextmanager
async def site(make_panel, **server_options: object) -> AsyncIterator[Site]:  # type: ignore[no-untyped-def]
    panel, returning, voting = await set_up(make_panel)
    app = make_app(panel)
    links = Links(SECRET, "http://127.0.0.1")
    add_page_routes(app, panel, links)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(**server_options)  # the runner's options (TestServer() itself drops them)
    async with TestClient(server) as client:
        s = Site(panel, links, client, returning, voting)
        async with panel.uow() as uow:
            (request,) = [r for r in await uow.session.scalars(select(InfoRequest)) if r.agency == "police"]
            referral = await uow.referrals.by_reference(voting)
            assert referral is not None
            ballot = await uow.ballots.current(referral)
            assert ballot is not None
            deadline = await uow.deadlines.get(request.deadline_id)
            assert deadline is not None
            s.request_id, s.ballot_id, s.due, s.closes = request.id, ballot.id, deadline.due_at, ballot.deadline_at
            assert isinstance(ballot, Ballot)
        yield s


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the first form on a page (issued, nonce, key and, on the vote page, intent)."""
    import re

    form = html[html.index("<form"):html.index("</form>")]
    return dict(re.findall(r'<input type="hidden" name="([a-z]+)" value="([^"]*)">', form))
