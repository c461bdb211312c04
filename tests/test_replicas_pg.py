"""Two bot processes on one PostgreSQL database (a second replica, or a rolling deploy).

Each replica here is a complete bot minus the chat platform: its own engine (`twin_engine`: its own
connections, as a second process would have), its own `Panel`, its own outbox `Sender` with a fake adapter
that records every delivery, and the scheduler's jobs (`bot.scheduler.JOBS`, run through `run_job` as the
scheduler runs them). Both replicas share the injected clock, so their sweeps fall due at the same moment.

What must hold (the issue's "Concurrency on PostgreSQL"): no ballot closed twice and no decision taken
twice, no message or reminder delivered twice, and one sweep at a time: while one replica runs a job, the
other's run of the same job returns at once without doing anything.

PostgreSQL only: skipped unless PANELBOT_TEST_DATABASE_URL is set (SQLite serves one process).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.notify import Outgoing, Sender
from bot.scheduler import JOBS, JOBS_BY_NAME, SKIPPED, Job, run_job
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from flows.errors import WrongState
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from storage.audit import verify
from storage.models import AuditEntry, Ballot, OutboxMessage, Referral, ReminderLog

PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set to a PostgreSQL URL")

OP = Actor.operator()
SALFORD = (("Ann", "independent_adviser"), ("Ben", "chair"), ("Cat", "deputy_chair"), ("Dee", "business_manager"))
COMMENCE, CASE_REVIEW = "commence_rapid_review", "case_review"


@dataclass(frozen=True)
class Delivery:
    replica: str
    kind: str
    target: str
    reference: str | None
    text: str | None


@dataclass
class Recorder:
    """A platform that records what it is asked to show. Like the terminal, it reaches every channel."""

    name: str
    platform: str = "fake"
    reaches_everyone: bool = True
    got: list[Delivery] = field(default_factory=list)

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        ref = message.card.reference if message.card is not None else None
        self.got.append(Delivery(self.name, message.kind, target, ref, message.text))
        return f"{self.name}-{len(self.got)}"


@dataclass
class Replica:
    name: str
    panel: Panel
    sender: Sender
    recorder: Recorder

    async def sweep(self) -> list[object]:
        """One tick of every scheduled job, in order, as the scheduler runs them."""
        return [await run_job(job, self.panel, self.sender) for job in JOBS]


@pytest.fixture
async def pg_engine(engine: AsyncEngine) -> AsyncEngine:
    if engine.dialect.name != "postgresql":
        pytest.skip("two bot processes on one database: PostgreSQL only")
    return engine


@pytest.fixture
async def replicas(pg_engine: AsyncEngine, twin_engine: Callable[[], AsyncEngine], clock) -> AsyncIterator:  # type: ignore[no-untyped-def]
    """Two replicas of the bot on one Salford partnership: Ann (Independent Adviser), Ben, Cat, Dee vote."""
    second = twin_engine()
    preset = load_preset("salford")
    made = []
    for name, eng in (("A", pg_engine), ("B", second)):
        panel = await open_panel(eng, preset, clock=clock)
        recorder = Recorder(name)
        made.append(Replica(name, panel, Sender(panel, [recorder]), recorder))
    for member, role in SALFORD:
        await made[0].panel.add_member(actor=OP, name=member, role=role)
    yield made
    await second.dispose()


async def file_many(panel: Panel, n: int) -> list[str]:
    refs = []
    for i in range(n):
        draft = ReferralDraft(
            referral_type="rapid_review", referrer="Health visitor", category="baby", letter="ABCDEFGHJK"[i % 10],
            summary="Fracture found at a routine check.",
        )
        refs.append(await panel.file_referral(actor=OP, draft=draft))
    return refs


async def audit_counts(panel: Panel, action: str) -> Counter:
    async with panel.uow() as uow:
        return Counter((await uow.session.execute(select(AuditEntry.subject).where(AuditEntry.action == action)))
                       .scalars())


async def test_one_replica_running_a_sweep_makes_the_others_a_no_op(replicas, clock) -> None:
    """The lock, shown directly: while A runs close_due_ballots (held open here), B's close_due_ballots returns
    SKIPPED at once and the overdue ballot stays open; B's other jobs are not held up. Once A's sweep ends, B's
    next tick does the work."""
    a, b = replicas
    [ref] = await file_many(a.panel, 1)
    clock.advance(hours=49)  # past the 48-hour decision deadline
    inside, release = asyncio.Event(), asyncio.Event()

    async def held(panel: Panel, sender: Sender) -> object:
        inside.set()
        await release.wait()
        return []

    holding = Job("close_due_ballots", 60, "held open by the test", held)
    holder = asyncio.create_task(run_job(holding, a.panel, a.sender))
    await inside.wait()
    try:
        async with asyncio.timeout(5):  # a skipped sweep returns at once; it never waits for the lock
            assert await run_job(JOBS_BY_NAME["close_due_ballots"], b.panel, b.sender) is SKIPPED
            assert await run_job(JOBS_BY_NAME["flush_outbox"], b.panel, b.sender) == 1  # the card: not held up
        async with b.panel.uow() as uow:
            assert (await uow.session.execute(select(Ballot.closed_at))).scalar_one() is None
    finally:
        release.set()
        await holder
    assert await run_job(JOBS_BY_NAME["close_due_ballots"], b.panel, b.sender) == [ref]
    assert await run_job(JOBS_BY_NAME["close_due_ballots"], a.panel, a.sender) == []
    assert await audit_counts(a.panel, "ballot_closed") == Counter({ref: 1})


async def test_two_replicas_closing_due_ballots_at_the_same_moment_close_each_once(replicas, clock) -> None:
    """Even without the sweep lock (two sweeps that do overlap, e.g. `panelbot reminders run` beside the bot),
    the row locks in the sweep keep every ballot to one close and one decision."""
    a, b = replicas
    refs = await file_many(a.panel, 30)
    ann, ben = await a.panel.actor_named("Ann"), await a.panel.actor_named("Ben")
    for ref in refs:  # quorum of two, agreeing: decided by majority when the deadline passes
        await a.panel.vote(actor=ann, reference=ref, outcome=COMMENCE)
        await b.panel.vote(actor=ben, reference=ref, outcome=COMMENCE)
    clock.advance(hours=48)
    for _ in range(3):
        first, second = await asyncio.gather(a.panel.check_deadlines(), b.panel.check_deadlines())
        assert not set(first) & set(second)
    assert await audit_counts(a.panel, "ballot_closed") == Counter({ref: 1 for ref in refs})
    assert await audit_counts(a.panel, "decided") == Counter({ref: 1 for ref in refs})
    async with a.panel.uow() as uow:
        decisions = Counter(
            (await uow.session.execute(
                select(Referral.reference, OutboxMessage.purpose)
                .join(Referral, Referral.id == OutboxMessage.referral_id)
                .where(OutboxMessage.kind == "decision")
            )).all()
        )
        assert decisions == Counter({(ref, p): 1 for ref in refs for p in ("panel", "bm")})
        assert (await verify(uow.session)).ok


async def test_two_replicas_sweeping_together_while_votes_arrive_on_both(replicas, clock) -> None:
    """Two days of a Salford panel on two replicas. Every three hours both run every scheduled job at the same
    moment while members vote through either replica. 24 referrals in four groups: two members agree (decided
    at the deadline), three agree (decided by the vote that settles it), a tie and no votes at all (both
    escalated to the Independent Adviser at the deadline, the latter racing a late vote)."""
    a, b = replicas
    refs = await file_many(a.panel, 24)
    by = {name: await a.panel.actor_named(name) for name, _ in SALFORD}
    group = {ref: i % 4 for i, ref in enumerate(refs)}
    late: list[str | None] = []

    async def vote(i: int, name: str, ref: str, outcome: str) -> None:
        replica = (a, b)[(i + len(name)) % 2]
        await replica.panel.vote(actor=by[name], reference=ref, outcome=outcome)

    async def late_vote(i: int, ref: str) -> None:
        try:
            await (a, b)[i % 2].panel.vote(actor=by["Cat"], reference=ref, outcome=COMMENCE)
            late.append(None)
        except WrongState as exc:
            late.append(str(exc))

    def votes_at(step: int) -> list:
        out = []
        for i, ref in enumerate(refs):
            g = group[ref]
            if step == 1 and g in (0, 1):
                out += [vote(i, "Ann", ref, COMMENCE), vote(i, "Ben", ref, COMMENCE)]
            elif step == 1 and g == 2:
                out += [vote(i, "Ann", ref, COMMENCE), vote(i, "Ben", ref, CASE_REVIEW)]
            elif step == 2 and g == 0:
                out.append(vote(i, "Ben", ref, CASE_REVIEW))  # a change of mind, then back again
            elif step == 3 and g == 0:
                out.append(vote(i, "Ben", ref, COMMENCE))
            elif step == 3 and g == 1:
                out.append(vote(i, "Cat", ref, COMMENCE))  # three of four agree: settled
            elif step == 16 and g == 3:
                out.append(late_vote(i, ref))  # at the deadline, racing both replicas' sweeps
        return out

    skipped = Counter()
    for step in range(1, 19):
        clock.advance(hours=3)  # step 16 is 48 hours after filing: the deadline
        pair = (a, b) if step % 2 else (b, a)  # neither replica always first
        results = await asyncio.gather(*(r.sweep() for r in pair), *votes_at(step))
        for replica, ran in zip(pair, results[:2], strict=True):
            skipped[replica.name] += sum(1 for x in ran if x is SKIPPED)
    for _ in range(2):  # let whatever the last sweeps queued go out
        await asyncio.gather(a.sweep(), b.sweep())

    # One close and one decision or escalation per ballot, the right one for each group.
    closes, decided, escalated = [await audit_counts(a.panel, act) for act in ("ballot_closed", "decided", "escalated")]
    assert closes == Counter(refs)
    assert decided == Counter(r for r in refs if group[r] in (0, 1))
    assert escalated == Counter(r for r in refs if group[r] in (2, 3))
    # The late votes were refused because voting had closed at its deadline, whichever path closed it.
    assert len(late) == 6 and all(
        m is not None and " closed at Wed 25 Nov 2026, 10:12 (escalated to the Independent Adviser). Your vote was "
        "not recorded." in m for m in late
    ), late

    deliveries = a.recorder.got + b.recorder.got
    async with a.panel.uow() as uow:
        rows = list((await uow.session.execute(select(OutboxMessage))).scalars())
        reminders_logged = len(list((await uow.session.execute(select(ReminderLog))).scalars()))
        assert (await verify(uow.session)).ok
    # Everything queued went out, and no row reached anyone twice (not even once from each replica).
    assert all(r.sent_at is not None for r in rows)
    assert all(len(r.delivered_to) <= 1 for r in rows)
    assert len(deliveries) == sum(len(r.delivered_to) for r in rows)
    # What people saw: one card per referral, one decision (or escalation) message per place.
    seen = Counter((d.kind, d.target, d.reference) for d in deliveries if d.kind != "card_update")
    for ref in refs:
        assert seen[("referral_card", "panel", ref)] == 1
        if group[ref] in (0, 1):
            assert seen[("decision", "panel", ref)] == seen[("decision", "bm", ref)] == 1
        else:
            ann = f"member:{by['Ann'].member_id}"
            assert seen[("escalation", "panel", ref)] == seen[("escalation", "bm", ref)] == 1
            assert seen[("escalation", ann, ref)] == 1
    # Reminders to members who had not voted went out, each once.
    reminder_texts = [(d.target, d.text) for d in deliveries if d.kind == "reminder"]
    assert reminder_texts and len(reminder_texts) == len(set(reminder_texts))
    assert len(reminder_texts) <= reminders_logged
    assert a.recorder.got and b.recorder.got  # both replicas delivered some of it
    print(
        f"\ntwo replicas, {len(refs)} referrals, 20 rounds of every job on both: {len(deliveries)} messages "
        f"delivered once each ({len(reminder_texts)} reminders), {sum(closes.values())} ballots closed once, "
        f"sweeps skipped because the other replica held the lock: {dict(skipped)}"
    )
