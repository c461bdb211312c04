"""Votes arriving all at once through Slack's front door: signed `block_actions` button presses and
`view_submission`s to `/slack/events` on the bot's real aiohttp server and bolt app, with Slack's retries.

Dudley's panel whose vote decides (one vote each from the local authority, police and health decides; the test
preset of tests/stage_presets.py, Dudley's preset without its `[[stages]]` entry: the shipped Dudley has a child's
referral decided at the rapid review meeting, where the votes are advice and close nothing), 25 referrals posted
to the panel channel. For every referral at the same time: the local authority member presses a button, submits
the vote modal, presses the other outcome and submits again (a change of mind, racing the others); the
police and health members each press and submit once. Every submission is sent twice at once, the second
time marked as Slack's retry (`X-Slack-Retry-Num: 1`), as Slack does when the first answer seems slow:
300 requests in all, 12 per referral, at most 16 open at once.

Every request must get 200; every vote is recorded once (a retry never adds a vote, and the voter is told
"already recorded"); every refusal says voting had closed; each ballot closes once and its decision is
posted once, as a reply under its card. Runs on SQLite, and on PostgreSQL when configured.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from collections import Counter
from urllib.parse import urlencode

from slack_fake import PANEL_CHANNEL, Harness, Message, sign
from sqlalchemy import select
from stage_presets import dudley_panel_votes

from bot.service import Actor
from bot.slack.listener import NOT_IN_TIME
from flows.referrals import ReferralDraft
from storage.audit import verify
from storage.models import AuditEntry, Ballot, Member, Referral, Vote

REFERRALS = 25
IN_FLIGHT = 16  # requests open at once
CSPR, ALTERNATIVE = "Undertake a child safeguarding practice review", "No CSPR"
ALREADY = "That vote was already recorded; nothing has changed."


async def dudley(slack) -> Harness:  # type: ignore[no-untyped-def]
    h = await slack(dudley_panel_votes())
    await h.member("Bea", "business_manager", "U0BM")
    await h.member("Lou", "local_authority", "U0LA")
    await h.member("Pat", "police", "U0POL")
    await h.member("Hal", "health", "U0HEA")
    await h.slash("U0BM", "setup")
    return h


class Client:
    """Sends what Slack sends, many at a time, and keeps every HTTP status."""

    def __init__(self, h: Harness, in_flight: int) -> None:
        self.h = h
        self.statuses: list[int] = []
        self.gate = asyncio.Semaphore(in_flight)
        self.not_in_time = 0  # forms answered "not recorded in time, please try again" (a loaded machine)

    async def post(self, payload: dict, **headers: str) -> str:
        """Send it; a 503 (the bot could not reach its database in time and asks to be sent again) is sent
        again as Slack does, with X-Slack-Retry-Num, up to Slack's three retries. The last status is kept."""
        body = urlencode({"payload": json.dumps(payload)})
        async with self.gate:
            for attempt in range(4):
                retry = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_error"} if attempt else {}
                response = await self.h.client.post(
                    "/slack/events",
                    data=body.encode(),
                    headers={**sign(body), **headers, **retry, "Content-Type": "application/x-www-form-urlencoded"},
                )
                answer = (await response.read()).decode()
                if response.status != 503:
                    break
            self.statuses.append(response.status)
            return answer

    async def press(self, user: str, card: Message, label: str) -> dict:
        """Press an outcome button; returns the vote modal Slack opened for that press."""
        payload = self.h.press_payload(user, card, label)
        await self.post(payload)
        trigger = payload["trigger_id"]

        def opened() -> dict | None:
            calls = [c for c in self.h.fake.calls if c.method == "views.open" and c.status == 200]
            for i, call in enumerate(calls):  # the fake records the call and opens the view in one step
                if call.args.get("trigger_id") == trigger:
                    return self.h.fake.views[i]
            return None

        await self.h.fake.wait_for(lambda: opened() is not None)
        view = opened()
        assert view is not None and view["callback_id"] == "panel_vote"
        return view

    async def vote(self, user: str, card: Message, label: str) -> None:
        """Press, then submit the modal, and Slack's retry of the same submission at the same moment."""
        view = await self.press(user, card, label)
        submission = self.h.submit_payload(user, view, {"reason": "Agree with the scoping"})
        for _ in range(4):  # the form said it could not record in time: the person presses Submit again
            answers = await asyncio.gather(
                self.post(submission),
                self.post(submission, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}),
            )
            if not any(NOT_IN_TIME in a for a in answers):
                return
            self.not_in_time += 1


async def test_hundreds_of_concurrent_signed_votes_and_retries_are_each_counted_once(slack) -> None:
    h = await dudley(slack)
    for i in range(REFERRALS):
        draft = ReferralDraft(
            referral_type="cspr", referrer="Children's Social Care", category="young person",
            letter="ABCDEFGHJK"[i % 10], summary="Injuries seen at nursery; family known to services.",
        )
        await h.panel.file_referral(actor=Actor.operator(), draft=draft)
    await h.flush()
    # Each voter presses the card as first shown: a Slack client may still show the buttons after the ballot
    # closed (a change of mind pressed as the last vote lands), and the bot must refuse that press in words.
    cards = [copy.deepcopy(m) for m in h.fake.in_channel(PANEL_CHANNEL) if m.buttons]
    assert len(cards) == REFERRALS
    client = Client(h, IN_FLIGHT)

    async def referral(i: int, card: Message) -> None:
        first, other = (CSPR, ALTERNATIVE) if i % 2 else (ALTERNATIVE, CSPR)

        async def local_authority() -> None:
            await client.vote("U0LA", card, first)
            await client.vote("U0LA", card, other)  # changes their mind: recorded, or refused if closed by then

        await asyncio.gather(local_authority(), client.vote("U0POL", card, first), client.vote("U0HEA", card, other))

    started = time.perf_counter()
    await asyncio.gather(*(referral(i, card) for i, card in enumerate(cards)))
    await h.settle()
    await h.flush()
    elapsed = time.perf_counter() - started

    assert len(client.statuses) == 12 * REFERRALS + 2 * client.not_in_time and set(client.statuses) == {200}
    refs = [re.search(r"DUD-\d{4}-\d{3}", c.raw).group(0) for c in cards]  # type: ignore[union-attr]
    async with h.panel.uow() as uow:
        s = uow.session
        names = dict((await s.execute(select(Member.id, Member.name))).all())
        ballot_ref = dict((await s.execute(select(Ballot.id, Referral.reference).join(Referral))).all())
        votes = list((await s.execute(select(Vote))).scalars())
        closes = Counter((await s.execute(select(AuditEntry.subject).where(AuditEntry.action == "ballot_closed")))
                         .scalars())
        decided = Counter((await s.execute(select(AuditEntry.subject).where(AuditEntry.action == "decided")))
                          .scalars())
        assert (await verify(s)).ok
    # Each submission (one modal, one view id) is stored at most once, whatever Slack re-sent.
    assert max(Counter(v.delivery_key for v in votes).values()) == 1
    stored = Counter((ballot_ref[v.ballot_id], names[v.member_id]) for v in votes)
    for ref in refs:
        assert stored[(ref, "Pat")] == stored[(ref, "Hal")] == 1
        assert stored[(ref, "Lou")] in (1, 2)  # the change of mind was recorded, or came after the close
        assert sum(1 for v in votes if ballot_ref[v.ballot_id] == ref and v.is_current) == 3
    # What each voter was told: for every submission and its retry, "recorded" (or "changed") once and
    # "already recorded" once; or, both times, that voting had closed.
    told = [(m.to_user, m.shown) for m in h.fake.private]
    already = sum(1 for _, t in told if t == ALREADY)  # a form sent again after "not in time" may hear it twice
    assert len(votes) <= already <= len(votes) + 2 * client.not_in_time
    for user, name in (("U0LA", "Lou"), ("U0POL", "Pat"), ("U0HEA", "Hal")):
        for ref in refs:
            mine = [t for u, t in told if u == user and ref in t]
            counted = [t for t in mine if t.startswith(f"Your vote on {ref} is ")]
            refused = [t for t in mine if t.startswith(f"Voting on {ref} closed at ") and "not recorded" in t]
            pairs = 2 if name == "Lou" else 1
            assert len(counted) == stored[(ref, name)], (user, ref, mine)
            assert len(refused) == 2 * (pairs - stored[(ref, name)]), (user, ref, mine)
            assert len(mine) == len(counted) + len(refused)
    # One close and one decision per ballot, posted once under its card, whose buttons are gone.
    assert closes == decided == Counter(refs)
    for card in cards:
        shown = h.fake.find(PANEL_CHANNEL, card.ts)
        assert shown is not None and shown.buttons == [] and "Decided:" in shown.shown
        thread = h.fake.thread(PANEL_CHANNEL, card.ts)
        assert len(thread) == 1 and "Decided:" in thread[0].shown
    assert len(h.fake.in_channel(PANEL_CHANNEL)) == 1 + REFERRALS  # the set-up note and the cards, once each
    print(
        f"\n{len(client.statuses)} concurrent signed Slack requests ({REFERRALS} referrals, every submission "
        f"also retried) on {h.panel.sessionmaker.kw['bind'].dialect.name}: all 200, {len(votes)} votes recorded "
        f"once each, {sum(closes.values())} decisions posted once, {elapsed:.1f} s"
    )
