"""Issue 17, point 2, on every platform: a return is marked made only by the agency it belongs to (the Mark
as returned button on the request the bot delivered to that agency's channel, or a contact the business
manager registered) or by the business manager.

One test, run over the console and the Slack, Telegram and Teams fakes (each the real SDK over real HTTP on
127.0.0.1): a stranger typing `returned REF police` is refused and nothing changes; the real request's button
pressed from another chat (the message's own id, sent from the stranger's direct chat) is refused and
nothing changes; the same button pressed in the agency's channel by someone in it, who is neither on the
panel nor a registered contact, records the return, and the audit entry names that channel. The terminal
has no chats and no buttons: there a panel member who is not the agency's contact is refused, and the
business manager records it.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.service import Actor, Panel
from flows.referrals import ReferralDraft
from storage.models import AuditEntry, Deadline, InfoRequest, OutboxMessage

HERE = Path(__file__).parent
for _folder in ("slack", "telegram", "teams"):  # the platform fakes live beside their own tests
    if str(HERE / _folder) not in sys.path:
        sys.path.insert(0, str(HERE / _folder))

import fake_bot_api  # noqa: E402
import slack_fake  # noqa: E402
import teams_fake  # noqa: E402
import telegram_harness  # noqa: E402
from test_console import terminal  # noqa: E402

OP = Actor.operator()
THANKS = "Thank you: Greater Manchester Police's return for {ref} is recorded. No more reminders."
REFUSED = "Only Greater Manchester Police (its button in its own channel, or a contact the business manager registered)"


class Side:
    """One platform: set up, the request as delivered, a person typing, a person pressing its button."""

    agency_chat: str  # as stored: the channel the agency's messages go to
    presses = True

    panel: Panel

    async def start(self, make_panel: Any, engine: Any, clock: Any) -> None: ...
    async def flush(self) -> None: ...
    async def request(self) -> Any: ...
    async def stranger_types(self, text: str) -> str: ...
    async def stranger_presses_elsewhere(self, message: Any) -> str: ...
    async def agency_presses(self, message: Any) -> str: ...
    async def close(self) -> None: ...


class SlackSide(Side):
    agency_chat = "C0POLICE"

    async def start(self, make_panel: Any, engine: Any, clock: Any) -> None:
        self.fake = slack_fake.FakeSlack()
        await self.fake.start()
        self.h = await slack_fake.Harness(await make_panel("salford"), self.fake).start()
        self.panel = self.h.panel
        await self.h.member("Bea", "business_manager", "U0BM")
        await self.panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"slack:{self.agency_chat}")

    async def flush(self) -> None:
        await self.h.flush()

    async def request(self) -> Any:
        (message,) = [m for m in self.fake.in_channel(self.agency_chat) if "Information request" in m.shown]
        return message

    async def stranger_types(self, text: str) -> str:
        await self.h.slash("U0STRANGER", text, channel="D0STRANGER")
        return self.h.said_to("U0STRANGER")

    async def stranger_presses_elsewhere(self, message: Any) -> str:
        payload = self.h.press_payload("U0STRANGER", message, "Mark as returned")
        payload["container"]["channel_id"] = payload["channel"]["id"] = "D0STRANGER"
        assert await self.h.interaction(payload) == 200
        return self.h.said_to("U0STRANGER")

    async def agency_presses(self, message: Any) -> str:
        assert await self.h.press("U0SGT", message, "Mark as returned") == 200
        return self.h.said_to("U0SGT")

    async def close(self) -> None:
        await self.h.close()
        await self.fake.stop()


class TelegramSide(Side):
    agency_chat = "-100900"
    STRANGER = {"id": 1666, "is_bot": False, "first_name": "Mallory", "language_code": "en-GB"}
    OFFICER = {"id": 4242, "is_bot": False, "first_name": "Olu", "language_code": "en-GB"}

    async def start(self, make_panel: Any, engine: Any, clock: Any) -> None:
        self.api = fake_bot_api.FakeBotAPI()
        await self.api.start()
        self.tg = telegram_harness.Harness(await make_panel("salford"), self.api, "webhook")
        await self.tg.start()
        self.panel = self.tg.panel
        self.api.group(int(self.agency_chat), "Greater Manchester Police safeguarding")
        await self.panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"telegram:{self.agency_chat}")

    async def flush(self) -> None:
        await self.tg.sender.flush()

    async def request(self) -> Any:
        return await self.api.wait_for(lambda: self.api.said(int(self.agency_chat), "Information request for"))

    async def stranger_types(self, text: str) -> str:
        (reply,) = await self.tg.say(self.api.private(self.STRANGER), self.STRANGER, f"/{text}")
        return str(reply["text"])

    async def stranger_presses_elsewhere(self, message: Any) -> str:
        forged = copy.deepcopy(message)
        forged["chat"] = self.api.private(self.STRANGER)  # the request's message id, from their own chat
        return str((await self.tg.press(forged, self.STRANGER, "Mark as returned"))["text"])

    async def agency_presses(self, message: Any) -> str:
        return str((await self.tg.press(message, self.OFFICER, "Mark as returned"))["text"])

    async def close(self) -> None:
        await self.tg.stop()
        await self.api.stop()


class TeamsSide(Side):
    agency_chat = teams_fake.AGENCY_CHAT
    BEA = teams_fake.person("Bea")
    DEAN = teams_fake.person("Dean")  # in the police's chat; not on the panel, not a registered contact
    MALLORY = teams_fake.person("Mallory")

    async def start(self, make_panel: Any, engine: Any, clock: Any) -> None:
        self.connector = teams_fake.FakeConnector()
        await self.connector.start()
        self.h = await teams_fake.Harness(await make_panel("salford"), self.connector).start()
        self.panel = self.h.panel
        await self.h.member("Bea", "business_manager", self.BEA)
        self.connector.join(self.agency_chat, self.BEA, self.DEAN)
        said = (await self.h.say(self.BEA, "setup agency:police", where="groupChat"))[0]
        assert "Panelbot will send the messages for police here" in said.shown

    async def flush(self) -> None:
        await self.h.flush()

    async def request(self) -> Any:
        (message,) = [m for m in self.connector.in_conversation(self.agency_chat) if "Information request" in m.shown]
        return message

    async def stranger_types(self, text: str) -> str:
        return " ".join(m.shown for m in await self.h.say(self.MALLORY, text, where="personal"))

    async def stranger_presses_elsewhere(self, message: Any) -> str:
        activity = self.h.invoke_activity(self.MALLORY, message, "Mark as returned")
        activity["conversation"] = {
            "id": self.h.personal_chat(self.MALLORY), "conversationType": "personal", "tenantId": teams_fake.TENANT
        }
        status, body = await self.h.post(activity)
        assert status == 200, (status, body)
        return teams_fake.response_text(body)

    async def agency_presses(self, message: Any) -> str:
        return teams_fake.response_text(await self.h.press(self.DEAN, message, "Mark as returned"))

    async def close(self) -> None:
        await self.h.close()
        await self.connector.stop()


class ConsoleSide(Side):
    """The terminal: one screen, no chats, no buttons (a message's button is shown as the line to type)."""

    presses = False

    async def start(self, make_panel: Any, engine: Any, clock: Any) -> None:
        self.term = await terminal(engine, clock)
        self.panel = self.term.panel
        await self.panel.add_member(actor=OP, name="Dee Manager", role="business_manager")
        await self.panel.add_member(actor=OP, name="Pol Officer", role="police")  # on the panel; not a contact

    async def flush(self) -> None:
        await self.term.session.sender.flush()

    async def stranger_types(self, text: str) -> str:
        await self.term.type("as Pol Officer")
        return await self.term.type(text)

    async def bm_types(self, text: str) -> str:
        await self.term.type("as Dee Manager")
        return await self.term.type(text)


SIDES = {"console": ConsoleSide, "slack": SlackSide, "telegram": TelegramSide, "teams": TeamsSide}


async def _requested(panel: Panel) -> str:
    ref = await panel.file_referral(
        actor=OP,
        draft=ReferralDraft(
            referral_type="rapid_review", referrer="Children's Social Care", category="young person", letter="C",
            summary="Unexplained bruising seen at school; family known to services.",
        ),
    )
    await panel.decide_now(actor=OP, reference=ref, outcome="commence_rapid_review", reason="obvious")
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    return ref


async def _record(panel: Panel) -> tuple[object, ...]:
    """What a marked return changes: the request, its deadline, the outbox and the audit chain's head."""
    async with panel.uow() as uow:
        s = uow.session
        request = (await s.execute(select(InfoRequest.returned_at, InfoRequest.returned_by))).one()
        deadline = (
            await s.execute(select(Deadline.done_at, Deadline.next_reminder_at).where(Deadline.agency == "police"))
        ).one()
        outbox = (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
        head = (await s.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))).one()
        return (*request, *deadline, outbox, *head)


async def _return_audit(panel: Panel) -> AuditEntry:
    async with panel.uow() as uow:
        return (
            await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "request_returned"))
        ).scalar_one()


@pytest.mark.parametrize("platform", list(SIDES))
async def test_only_the_agency_or_the_bm_marks_its_return_made(platform: str, make_panel, engine, clock) -> None:
    side = SIDES[platform]()
    await side.start(make_panel, engine, clock)
    try:
        ref = await _requested(side.panel)
        await side.flush()
        before = await _record(side.panel)
        assert before[0] is None  # not returned yet

        # Anyone can message the bot and references are sequential: typing it is not the agency.
        said = await side.stranger_types(f"returned {ref} police")
        assert "Thank you" not in said and "recorded" not in said
        assert REFUSED in said or "not on this partnership's panel" in said, said
        assert await _record(side.panel) == before

        if not side.presses:
            said = await side.bm_types(f"returned {ref} police")  # type: ignore[attr-defined]
            assert THANKS.format(ref=ref) in said
            entry = await _return_audit(side.panel)
            assert entry.payload["via"] == "business_manager"
            return

        request = await side.request()
        # The real request's button, its press sent from another chat: refused, nothing changes.
        said = await side.stranger_presses_elsewhere(request)
        assert said.startswith(REFUSED[:120]), said
        assert await _record(side.panel) == before

        # The same button pressed where the bot delivered it, by someone in the agency's channel.
        said = await side.agency_presses(request)
        assert said == THANKS.format(ref=ref)
        (line,) = await side.panel.list_requests(ref)
        assert line.returned_at is not None
        entry = await _return_audit(side.panel)
        assert entry.payload["via"] == "agency_channel"
        assert entry.payload["channel"] == f"{platform}:{side.agency_chat}"
    finally:
        await side.close()
