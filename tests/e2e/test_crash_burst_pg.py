"""The bot is killed (SIGKILL) in the middle of a burst of votes on PostgreSQL, and started again (issue 17, point 1).

For each platform, the real `panelbot run --no-console` runs as a subprocess on its own PostgreSQL schema, with
the platform pointed at its fake on 127.0.0.1 (tests/e2e/slack/slack_fake.py, tests/e2e/telegram/fake_bot_api.py,
tests/e2e/teams/teams_fake.py). A Dudley panel whose vote decides has its cards posted; then about a hundred
votes arrive at once, as the platform sends them: Slack's vote form submissions, Telegram callback queries by
webhook, Teams `Action.Execute` invokes. Members vote on many referrals and some change their vote; half of the
referrals are decided by their third vote. Once a third of the requests have been answered, the process is killed with
SIGKILL (no shutdown code runs) and started again on the same schema. Telegram and Teams then send again every
delivery that had no success answer, as they do; Slack does not resend a form.

What must hold, read from the database and from what the fake platform shows:

* every request answered with success is recorded exactly once (its vote row, under its own delivery key, with
  one audit entry), and a request the bot said it did not record is not recorded;
* a request that got no answer is recorded once or not at all (Telegram and Teams: once, after the resend);
* nothing is recorded that no request asked for, and the audit chain verifies;
* each ballot that closed has one close and one decision, and the decision is posted once under its card.

The panel is the test preset of a partnership whose panel decides by vote (tests/stage_presets.py: Dudley's
preset without its `[[stages]]` entry): the shipped Dudley has a child's referral decided at the rapid review
meeting, so the votes on it are advice and close nothing, while what is tested here is votes that decide.

PostgreSQL only: skipped unless PANELBOT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.notify import retry_now
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from bot.slack import modals
from bot.slack.listener import NOT_IN_TIME
from flows.referrals import ReferralDraft
from storage.audit import verify
from storage.db import make_engine, upgrade
from storage.models import AuditEntry, Ballot, Member, OutboxMessage, Referral, Vote

HERE = Path(__file__).resolve().parent
for sub in ("slack", "telegram", "teams"):
    if str(HERE / sub) not in sys.path:
        sys.path.append(str(HERE / sub))
import fake_bot_api  # noqa: E402
import slack_fake  # noqa: E402
import teams_fake  # noqa: E402
from botprocess import Bot  # noqa: E402
from stage_presets import dudley_panel_votes, write_dudley_panel_votes  # noqa: E402

PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")
pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set to a PostgreSQL URL"),
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal"),
]

SETTLE_WITHIN = 60.0  # seconds for the outbox to drain after the restart
OP = Actor.operator()
REFERRALS = 16  # even ones are decided by three agreeing votes; odd ones stay open (no health vote)
DECIDED_EARLY = 3  # referrals whose three votes come first, so they are decided (and posted) around the kill
IN_FLIGHT = 24  # requests the platform has open at once
CSPR, ALTERNATIVE = "cspr", "alternative_review"
OUTCOMES = [CSPR, ALTERNATIVE]  # the first two buttons of a Dudley card, in this order
# Dudley: one vote each from the local authority, the police and health makes quorum. Poppy is a second
# police member, so a ballot with Lou, Pat and Hal all agreeing is settled at once.
MEMBERS = [("Bea", "business_manager"), ("Lou", "local_authority"), ("Pat", "police"), ("Hal", "health"),
           ("Poppy", "police")]

OK, REFUSED, NONE = "ok", "refused", "none"  # what the platform got: success, "not recorded", or no answer


@dataclass
class Request:
    """One vote as the platform sends it, and what became of it."""

    member: str
    index: int  # which referral (0-based)
    outcome: str
    key: str = ""  # the vote's delivery key
    payload: Any = field(default=None, repr=False)
    answer: str = NONE
    resent: bool = False


def burst_plan() -> list[Request]:
    """The votes in the order the platform sends them: first the three votes of `DECIDED_EARLY` referrals,
    then everything else shuffled."""
    early: list[Request] = []
    rest: list[Request] = []
    for i in range(REFERRALS):
        if i % 2 == 0:  # decided by the third agreeing vote
            (early if i < 2 * DECIDED_EARLY else rest).extend(Request(m, i, CSPR) for m in ("Lou", "Pat", "Hal"))
        else:  # no health vote: stays open; Lou and Poppy change their vote
            rest += [Request("Lou", i, CSPR), Request("Lou", i, ALTERNATIVE), Request("Pat", i, ALTERNATIVE),
                     Request("Poppy", i, CSPR), Request("Poppy", i, ALTERNATIVE)]
    shuffle = random.Random(17).shuffle
    shuffle(early)
    shuffle(rest)
    return early + rest


async def poll(check: Any, what: str, timeout: float) -> None:
    """Poll the subprocess's progress (it runs on real time, so there is nothing to advance)."""
    try:
        async with asyncio.timeout(timeout):
            while not await check():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for: {what}") from None


# The platforms -----------------------------------------------------------------------------------------------


class Platform:
    """A fake platform on 127.0.0.1 and what the platform sends the bot for a vote."""

    name = ""
    resends = True  # the platform sends again a delivery that got no success answer
    held_at_kill = 0  # votes held between their commit and their answer when the bot is killed

    async def before_kill(self) -> None:
        """Called once a third of the requests have been answered, just before the kill."""

    async def after_kill(self) -> None:
        """Called once the bot is dead."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    def env(self) -> dict[str, str]:
        raise NotImplementedError

    async def prepare(self, panel: Panel) -> None:
        """Members with ids on this platform, and the panel channel here."""
        raise NotImplementedError

    def cards_posted(self, refs: list[str]) -> bool:
        raise NotImplementedError

    def build(self, request: Request, ref: str) -> None:
        """Fill in `request.payload` and `request.key` as the platform would send this vote."""
        raise NotImplementedError

    async def send(self, http: aiohttp.ClientSession, bot: Bot, request: Request) -> str:
        """Send the request: OK, REFUSED (the bot answered that it was not recorded), or NONE for a 503 (the
        bot is starting, or its database did not answer: the platform sends it again later). An answer no
        platform request should get fails the test; a connection error propagates (no answer either)."""
        raise NotImplementedError

    def decisions(self, ref: str) -> int:
        """How many times the decision on `ref` was posted under its card."""
        raise NotImplementedError


class Slack(Platform):
    name = "slack"
    resends = False  # Slack does not resend a form; the person sees Slack's own error and submits again
    IDS = {"Bea": "U0BM", "Lou": "U0LOU", "Pat": "U0PAT", "Hal": "U0HAL", "Poppy": "U0POP"}

    def __init__(self) -> None:
        self.fake = slack_fake.FakeSlack()
        self.payloads = slack_fake.Payloads(self.fake)
        self.views = 0

    async def start(self) -> None:
        await self.fake.start()

    async def stop(self) -> None:
        await self.fake.stop()

    def env(self) -> dict[str, str]:
        return {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": slack_fake.SECRET,
                "SLACK_API_URL": self.fake.api_url}

    async def prepare(self, panel: Panel) -> None:
        for name, role in MEMBERS:
            await panel.add_member(actor=OP, name=name, role=role, ids=[f"slack:{self.IDS[name]}"])
        await panel.set_channel(actor=OP, purpose="panel", platform_id=f"slack:{slack_fake.PANEL_CHANNEL}")

    def card(self, ref: str) -> slack_fake.Message | None:
        return next((m for m in self.fake.in_channel(slack_fake.PANEL_CHANNEL) if ref in m.raw), None)

    def cards_posted(self, refs: list[str]) -> bool:
        return all(self.card(ref) is not None for ref in refs)

    def build(self, request: Request, ref: str) -> None:
        # The vote form the bot opens when a member presses an outcome button (bot/slack/handlers.py), with a
        # view id of its own, filled in and submitted.
        user, channel = self.IDS[request.member], slack_fake.PANEL_CHANNEL
        meta = modals.Meta(channel=channel, response_url=self.fake.response_url(user, channel), reference=ref,
                           outcome=request.outcome)
        view = modals.reason_view(modals.VOTE, title="Your vote", intro=[f"**{ref}**: your vote."],
                                  label="Your reason", required=False, meta=meta, submit="Vote")
        self.views += 1
        view = {**view, "id": f"VBURST{self.views:04d}", "team_id": slack_fake.TEAM}
        request.payload = self.payloads.submit_payload(user, view, {"reason": f"{request.member} agrees"})
        request.key = f"slack:{slack_fake.TEAM}:{view['id']}"

    async def send(self, http: aiohttp.ClientSession, bot: Bot, request: Request) -> str:
        body = urlencode({"payload": json.dumps(request.payload)})
        headers = {**slack_fake.sign(body), "Content-Type": "application/x-www-form-urlencoded"}
        async with http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
            answer = await response.text()
            if response.status == 503:
                return NONE
            assert response.status == 200, (response.status, answer)
        if not answer.strip():
            return OK  # the form closes: Slack shows nothing more, the bot tells the voter by response_url
        shown = json.loads(answer)
        # The form stays open saying nothing was changed, please try again (the commit did not fit Slack's window).
        assert shown.get("response_action") == "errors" and NOT_IN_TIME in shown.get("errors", {}).values(), shown
        return REFUSED

    def decisions(self, ref: str) -> int:
        card = self.card(ref)
        assert card is not None
        thread = self.fake.thread(slack_fake.PANEL_CHANNEL, card.ts)
        return sum(1 for m in thread if "Decided: " in m.shown)


class Telegram(Platform):
    name = "telegram"
    GROUP = -1001234567890
    SECRET = "crash-burst-webhook-secret"
    held_at_kill = 3

    def __init__(self) -> None:
        self.api = fake_bot_api.FakeBotAPI()
        self.people = {name: {"id": 2001 + i, "is_bot": False, "first_name": name, "language_code": "en-GB"}
                       for i, (name, _) in enumerate(MEMBERS)}
        self.holding = False
        self.held = 0
        self.released = asyncio.Event()
        answer = self.api.api_answerCallbackQuery

        async def slow_answer(p: dict) -> bool:
            """Telegram slows down: the bot's answer to a press (its toast, sent after the vote committed and
            before the webhook's 200) is held, so the kill finds votes committed but not yet answered."""
            if not self.holding:
                return await answer(p)
            self.held += 1
            await self.released.wait()
            raise fake_bot_api.ApiError(400, "Bad Request: query is too old and response timeout expired")

        self.api.api_answerCallbackQuery = slow_answer  # type: ignore[method-assign]

    async def before_kill(self) -> None:
        self.holding = True

        async def enough_held() -> bool:
            return self.held >= self.held_at_kill

        await poll(enough_held, f"{self.held_at_kill} votes committed and waiting for their answer", 30)

    async def after_kill(self) -> None:
        self.holding = False
        self.released.set()

    async def start(self) -> None:
        await self.api.start()
        self.api.group(self.GROUP, "Dudley panel")

    async def stop(self) -> None:
        await self.api.stop()

    def env(self) -> dict[str, str]:
        return {"TELEGRAM_BOT_TOKEN": fake_bot_api.TOKEN, "TELEGRAM_API_URL": self.api.url,
                "TELEGRAM_WEBHOOK_URL": "https://panel.example.org", "TELEGRAM_WEBHOOK_SECRET": self.SECRET}

    async def prepare(self, panel: Panel) -> None:
        for name, role in MEMBERS:
            await panel.add_member(actor=OP, name=name, role=role, ids=[f"telegram:{self.people[name]['id']}"])
        await panel.set_channel(actor=OP, purpose="panel", platform_id=f"telegram:{self.GROUP}")

    def card(self, ref: str) -> dict | None:
        return next((m for m in self.api.bot_messages(self.GROUP) if m.get("text", "").startswith(f"{ref} · ")), None)

    def cards_posted(self, refs: list[str]) -> bool:
        return all(self.card(ref) is not None for ref in refs)

    def build(self, request: Request, ref: str) -> None:
        card = self.card(ref)
        assert card is not None
        label = self.api.buttons(card)[OUTCOMES.index(request.outcome)]
        request.payload = self.api.press(card, self.people[request.member], label)
        request.key = f"telegram:{request.payload['callback_query']['id']}"

    async def send(self, http: aiohttp.ClientSession, bot: Bot, request: Request) -> str:
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.SECRET}
        async with http.post(f"{bot.url}/telegram/webhook", json=request.payload, headers=headers) as response:
            answer = await response.text()
            if response.status == 503:
                return NONE
            assert response.status == 200, (response.status, answer)
        return OK

    def decisions(self, ref: str) -> int:
        card = self.card(ref)
        assert card is not None
        return sum(1 for m in self.api.bot_messages(self.GROUP)
                   if m is not card and m.get("text", "").startswith(f"{ref} · ") and ": Decided: " in m["text"])


class Teams(Platform):
    name = "teams"

    def __init__(self) -> None:
        self.fake = teams_fake.FakeConnector()
        self.people = {name: teams_fake.person(name) for name, _ in MEMBERS}
        self.harness: teams_fake.Harness | None = None

    async def start(self) -> None:
        await self.fake.start()
        self.fake.join(teams_fake.PANEL, *self.people.values())

    async def stop(self) -> None:
        await self.fake.stop()

    def env(self) -> dict[str, str]:
        return {"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "true"}

    async def prepare(self, panel: Panel) -> None:
        for name, role in MEMBERS:
            await panel.add_member(actor=OP, name=name, role=role, ids=[f"teams:{self.people[name].aad}"])
        # The business manager types "setup" in the channel, which is how the bot learns where to post there
        # (the conversation reference goes into the database, where the subprocess finds it).
        harness = teams_fake.Harness(panel, self.fake)
        await harness.start()
        try:
            answer = await harness.say(self.people["Bea"], "setup")
            assert "panel channel" in answer[0].shown, answer[0].shown
        finally:
            await harness.close()
            panel.on_outbox = None
        self.harness = harness  # its client is closed; it only builds activities from here on

    def card(self, ref: str) -> teams_fake.Posted | None:
        return next((m for m in self.fake.in_conversation(teams_fake.PANEL)
                     if any(t.startswith(f"**{ref} · ") for t in m.texts)), None)

    def cards_posted(self, refs: list[str]) -> bool:
        return all(self.card(ref) is not None for ref in refs)

    def build(self, request: Request, ref: str) -> None:
        card = self.card(ref)
        assert card is not None and self.harness is not None
        title = card.buttons[OUTCOMES.index(request.outcome)]["title"]
        request.payload = self.harness.invoke_activity(self.people[request.member], card, title)
        request.key = f"teams:{request.payload['id']}"

    async def send(self, http: aiohttp.ClientSession, bot: Bot, request: Request) -> str:
        async with http.post(f"{bot.url}/api/messages", json=request.payload) as response:
            answer = await response.text()
            if response.status == 503:
                return NONE
            assert response.status == 200, (response.status, answer)
        body = json.loads(answer)
        assert body["statusCode"] == 200, body
        told = teams_fake.response_text(body)
        assert told.startswith(("Your vote on ", "That vote was already recorded")), told
        return OK

    def decisions(self, ref: str) -> int:
        card = self.card(ref)
        assert card is not None
        return sum(1 for m in self.fake.thread(teams_fake.PANEL, card.id) if ": Decided: " in m.shown)


PLATFORMS = {"slack": Slack, "telegram": Telegram, "teams": Teams}


# The database --------------------------------------------------------------------------------------------------


@dataclass
class Schema:
    url: str  # for the subprocess: the schema rides on the URL (`options=-csearch_path=...`)
    panel: Panel


@pytest.fixture
async def schema() -> AsyncIterator[Schema]:
    async with new_schema() as made:
        yield made


@contextlib.asynccontextmanager
async def new_schema() -> AsyncIterator[Schema]:
    """A PostgreSQL schema of its own, migrated, with a Dudley panel on it; dropped afterwards."""
    name = f"crash_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-c search_path={name}"})
    try:
        await upgrade(engine)
        panel = await open_panel(engine, dudley_panel_votes())
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={name}"})
        yield Schema(url.render_as_string(hide_password=False), panel)
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        await admin.dispose()


async def file_referrals(panel: Panel) -> list[str]:
    refs = []
    for i in range(REFERRALS):
        refs.append(await panel.file_referral(actor=OP, draft=ReferralDraft(
            referral_type="cspr", referrer="Children's Social Care", category="young_person",
            letter="ABCDEFGHJKLMNPQRSTUVWXYZ"[i], summary="Injuries noticed at school")))
    return refs


async def outbox_drained(panel: Panel) -> bool:
    async with panel.uow() as uow:
        waiting = (await uow.session.execute(select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None)))).all()
    return not waiting


# The test ------------------------------------------------------------------------------------------------------


async def fire(http: aiohttp.ClientSession, bot: Bot, platform: Platform, requests: list[Request]) -> int:
    """Send every request at once (`IN_FLIGHT` open at a time) and kill the bot once a third have been answered.
    Returns how many were answered before the kill."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    enough = asyncio.Event()
    answered = 0

    async def one(request: Request) -> None:
        nonlocal answered
        async with gate:
            try:
                request.answer = await platform.send(http, bot, request)
            except (aiohttp.ClientError, TimeoutError):
                return  # no answer: the connection was refused or cut by the kill
            if request.answer == NONE:
                return
            answered += 1
            if answered >= len(requests) // 3:
                enough.set()

    async def killer() -> None:
        await enough.wait()
        await platform.before_kill()
        await bot.kill()  # SIGKILL: no shutdown code runs
        await platform.after_kill()

    kill = asyncio.create_task(killer())
    await asyncio.gather(*(one(r) for r in requests))
    assert enough.is_set(), "fewer than a third of the requests were answered"
    await kill
    return answered


@pytest.mark.parametrize("which", list(PLATFORMS))
async def test_killed_mid_burst_every_acknowledged_vote_is_recorded_once(which: str, schema: Schema,
                                                                          tmp_path: Path) -> None:
    started = time.monotonic()
    marks = [("begin", started)]
    platform = PLATFORMS[which]()
    await platform.start()
    panel = schema.panel
    bot = Bot(tmp_path, schema.url, {"PANELBOT_PRESET": str(write_dudley_panel_votes(tmp_path))})
    try:
        await platform.prepare(panel)
        refs = await file_referrals(panel)
        bot.env.update(platform.env())
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
            await bot.start(http)  # its first flush posts the cards

            async def cards() -> bool:
                return platform.cards_posted(refs)

            marks.append(("start", time.monotonic()))
            await poll(cards, "every referral card posted", SETTLE_WITHIN)
            marks.append(("cards", time.monotonic()))
            requests = burst_plan()
            for request in requests:
                platform.build(request, refs[request.index])
            answered = await fire(http, bot, platform, requests)
            ok_before_kill = sum(r.answer == OK for r in requests)

            # What the killed process had committed, and posted.
            async with panel.uow() as uow:
                keys = set((await uow.session.execute(select(Vote.delivery_key))).scalars())
            committed_unanswered = sum(r.answer != OK and r.key in keys for r in requests)
            posted_at_kill = sum(platform.decisions(ref) for ref in refs)
            marks.append(("burst", time.monotonic()))
            # A crashed bot's claimed messages wait out their lease (two minutes): an operator who restarts it
            # runs `panelbot outbox retry`, which makes them due now. Nothing runs while it is done here.
            await retry_now(panel)
            await bot.start(http)
            marks.append(("restart", time.monotonic()))
            if platform.resends:  # the platform sends again what got no success answer
                unanswered = [r for r in requests if r.answer != OK]
                for request in unanswered:
                    request.resent = True
                gate = asyncio.Semaphore(8)

                async def resend(request: Request) -> None:
                    async with gate:
                        while True:  # as the platform does, until the bot answers with success
                            request.answer = await platform.send(http, bot, request)
                            if request.answer == OK:
                                return
                            await asyncio.sleep(0.2)  # polling: the bot said 503 (still starting)

                async with asyncio.timeout(SETTLE_WITHIN):
                    await asyncio.gather(*(resend(r) for r in unanswered))
                marks.append(("resend", time.monotonic()))

            async def drained() -> bool:
                return await outbox_drained(panel)

            await poll(drained, "the outbox delivered", SETTLE_WITHIN)
            marks.append(("drained", time.monotonic()))
    finally:
        await bot.stop()
        await platform.stop()

    # What was recorded ------------------------------------------------------------------------------------
    async with panel.uow() as uow:
        s = uow.session
        assert (await verify(s)).ok
        votes = list((await s.execute(select(Vote).order_by(Vote.id))).scalars())
        members = {i: n for i, n in await s.execute(select(Member.id, Member.name))}
        ballots = {b.id: b for b in (await s.execute(select(Ballot))).scalars()}
        refs_of = {i: r for i, r in await s.execute(select(Referral.id, Referral.reference))}
        audits = list((await s.execute(select(AuditEntry))).scalars())

    by_key = {v.delivery_key: v for v in votes}
    recorded = {r.key for r in requests if r.key in by_key}
    for request in requests:
        vote = by_key.get(request.key)
        if request.answer == OK:
            assert vote is not None, f"{request} was answered with success but not recorded"
        elif request.answer == REFUSED:
            assert vote is None, f"{request} was told it was not recorded, but it was"
        if vote is not None:  # what the request asked for, by whom, on which referral
            ballot = ballots[vote.ballot_id]
            assert (members[vote.member_id], refs_of[ballot.referral_id], vote.outcome) == (
                request.member, refs[request.index], request.outcome)
    # The kill found votes committed but not yet answered (Telegram holds their answers: see `Telegram`); sent
    # again, they were recorded once, above.
    assert committed_unanswered >= platform.held_at_kill
    # Exactly once: one row per delivery key (and nothing recorded that no request asked for), one audit entry
    # per row, one current vote per member and ballot.
    assert len(votes) == len(recorded) and Counter(v.delivery_key for v in votes) == Counter(recorded)
    vote_entries = Counter(e.payload["vote"]["vote_id"] for e in audits
                           if e.action in ("vote_cast", "vote_changed") and isinstance(e.payload, dict))
    assert vote_entries == Counter(v.id for v in votes)
    # Each request in the plan asks for a different (member, referral, outcome), so a second row for one is a
    # duplicate, whatever its delivery key.
    asked = Counter((members[v.member_id], refs_of[ballots[v.ballot_id].referral_id], v.outcome) for v in votes)
    duplicates = sum(n - 1 for n in asked.values())
    assert duplicates == 0, [k for k, n in asked.items() if n > 1]
    current = Counter((v.ballot_id, v.member_id) for v in votes if v.is_current)
    assert set(current.values()) <= {1} and set(current) == {(v.ballot_id, v.member_id) for v in votes}

    # Decisions: a referral is decided exactly when all three of its deciding votes were recorded, once, and the
    # decision is posted once under its card.
    closes = Counter(e.subject for e in audits if e.action == "ballot_closed")
    decided = Counter(e.subject for e in audits if e.action == "decided")
    for i, ref in enumerate(refs):
        deciding = [r for r in requests if r.index == i and i % 2 == 0]
        closed = bool(deciding) and all(r.key in recorded for r in deciding)
        assert closes[ref] == decided[ref] == int(closed), (ref, closes[ref], decided[ref])
        assert platform.decisions(ref) == int(closed), (ref, platform.decisions(ref))
    if platform.resends:
        assert sum(closes.values()) == REFERRALS // 2  # every deciding vote came through in the end

    log = bot.log.read_text()
    assert "Traceback" not in log, log[-3000:]
    print(  # the figures for the report (pytest -s)
        f"\n{which}: {len(requests)} requests, {answered} answered before the kill ({ok_before_kill} as recorded), "
        f"{sum(r.answer == REFUSED for r in requests)} told not recorded, {sum(r.resent for r in requests)} resent, "
        f"{committed_unanswered} unanswered but committed before the kill, "
        f"{len(recorded)} recorded, {duplicates} duplicates, "
        f"{sum(closes.values())} decided ({posted_at_kill} posted before the kill); "
        f"{time.monotonic() - started:.1f} s; "
        + ", ".join(f"{n} {t - p:.1f}" for (n, t), (_, p) in zip(marks[1:], marks, strict=False))
    )
