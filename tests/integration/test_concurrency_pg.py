"""Concurrency on PostgreSQL: 1,000 votes at once through the real service layer on real connections.

A panel whose vote decides (tests/stage_presets.py: Dudley's preset without its `[[stages]]` entry, since the
shipped Dudley has a child's referral decided at the rapid review meeting and the votes before it are advice,
which close nothing; what is tested here is the vote). Its role quorum is one vote each from the local
authority, police and health, and it has exactly three voting members, so a ballot closes the moment the third
of them votes, and anything after that is refused.
Across 100 referrals, each member's votes go in one after another (a person changes their mind) while every
other member and referral votes at the same time, over a pool of 16 PostgreSQL connections:

* the local authority member votes four times, the police member three times (each vote changes the last),
  then the health member votes three times while the local authority's fourth vote races it. Health's first
  vote closes the ballot; its other two are refused, and the local authority's fourth is recorded or refused
  depending on which came first.

Then every ballot must have exactly one close, one decision and one set of decision messages; every member's
current vote must be the last vote of theirs that was accepted; every accepted vote must be stored once and
every refusal must say that voting had closed; and `audit verify` must pass.

PostgreSQL only: skipped unless PANELBOT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from stage_presets import dudley_panel_votes

from bot.service import Actor, Panel
from bot.service.ballots import Receipt
from bot.service.bootstrap import open_panel
from flows.errors import WrongState
from flows.referrals import ReferralDraft, Status
from storage.audit import verify
from storage.db import make_engine, upgrade
from storage.models import AuditEntry, Ballot, OutboxMessage, Referral, Vote

PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set to a PostgreSQL URL")

OP = Actor.operator()
POOL = 16
REFERRALS = 100
CSPR, ALTERNATIVE = "cspr", "alternative_review"
OTHER = {CSPR: ALTERNATIVE, ALTERNATIVE: CSPR}


@pytest.fixture
async def pg() -> AsyncIterator[AsyncEngine]:
    """A fresh schema on the test PostgreSQL database, and an engine with a pool of 16 connections on it."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(
        PG_URL, connect_args={"options": f"-c search_path={schema}"}, pool_size=POOL, max_overflow=0, pool_timeout=60
    )
    try:
        await upgrade(eng)
        yield eng
    finally:
        await eng.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def dudley_panel(pg: AsyncEngine, clock) -> tuple[Panel, dict[str, Actor]]:  # type: ignore[no-untyped-def]
    panel = await open_panel(pg, dudley_panel_votes(), clock=clock)
    for name, role in (("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health")):
        await panel.add_member(actor=OP, name=name, role=role)
    actors = {name: await panel.actor_named(name) for name in ("Lia", "Pol", "Hal")}
    return panel, actors


async def file_many(panel: Panel, n: int) -> list[str]:
    refs = []
    for i in range(n):
        draft = ReferralDraft(
            referral_type="cspr", referrer="Children's Social Care", category="young person",
            letter="ABCDEFGHJK"[i % 10], summary="Injuries seen at nursery; family known to services.",
        )
        refs.append(await panel.file_referral(actor=OP, draft=draft))
    return refs


@dataclass
class Outcome:
    """What one submitted vote came to."""

    ref: str
    member: str
    key: str
    outcome: str
    receipt: Receipt | None = None
    refused: str | None = None


@dataclass
class Run:
    results: list[Outcome] = field(default_factory=list)

    async def chain(self, panel: Panel, actor: Actor, ref: str, first: str, n: int, start: int = 0) -> None:
        """One person's votes on one referral, in order, each changing the one before."""
        outcome = first
        for k in range(start, start + n):
            res = Outcome(ref, actor.name, f"test:{ref}:{actor.name}:{k}", outcome)
            self.results.append(res)
            try:
                res.receipt = await panel.vote(actor=actor, reference=ref, outcome=outcome, delivery_key=res.key)
            except WrongState as exc:
                res.refused = str(exc)
            outcome = OTHER[outcome]


async def scalar(panel: Panel, stmt):  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        return (await uow.session.execute(stmt)).scalar_one()


async def test_a_thousand_concurrent_votes_over_a_hundred_referrals_lose_nothing_and_decide_each_once(pg, clock):
    panel, actors = await dudley_panel(pg, clock)
    refs = await file_many(panel, REFERRALS)
    lia, pol, hal = actors["Lia"], actors["Pol"], actors["Hal"]
    run = Run()

    async def referral(i: int, ref: str) -> None:
        first = CSPR if i % 2 else ALTERNATIVE
        # Local authority and police change their minds at the same time; the ballot cannot close yet.
        await asyncio.gather(run.chain(panel, lia, ref, first, 3), run.chain(panel, pol, ref, OTHER[first], 3))
        # Health's first vote closes it, racing the local authority's fourth vote.
        await asyncio.gather(run.chain(panel, hal, ref, first, 3), run.chain(panel, lia, ref, OTHER[first], 1, 3))

    started = time.perf_counter()
    await asyncio.gather(*(referral(i, ref) for i, ref in enumerate(refs)))
    elapsed = time.perf_counter() - started

    results = run.results
    accepted = [r for r in results if r.receipt is not None]
    refused = [r for r in results if r.refused is not None]
    assert len(results) == 1000 and len(accepted) + len(refused) == 1000
    assert all(r.receipt.changed for r in accepted)  # every accepted vote changed something: none was a repeat
    # Every refusal was because voting had closed, said in plain words.
    for r in refused:
        assert r.refused.startswith(f"Voting on {r.ref} closed at ") and r.refused.endswith(
            "Your vote was not recorded."
        ), r.refused
    # Health's first vote is what closes each ballot; its next two always come too late.
    closers = [r for r in accepted if r.receipt.closed]
    assert len(closers) == REFERRALS and {r.member for r in closers} == {"Hal"}
    assert all(r.key.endswith(":0") for r in closers)
    assert Counter(r.member for r in refused)["Hal"] == 2 * REFERRALS
    assert len(refused) >= 2 * REFERRALS

    async with panel.uow() as uow:
        s = uow.session
        votes = list((await s.execute(select(Vote))).scalars())
        by_key = Counter(v.delivery_key for v in votes)
        # No vote lost, none stored twice, nothing stored that was refused.
        assert sorted(by_key) == sorted(r.key for r in accepted)
        assert set(by_key.values()) == {1}
        current = [v for v in votes if v.is_current]
        assert len(current) == 3 * REFERRALS
        # Each member's current vote is the last of their votes that was accepted.
        last_accepted: dict[tuple[str, str], Outcome] = {}
        for r in accepted:  # chains are sequential, so later keys in a chain were submitted later
            last_accepted[(r.ref, r.member)] = r
        ballot_ref = dict(
            (await s.execute(select(Ballot.id, Referral.reference).join(Referral, Referral.id == Ballot.referral_id)))
            .all()
        )
        names = {a.member_id: n for n, a in actors.items()}
        for v in current:
            want = last_accepted[(ballot_ref[v.ballot_id], names[v.member_id])]
            assert (v.delivery_key, v.outcome) == (want.key, want.outcome)

        # Exactly one decision per ballot, and it is the majority of the three current votes.
        closes = Counter(
            (await s.execute(select(AuditEntry.subject).where(AuditEntry.action == "ballot_closed"))).scalars()
        )
        decided = Counter(
            (await s.execute(select(AuditEntry.subject).where(AuditEntry.action == "decided"))).scalars()
        )
        assert closes == decided == Counter({ref: 1 for ref in refs})
        changes = await s.execute(
            select(func.count()).where(AuditEntry.action.in_(("vote_cast", "vote_changed")))
        )
        assert changes.scalar_one() == len(accepted)
        majority: dict[str, str] = {}
        for ref in refs:
            outcomes = Counter(v.outcome for v in current if ballot_ref[v.ballot_id] == ref)
            majority[ref] = outcomes.most_common(1)[0][0]
        referrals = list((await s.execute(select(Referral))).scalars())
        assert {r.reference: (r.status, r.outcome) for r in referrals} == {
            ref: (Status.DECIDED, majority[ref]) for ref in refs
        }
        ballots = list((await s.execute(select(Ballot))).scalars())
        assert all(b.closed_at is not None and b.close_reason == "all_voted" for b in ballots)
        notices = Counter(
            (await s.execute(select(OutboxMessage.referral_id, OutboxMessage.purpose).where(
                OutboxMessage.kind == "decision"
            ))).all()
        )
        assert len(notices) == 2 * REFERRALS and set(notices.values()) == {1}  # panel and BM, once each

        report = await verify(s)
        assert report.ok, report.problems
    print(
        f"\n{len(results)} concurrent votes over {REFERRALS} referrals on {POOL} PostgreSQL connections: "
        f"{len(accepted)} recorded, {len(refused)} refused after closing, 0 lost, 0 doubled, "
        f"{sum(closes.values())} decisions, audit verified ({report.entries} entries), {elapsed:.1f} s"
    )


async def test_the_same_vote_delivered_twice_at_once_is_recorded_once(pg, clock):
    """A platform's retry arriving while the first delivery is still being handled: each pair is recorded
    once, and the copy says so. Half the pairs are the closing vote, whose copy must not be told the vote
    was refused because voting has closed (it was recorded, by its twin)."""
    panel, actors = await dudley_panel(pg, clock)
    refs = await file_many(panel, 40)
    lia, pol, hal = actors["Lia"], actors["Pol"], actors["Hal"]
    for ref in refs:
        await panel.vote(actor=lia, reference=ref, outcome=CSPR)
    for ref in refs[:20]:  # on these, health's vote is the third and closes the ballot
        await panel.vote(actor=pol, reference=ref, outcome=CSPR)

    async def twice(ref: str) -> list[Receipt | str]:
        key = f"slack:T0:V-{ref}"

        async def once() -> Receipt | str:
            try:
                return await panel.vote(actor=hal, reference=ref, outcome=ALTERNATIVE, reason="Seen before",
                                        delivery_key=key)
            except WrongState as exc:
                return str(exc)

        return list(await asyncio.gather(once(), once()))

    pairs = await asyncio.gather(*(twice(ref) for ref in refs))
    for ref, pair in zip(refs, pairs, strict=True):
        messages = sorted(p.message if isinstance(p, Receipt) else p for p in pair)
        closing = ref in refs[:20]
        first = f"Your vote on {ref} is recorded: {panel.preset.outcome(ALTERNATIVE).label}."
        if closing:
            first += " Voting has now closed (decided: Undertake a child safeguarding practice review)."
        assert messages == sorted([first, "That vote was already recorded; nothing has changed."]), messages
    keyed = Counter(
        [
            await scalar(panel, select(func.count()).select_from(Vote).where(Vote.delivery_key == f"slack:T0:V-{r}"))
            for r in refs
        ]
    )
    assert keyed == Counter({1: len(refs)})
    assert await scalar(panel, select(func.count()).where(AuditEntry.action == "decided")) == 20
    async with panel.uow() as uow:
        assert (await verify(uow.session)).ok
