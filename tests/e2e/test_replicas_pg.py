"""Two bot processes on one PostgreSQL database (a second replica, or a rolling deploy).

Each replica here is a complete bot minus the chat platform: its own engine (`twin_engine`: its own
connections, as a second process would have), its own `Panel`, its own outbox `Sender` with a fake adapter
that records every delivery, and the scheduler's jobs (`bot.scheduler.JOBS`, run through `run_job` as the
scheduler runs them). Both replicas share the injected clock, so their sweeps fall due at the same moment.

What must hold (the issue's "Concurrency on PostgreSQL"): no ballot closed twice and no decision taken
twice, no message or reminder delivered twice, and one sweep at a time: while one replica runs a job, the
other's run of the same job returns at once without doing anything.

The last test does the same with two real `panelbot run` processes on one PostgreSQL schema and a fake Slack
on 127.0.0.1: each referral card and each decision is posted once.

PostgreSQL only: skipped unless PANELBOT_TEST_DATABASE_URL is set (SQLite serves one process).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.notify import Outgoing, Sender
from bot.scheduler import JOBS, JOBS_BY_NAME, SKIPPED, Job, run_job
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from flows.errors import WrongState
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from storage.audit import verify
from storage.db import make_engine, upgrade
from storage.models import AuditEntry, Ballot, Deadline, OutboxMessage, Referral, ReminderLog

sys.path.insert(0, str(Path(__file__).parent / "slack"))
from slack_fake import PANEL_CHANNEL, SECRET, FakeSlack  # noqa: E402

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
    target_interval: float = 0.0
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
        async with asyncio.timeout(30):  # a skipped sweep returns at once; it never waits for the lock
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
    # Which replica's sweep takes the outbox is a race (one flush at a time, by the job's lock), so show the
    # other way round for certain: what A's panel queues, B's sender delivers when B sweeps alone.
    decided_ref = next(r for r in refs if group[r] == 0)
    await a.panel.record_disagreement(actor=Actor.operator(), reference=decided_ref, party="referrer",
                                      reason="They see it otherwise")
    before = len(b.recorder.got)
    await b.sweep()
    assert any(d.kind == "notice" and decided_ref in (d.text or "") for d in b.recorder.got[before:])
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


async def test_a_reminder_sweep_is_not_held_up_by_a_command_holding_the_referral(replicas, clock) -> None:
    """A command holds its referral's row lock until it commits (a vote, say, on replica A). The reminder sweep
    on replica B queues reminders about that referral at the same moment: adding an outbox row that points at
    the referral must not wait for A (it did with FOR UPDATE, and a vote that then needed the sweep's deadline
    row deadlocked with it). Referral rows are locked FOR NO KEY UPDATE."""
    a, b = replicas
    [ref] = await file_many(a.panel, 1)
    clock.advance(hours=24, minutes=18)  # Tue 10:30: the reminder 24 hours before the 48-hour deadline is due
    async with a.panel.uow() as uow:
        await a.panel.referral(uow, ref, lock=True)  # what every command on the referral does first
        async with asyncio.timeout(30):  # the other side holds its lock for as long as the test wants
            queued = await b.panel.run_reminders()
    async with b.panel.uow() as uow:
        rows = list((await uow.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "reminder")))
                    .scalars())
    assert queued == len(rows) > 0
    to_members = [r for r in rows if r.purpose.startswith("member:")]
    assert len(to_members) == len(SALFORD)  # every voting member, none of whom has voted yet
    assert all(f"your vote on **{ref} · " in r.body["text"] for r in to_members)


async def test_commands_on_different_referrals_do_not_queue_behind_each_others_audit_entries(replicas, clock):
    """The audit log is one hash chain, appended one transaction at a time. A command's entries are chained
    when it commits, so a command still at work on one referral (on replica A) does not hold up a vote on
    another (on replica B); the chain stays whole, in commit order."""
    a, b = replicas
    first, second = await file_many(a.panel, 2)
    ben = await a.panel.actor_named("Ben")
    async with a.panel.uow() as uow:
        await a.panel.referral(uow, first, lock=True)
        await a.panel.audit(uow, OP, "event_recorded", first, event="rr_meeting")  # half-way through a command
        async with asyncio.timeout(30):  # the other side holds its lock for as long as the test wants
            receipt = await b.panel.vote(actor=ben, reference=second, outcome=COMMENCE)
        assert receipt.changed
        await uow.commit()
    async with a.panel.uow() as uow:
        report = await verify(uow.session)
        last = list((await uow.session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(2)))
                    .scalars())
    assert report.ok, report.problems
    assert [(e.action, e.subject) for e in last] == [("event_recorded", first), ("vote_cast", second)]


async def test_two_replicas_releasing_holds_and_listing_the_agenda_together_do_each_once(pg_engine, twin_engine, clock):
    """Suffolk (section 4): the held cases are listed on the monthly panel's day, and a hold with an end date
    ends by itself. Both sweeps run on both replicas at the same moment, without the sweep lock (as when one
    is run from the command line beside the bot): one agenda per meeting, and each hold ended once, with one
    notice to the BM and one decision clock started again."""
    from datetime import date

    second = twin_engine()
    try:
        clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
        a = await open_panel(pg_engine, load_preset("suffolk"), clock=clock)
        b = await open_panel(second, load_preset("suffolk"), clock=clock)
        refs = []
        for i in range(12):
            draft = ReferralDraft(referral_type="child", referrer="Police", category="baby", letter="ABCDEF"[i % 6],
                                  summary="Injury reported by the health visitor.")
            refs.append(await a.file_referral(actor=OP, draft=draft))
            await a.hold(actor=OP, reference=refs[-1], until=date(2026, 12, 1), reason="Awaiting the post-mortem")
        clock.set(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))  # the November panel
        listed = await asyncio.gather(*(p.hold_agenda() for p in (a, b, a, b)))
        assert sorted(len(x) for x in listed) == [0, 0, 0, len(refs)]
        # The monthly panels are planned as meetings once, however many replicas plan them at the same moment.
        planned = await asyncio.gather(*(p.plan_panels() for p in (a, b, a, b)))
        assert sorted(planned) == [[], [], [], ["PANEL-2026-11", "PANEL-2026-12", "PANEL-2027-01"]]
        clock.set(datetime(2026, 12, 1, 0, 1, tzinfo=UTC))  # every hold ends
        released = await asyncio.gather(*(p.release_holds() for p in (a, b, a, b)))
        assert sorted(r for x in released for r in x) == sorted(refs)
        assert await audit_counts(a, "hold_agenda") == Counter({"2026-11-25": 1})
        assert await audit_counts(a, "resumed") == Counter(refs)
        async with a.uow() as uow:
            notices = Counter(
                (m.purpose, "hold has ended" in m.body["text"])
                for m in (await uow.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "notice")))
                .scalars()
                if "cannot reach quorum" not in m.body["text"]  # filed to a panel with no members yet
            )
            clocks = Counter((await uow.session.execute(
                select(Deadline.referral_id).where(Deadline.clock_id == "panel_decision", Deadline.done_at.is_(None),
                                                   Deadline.cancelled_at.is_(None)))).scalars())
        # The agenda to the panel and the BM once, the panels planned to the panel once; one "the hold has ended"
        # to the BM per referral.
        assert notices == Counter({("panel", False): 2, ("bm", False): 1, ("bm", True): len(refs)})
        assert sorted(clocks.values()) == [1] * len(refs)
    finally:
        await second.dispose()


# Two real `panelbot run` processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_until(check, what: str, timeout: float = 40) -> None:  # type: ignore[no-untyped-def]
    """Poll a subprocess's progress (it runs on real time, so there is nothing to advance)."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.1)


async def test_two_panelbot_run_processes_on_one_schema_post_each_card_and_decision_once(clock) -> None:
    """Two real `panelbot run` processes on one PostgreSQL schema, both with Slack pointed at a fake Slack.
    Five Salford referrals were filed three days ago and have two agreeing votes each, so their 48-hour
    deadlines have passed: both processes' schedulers start closing ballots and delivering the outbox at the
    same moment. Each card must be posted once, each ballot closed once, each decision posted once."""
    schema = f"run_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(PG_URL, connect_args={"options": f"-c search_path={schema}"})
    fake = FakeSlack()
    await fake.start()
    procs: list[subprocess.Popen] = []
    try:
        await upgrade(eng)
        clock.set(datetime.now(UTC) - timedelta(days=3))
        panel = await open_panel(eng, load_preset("salford"), clock=clock)
        for (member, role), slack_id in zip(SALFORD, ("U0ADV", "U0CHAIR", "U0DEP", "U0BM"), strict=True):
            await panel.add_member(actor=OP, name=member, role=role, ids=[f"slack:{slack_id}"])
        await panel.set_channel(actor=OP, purpose="panel", platform_id=f"slack:{PANEL_CHANNEL}")
        refs = await file_many(panel, 5)
        ann, ben = await panel.actor_named("Ann"), await panel.actor_named("Ben")
        for ref in refs:
            await panel.vote(actor=ann, reference=ref, outcome=COMMENCE)
            await panel.vote(actor=ben, reference=ref, outcome=COMMENCE)

        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        ports = [free_port(), free_port()]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PANELBOT_", "SLACK_", "TELEGRAM_", "TEAMS_"))}
        env.update(
            PANELBOT_DATABASE_URL=url.render_as_string(hide_password=False),
            PANELBOT_PRESET="salford",
            SLACK_BOT_TOKEN="xoxb-test-token",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.api_url,
        )
        for port in ports:
            procs.append(subprocess.Popen(
                [sys.executable, "-c", "from bot.cli import main; main()", "run", "--no-console"],
                env={**env, "PANELBOT_HTTP_PORT": str(port)},
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            ))

        async def both_up() -> bool:
            try:
                async with aiohttp.ClientSession() as http:
                    for port in ports:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                            if response.status != 200:
                                return False
                return True
            except aiohttp.ClientError:
                assert all(p.poll() is None for p in procs), "a panelbot run process ended early"
                return False

        async def all_delivered() -> bool:
            async with panel.uow() as uow:
                s = uow.session
                open_ballots = (await s.execute(select(Ballot.id).where(Ballot.closed_at.is_(None)))).all()
                waiting = (await s.execute(select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None)))).all()
            return not open_ballots and not waiting

        await wait_until(both_up, "both processes answer /healthz")
        await wait_until(all_delivered, "every ballot closed and every message delivered")
        closes, decided = await audit_counts(panel, "ballot_closed"), await audit_counts(panel, "decided")
    finally:
        for proc in procs:
            proc.terminate()
        logs = [proc.communicate(timeout=20) for proc in procs]
        await fake.stop()
        await eng.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()

    assert closes == decided == Counter(refs)
    cards = fake.in_channel(PANEL_CHANNEL)
    assert sorted(ref for m in cards for ref in refs if ref in m.raw.split("\n")[0]) == sorted(refs)
    for card in cards:
        assert "Decided: Commence rapid review" in card.shown and card.buttons == []
        thread = fake.thread(PANEL_CHANNEL, card.ts)
        assert len(thread) == 1 and "Decided: Commence rapid review" in thread[0].shown
    posted = [c for c in fake.called("chat.postMessage") if c.args.get("channel") == PANEL_CHANNEL]
    assert len(posted) == 2 * len(refs)  # one card and one decision reply per referral, from either process
    for out, err in logs:
        assert "Traceback" not in err, err
        assert "xoxb-test-token" not in out + err and SECRET not in out + err
