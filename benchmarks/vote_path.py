"""Vote path: a vote through the real server, as Slack sends it, against a bolt app that only acknowledges.

A vote in Slack is two signed requests to `/slack/events`: the button press on the referral card
(`block_actions`: acknowledged, the reason modal opened with `views.open`) and the modal's submission
(`view_submission`: acknowledged, the vote recorded and tallied in one transaction with its audit entry and
the card update queued in the outbox, the voter told). Each is sent with a real signature over HTTP to the
bot's aiohttp server running bolt's `AsyncApp`, Panel and the outbox pump, with a fake Slack Web API on
127.0.0.1. A vote's time runs from sending the press to the end of the submission's work (the card update
queued and the voter told); the card update's delivery happens after, untimed, before the next vote.

Floor: a bare bolt `AsyncApp` whose listeners only call `ack()`, behind the same aiohttp setup, with the same
signing, the same HTTP client and the same fake Slack, sent the same two requests; floor and bot votes
alternate so both see the same machine. Target: p99 ≤ 1.3× the floor's p99, and far inside Slack's 3 s.
At least 1,000 votes on SQLite, and on PostgreSQL when it is reachable.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from benchmarks.common import Context, Row, percentile, pg_schema, sqlite_file
from benchmarks.fake_slack import FakeSlack

NAME = "vote_path"
TITLE = "a Slack vote (press + modal submit) through the real server vs a bolt app that only acks"
SECRET = "bench-signing-secret-0123456789ab"
TEAM = "T0PANEL"
PANEL = "C0PANEL"
# Salford's four voting roles are all on the panel, so two members' votes can never settle a ballot early: Alex
# and Sam vote, and change their votes, on ten referrals in turn; every vote is recorded (none refused).
MEMBERS = (("Alex", "independent_adviser", "U0ADV"), ("Sam", "chair", "U0CHAIR"), ("Jo", "deputy_chair", "U0DEP"),
           ("Bea", "business_manager", "U0BM"))
VOTERS = ("U0ADV", "U0CHAIR")
OUTCOMES = ("commence_rapid_review", "case_review")
REFERRALS = 10
RATIO_TARGET = 1.3


class Slack:
    """The Slack client side: signed requests to one server's /slack/events, over one HTTP session."""

    def __init__(self, http: aiohttp.ClientSession, url: str, fake: FakeSlack) -> None:
        self.http, self.url, self.fake = http, url, fake
        self.signer = SignatureVerifier(SECRET)
        self.n = itertools.count(1)

    async def send(self, payload: dict) -> int:
        body = urlencode({"payload": json.dumps(payload)})
        ts = str(int(time.time()))
        headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": self.signer.generate_signature(
            timestamp=ts, body=body), "Content-Type": "application/x-www-form-urlencoded"}
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            await response.read()
            return response.status

    def press(self, user: str, reference: str, outcome: str) -> dict:
        n = next(self.n)
        return {
            "type": "block_actions", "team": {"id": TEAM, "domain": "panel"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0PANEL",
            "token": "legacy", "trigger_id": f"trigger.{n}", "channel": {"id": PANEL, "name": "panel"},
            "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": PANEL},
            "message": {"ts": "1700000000.000100", "text": reference, "blocks": []},
            "response_url": self.fake.response_url(n),
            "actions": [{"action_id": f"vote:{outcome}", "block_id": "vote", "value": reference, "type": "button",
                         "text": {"type": "plain_text", "text": outcome}, "action_ts": f"{time.time():.6f}"}],
        }

    def submit(self, user: str, view: dict, reason: str) -> dict:
        return {
            "type": "view_submission", "team": {"id": TEAM, "domain": "panel"},
            "user": {"id": user, "team_id": TEAM}, "api_app_id": "A0PANEL", "token": "legacy",
            "trigger_id": f"trigger.{next(self.n)}", "response_urls": [],
            "view": {**view, "state": {"values": {"reason": {"value": {"type": "plain_text_input", "value": reason}}}}},
        }


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/slack/events"  # type: ignore[union-attr]


def bare_app(fake: FakeSlack, *, at_once: bool = False) -> web.Application:
    """The floor: bolt's AsyncApp with listeners that only acknowledge, mounted as the bot mounts its own. With
    bolt's defaults a listener runs in a task that bolt checks every 10 ms for its ack (most of this floor is
    that wait). `at_once`: bolt's `process_before_response`, as the bot itself runs, so the answer goes the
    moment the listener returns: the floor of everything but the bot's own work, shown beside the target."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=fake.api_url), signing_secret=SECRET,
                    name="floor", process_before_response=at_once)

    async def only_ack(ack: Any) -> None:
        await ack()

    bolt.action(re.compile(".*"))(only_ack)
    bolt.view(re.compile(".*"))(only_ack)

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    return app


async def bot_app(engine: Any, fake: FakeSlack, referrals: int) -> tuple[Any, web.Application, list[str]]:
    """The bot as `panelbot run` wires it for Slack: Panel, SlackBot, Sender, OutboxPump, the aiohttp app."""
    from bot.notify import OutboxPump, Sender
    from bot.server import make_app
    from bot.service import Actor
    from bot.service.bootstrap import open_panel
    from bot.slack.app import SlackBot, SlackConfig
    from flows.preset import load_preset
    from flows.referrals import ReferralDraft

    panel = await open_panel(engine, load_preset("salford"))
    bot = SlackBot(panel, SlackConfig(bot_token="xoxb-bench", signing_secret=SECRET, api_url=fake.api_url))
    sender = Sender(panel, [bot.adapter])
    bot.pump = OutboxPump(sender)
    panel.on_outbox = bot.pump.poke
    web_app = make_app(panel)
    bot.mount(web_app)
    operator = Actor.operator()
    for name, role, slack_id in MEMBERS:
        await panel.add_member(actor=operator, name=name, role=role, ids=[f"slack:{slack_id}"])
    await panel.set_channel(actor=operator, purpose="panel", platform_id=f"slack:{PANEL}")
    refs = []
    for letter in "ABCDEFGHIJK"[:referrals]:
        refs.append(await panel.file_referral(actor=operator, draft=ReferralDraft(
            referral_type="rapid_review", referrer="School", category="young_person", letter=letter,
            summary="Benchmark referral.")))
    await bot.settle()
    return bot, web_app, refs


async def vote_once(slack: Slack, user: str, reference: str, outcome: str, after: Any) -> tuple[float, float]:
    """(seconds to the submission's HTTP answer, seconds until its work is done), from sending the press."""
    began = time.perf_counter()
    assert await slack.send(slack.press(user, reference, outcome)) == 200
    await after()  # the modal is opened after the ack
    # The modal the bot opened; the floor opens none, so it is sent the same form as the bot's last one.
    stand_in = {"id": "V0", "type": "modal", "callback_id": "panel_vote", "blocks": []}
    view = slack.fake.views[-1] if slack.fake.views else stand_in
    status = await slack.send(slack.submit(user, view, "Benchmark reason."))
    assert status == 200, f"the submission was answered {status}"
    acked = time.perf_counter() - began
    await after()
    return acked, time.perf_counter() - began


async def measure(engine: Any, votes: int, fake: FakeSlack) -> dict[str, list[float]]:
    from sqlalchemy import func, select

    from storage.models import Vote

    bot, web_app, refs = await bot_app(engine, fake, referrals=REFERRALS + 1)  # the last one for warming up
    ours, ours_url = await serve(web_app)
    floor, floor_url = await serve(bare_app(fake))
    quick, quick_url = await serve(bare_app(fake, at_once=True))

    async def listeners_done() -> None:
        while pending := [t for t in bot.tasks if not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def nothing() -> None:
        return None

    out: dict[str, list[float]] = {"bot_ack": [], "bot_done": [], "floor_ack": [], "floor_done": [],
                                   "quick_done": []}
    told_before = 0
    try:
        async with aiohttp.ClientSession() as http:
            to_bot, to_floor = Slack(http, ours_url, fake), Slack(http, floor_url, fake)
            to_quick = Slack(http, quick_url, fake)
            for warm in range(4 if votes < 100 else 10):  # first requests pay for imports and auth.test
                await vote_once(to_floor, VOTERS[0], refs[-1], OUTCOMES[0], nothing)
                await vote_once(to_quick, VOTERS[0], refs[-1], OUTCOMES[0], nothing)
                await vote_once(to_bot, VOTERS[warm % 2], refs[-1], OUTCOMES[warm // 2 % 2], listeners_done)
                await bot.settle()
            told_before = len(fake.responses)
            for i in range(votes):
                # Each (voter, referral) comes round once every 20 votes, with the other outcome than last time.
                pair = i % (2 * REFERRALS)
                user, reference = VOTERS[pair % 2], refs[pair // 2]
                outcome = OUTCOMES[i // (2 * REFERRALS) % 2]
                acked, done = await vote_once(to_floor, user, reference, outcome, nothing)
                out["floor_ack"].append(acked)
                out["floor_done"].append(done)
                out["quick_done"].append((await vote_once(to_quick, user, reference, outcome, nothing))[1])
                acked, done = await vote_once(to_bot, user, reference, outcome, listeners_done)
                out["bot_ack"].append(acked)
                out["bot_done"].append(done)
                await bot.settle()  # the card update goes out, untimed, before the next vote
    finally:
        await bot.stop()
        await ours.cleanup()
        await floor.cleanup()
        await quick.cleanup()
    told = sum(1 for r in fake.responses[told_before:] if re.search(r"Your vote on \S+ is (recorded|changed)", r))
    async with bot.panel.uow() as uow:
        recorded = (await uow.session.execute(select(func.count(Vote.id)))).scalar_one()
    out["told"] = [float(told)]
    out["recorded"] = [float(recorded)]
    out["updates"] = [float(fake.calls["chat.update"])]
    return out


async def run(ctx: Context) -> list[Row]:
    votes = 20 if ctx.quick else 1_000
    backends: list[tuple[str, Any]] = [("SQLite", sqlite_file(Path(tempfile.mkdtemp(prefix="panelbot-bench-"))))]
    if ctx.pg:
        backends.append(("PostgreSQL", pg_schema(ctx.pg_url)))
    rows: list[Row] = []
    for label, database in backends:
        fake = FakeSlack()
        await fake.start()
        try:
            async with database as engine:
                got = await measure(engine, votes, fake)
        finally:
            await fake.stop()
        p = {k: (percentile(v, 50) * 1000, percentile(v, 99) * 1000) for k, v in got.items() if len(v) > 1}
        ratio = p["bot_done"][1] / p["floor_done"][1]
        print(f"   {label}: vote done p50 {p['bot_done'][0]:.1f} ms, p99 {p['bot_done'][1]:.1f} ms; floor p50 "
              f"{p['floor_done'][0]:.1f} ms, p99 {p['floor_done'][1]:.1f} ms; told {got['told'][0]:.0f} times",
              flush=True)
        told = got["told"][0]
        check = f"{votes:,} votes, each recorded and the voter told so" if told == votes else (
            f"only {told:.0f} of {votes:,} votes recorded")
        rows += [
            Row(NAME, f"vote p99, {label}", round(p["bot_done"][1], 1), "ms", floor=round(p["floor_done"][1], 1),
                floor_name="bare bolt app p99", target=f"≤ {RATIO_TARGET}× floor; ≪ 3 s",
                met=ratio <= RATIO_TARGET and p["bot_done"][1] < 3000 and told == votes,
                notes=f"press + submit until recorded, card update queued and voter told; {check}; "
                f"{got['updates'][0]:.0f} card updates delivered; {got['recorded'][0]:.0f} vote rows kept"),
            Row(NAME, f"vote p50, {label}", round(p["bot_done"][0], 1), "ms", floor=round(p["floor_done"][0], 1),
                floor_name="bare bolt app p50"),
            Row(NAME, f"vote p99 beside a bolt app answering at once, {label}", round(p["bot_done"][1], 1), "ms",
                floor=round(p["quick_done"][1], 1), floor_name="bolt app, process_before_response, p99",
                notes="no target: what the bot's own work costs (the commit before the answer, the tally, the "
                "voter told), with bolt's 10 ms ack check taken out of the floor"),
            Row(NAME, f"vote acknowledged p99, {label}", round(p["bot_ack"][1], 1), "ms",
                floor=round(p["floor_ack"][1], 1), floor_name="bare bolt app p99", target="≪ 3 s (Slack's limit)",
                met=p["bot_ack"][1] < 3000, notes="until the submission's HTTP answer (what Slack waits for)"),
        ]
    return rows
