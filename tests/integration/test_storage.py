"""How the record is kept: one transaction per command (decision + outbox together), delivery of the
outbox exactly once with retries, the tamper-evident audit chain, and migrations.

Rules: storage/uow.py ("whatever a command records and whatever it must tell people ... are written in the
same transaction"), bot/notify/sender.py (the sender never repeats a delivery that succeeded and retries failures
with backoff), storage/audit.py (`panelbot audit verify` finds edited, removed or out-of-order entries and
vote rows that no longer match the log), storage/db.py (refuse an un-migrated database, saying what to run).
Everything runs on SQLite, and on PostgreSQL when PANELBOT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.notify import Sender, backoff
from bot.service import Actor
from flows.referrals import ReferralDraft, Status
from storage.audit import verify
from storage.chain import audit_hash
from storage.db import DatabaseNotReady, current_revision, ensure_ready, head_revision, make_engine, upgrade
from storage.models import AuditEntry, Ballot, OutboxMessage, Referral, Vote
from storage.uow import UnitOfWork

OP = Actor.operator()
PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")
SALFORD = [("Ann", "independent_adviser"), ("Ben", "chair"), ("Cat", "deputy_chair"), ("Dee", "business_manager")]
COMMENCE = "commence_rapid_review"


async def salford(make_panel):
    panel = await make_panel("salford")
    for name, role in SALFORD:
        await panel.add_member(actor=OP, name=name, role=role)
    return panel


async def file(panel, letter: str = "C") -> str:
    draft = ReferralDraft(referral_type="rapid_review", referrer="Children's Social Care", category="young person",
                          letter=letter, summary="Unexplained bruising seen at school.")
    return await panel.file_referral(actor=OP, draft=draft)


async def vote(panel, name: str, ref: str, outcome: str = COMMENCE, reason: str = ""):
    return await panel.vote(actor=await panel.actor_named(name), reference=ref, outcome=outcome, reason=reason)


async def snapshot(panel, ref: str) -> dict:
    """Everything a decision would change, as plain values."""
    async with panel.uow() as uow:
        s = uow.session
        referral = (await s.execute(select(Referral).where(Referral.reference == ref))).scalar_one()
        ballot = (await s.execute(select(Ballot).where(Ballot.referral_id == referral.id))).scalar_one()
        rows = (await s.execute(select(OutboxMessage).where(
            OutboxMessage.referral_id == referral.id).order_by(OutboxMessage.id))).scalars()
        outbox = [(m.purpose, m.kind) for m in rows]
        return {
            "status": referral.status,
            "outcome": referral.outcome,
            "decided_at": referral.decided_at,
            "ballot_closed": ballot.closed_at,
            "ballot_result": ballot.result,
            "outbox": outbox,
            "votes": (await s.execute(select(func.count()).select_from(Vote))).scalar_one(),
            "audit": (await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one(),
        }


# The outbox is written in the same transaction as the decision -----------------------------------------

async def test_failed_commit_loses_decision_and_outbox_together(make_panel, monkeypatch):
    """storage/uow.py: a decision (Salford 7.5: third vote for the same outcome) and the messages it implies
    are one transaction. When the commit fails after both were written, neither exists afterwards."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref)
    await vote(panel, "Ben", ref)
    before = await snapshot(panel, ref)
    assert before["status"] == Status.WITH_PANEL

    seen: dict = {}

    async def failing_commit(self: UnitOfWork) -> None:
        await self.session.flush()
        s = self.session
        seen["status"] = (await s.execute(select(Referral.status).where(Referral.reference == ref))).scalar_one()
        seen["decisions"] = sorted((await s.execute(select(OutboxMessage.purpose).where(
            OutboxMessage.kind == "decision"))).scalars())
        raise RuntimeError("the database went away")

    monkeypatch.setattr(UnitOfWork, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        await vote(panel, "Cat", ref)
    monkeypatch.undo()

    # Inside the failed transaction the decision and its outbox rows were both there...
    assert seen == {"status": Status.DECIDED, "decisions": ["bm", "panel"]}
    # ...and neither survived.
    assert await snapshot(panel, ref) == before
    assert (await panel.card(ref)).open

    # The same vote again, with a working database: decision and outbox rows exist together.
    await vote(panel, "Cat", ref)
    after = await snapshot(panel, ref)
    assert after["status"] == Status.DECIDED and after["outcome"] == COMMENCE
    assert sorted(p for p, k in after["outbox"] if k == "decision") == ["bm", "panel"]
    assert after["ballot_closed"] is not None and after["ballot_result"] == "decided"


async def test_failure_after_outbox_row_added_rolls_back_the_decision(make_panel, monkeypatch):
    """storage/uow.py: 'either all of it happened or none'. The command fails right after queueing the
    decision message (before it commits): no decision, no outbox row, no audit entry, the vote not saved."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref)
    await vote(panel, "Ben", ref)
    before = await snapshot(panel, ref)

    original = UnitOfWork.outbox
    added: list[str] = []

    def outbox_then_fail(self: UnitOfWork, **kw):
        row = original(self, **kw)
        added.append(kw["kind"])
        if kw["kind"] == "decision":
            raise RuntimeError("crash after the outbox row was added")
        return row

    monkeypatch.setattr(UnitOfWork, "outbox", outbox_then_fail)
    with pytest.raises(RuntimeError):
        await vote(panel, "Cat", ref)
    monkeypatch.undo()
    assert added[-1] == "decision"
    assert await snapshot(panel, ref) == before


async def test_successful_chair_decision_has_its_outbox_rows(make_panel):
    """BALLOTS.md (a tie escalates to the tie-breaker, who decides with a reason) / storage/uow.py: once the
    Independent Adviser's decision is committed, the decision and the messages telling the panel and the
    BM exist together, stamped with the same instant."""
    panel = await salford(make_panel)
    ref = await file(panel)
    for name, outcome in (("Ann", COMMENCE), ("Ben", "case_review"), ("Cat", COMMENCE), ("Dee", "case_review")):
        await vote(panel, name, ref, outcome)
    await panel.chair_decide(actor=await panel.actor_named("Ann"), reference=ref, outcome=COMMENCE,
                             reason="Serious harm; rapid review needed")
    async with panel.uow() as uow:
        referral = (await uow.session.execute(select(Referral).where(Referral.reference == ref))).scalar_one()
        rows = list((await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.referral_id == referral.id, OutboxMessage.kind == "decision"))).scalars())
    assert referral.status == Status.DECIDED and referral.decided_how == "chair"
    assert sorted(r.purpose for r in rows) == ["bm", "panel"]
    assert all(r.created_at == referral.decided_at for r in rows)


# Delivery: each row once, failures retried after the backoff --------------------------------------------

class FakeAdapter:
    """A platform that reaches everyone (like the terminal) and records what it was asked to deliver."""

    def __init__(self, platform: str = "fake", fail_times: int = 0) -> None:
        self.platform = platform
        self.reaches_everyone = True
        self.target_interval = 0.0
        self.fail_times = fail_times
        self.calls: list[tuple[str, str, str | None, str | None]] = []

    async def deliver(self, target, message, previous_id):  # type: ignore[no-untyped-def]
        reference = message.card.reference if message.card is not None else None
        self.calls.append((target, message.kind, reference, previous_id))
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("platform unavailable")
        return f"{self.platform}-msg-{len(self.calls)}"


async def pending(panel) -> list[OutboxMessage]:
    async with panel.uow() as uow:
        return list((await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id))).scalars())


async def test_sender_delivers_each_row_exactly_once(make_panel):
    """bot/notify/sender.py: every outbox row reaches each target once; flushing again delivers nothing more. A card
    update is delivered as an edit of the card posted first."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref)
    rows = await pending(panel)
    assert [(r.purpose, r.kind) for r in rows] == [("panel", "referral_card"), ("panel", "card_update")]
    adapter = FakeAdapter()
    sender = Sender(panel, [adapter])
    assert await sender.flush() == 2
    assert adapter.calls == [
        ("panel", "referral_card", ref, None),
        ("panel", "card_update", ref, "fake-msg-1"),
    ]
    assert await sender.flush() == 0
    assert len(adapter.calls) == 2
    assert await pending(panel) == []
    async with panel.uow() as uow:
        sent = list((await uow.session.execute(select(OutboxMessage))).scalars())
    assert all(r.delivered_to == ["fake:panel"] and r.last_error is None for r in sent)


async def test_sender_retries_a_failed_platform_after_backoff_only(make_panel, clock):
    """bot/notify/sender.py: one platform failing does not stop the others; the failed delivery is retried after the
    backoff (10 seconds after the first attempt), not before, and the platform that succeeded is not sent the
    message again."""
    panel = await salford(make_panel)
    ref = await file(panel)
    good, flaky = FakeAdapter("fake"), FakeAdapter("flaky", fail_times=1)
    sender = Sender(panel, [good, flaky])

    assert await sender.flush() == 0  # not complete: one platform failed
    assert good.calls == [("panel", "referral_card", ref, None)]
    assert len(flaky.calls) == 1
    [row] = await pending(panel)
    assert row.delivered_to == ["fake:panel"]
    assert "flaky: ConnectionError" in (row.last_error or "")
    assert backoff(1) == timedelta(seconds=10)

    assert await sender.flush() == 0  # same instant: too soon
    clock.advance(seconds=9)
    assert await sender.flush() == 0  # still before the backoff
    assert len(flaky.calls) == 1 and len(good.calls) == 1

    clock.advance(seconds=1)
    assert await sender.flush() == 1
    assert len(flaky.calls) == 2 and flaky.calls[-1][:3] == ("panel", "referral_card", ref)
    assert len(good.calls) == 1  # not delivered twice
    assert await pending(panel) == []
    clock.advance(hours=1)
    assert await sender.flush() == 0
    assert (len(good.calls), len(flaky.calls)) == (1, 2)


# The audit chain ---------------------------------------------------------------------------------------

async def history(make_panel) -> tuple:
    """A normal history: members, a referral, votes (one changed), a recusal and a decision."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, "case_review")
    await vote(panel, "Ann", ref, COMMENCE)
    await panel.recuse(actor=await panel.actor_named("Ben"), reference=ref, reason="Conflict of interest")
    await vote(panel, "Cat", ref)
    assert (await panel.card(ref)).status == Status.DECIDED
    return panel, ref


async def check(panel):
    async with panel.uow() as uow:
        return await verify(uow.session)


async def raw(engine, sql: str, **params) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(sql), params)


async def seq_of(panel, action: str) -> int:
    async with panel.uow() as uow:
        return (await uow.session.execute(select(AuditEntry.seq).where(
            AuditEntry.action == action).order_by(AuditEntry.seq).limit(1))).scalar_one()


async def test_audit_verify_passes_on_a_normal_history(make_panel):
    """storage/audit.py: `panelbot audit verify` passes when nothing was touched."""
    panel, _ = await history(make_panel)
    report = await check(panel)
    assert report.ok, report.problems
    async with panel.uow() as uow:
        n, head = (await uow.session.execute(
            select(func.count(AuditEntry.id), func.max(AuditEntry.seq)))).one()
        last = (await uow.session.execute(select(AuditEntry.hash).where(AuditEntry.seq == head))).scalar_one()
    assert report.entries == n and report.head == last


async def test_audit_verify_detects_an_edited_payload(make_panel, engine):
    """storage/audit.py: an audit entry edited after it was written (raw SQL UPDATE) is found."""
    panel, _ = await history(make_panel)
    seq = await seq_of(panel, "referral_filed")
    payload = json.dumps({"type": "rapid_review", "subject": "Young Person Z", "referrer": "Police", "themes": []})
    cast = "CAST(:p AS JSON)" if engine.dialect.name == "postgresql" else ":p"
    await raw(engine, f"UPDATE audit_log SET payload = {cast} WHERE seq = :s", p=payload, s=seq)
    report = await check(panel)
    assert not report.ok
    assert f"Audit entry {seq} (referral_filed) was altered after it was written." in report.problems


async def test_audit_verify_detects_an_edit_with_a_recomputed_hash(make_panel, engine):
    """storage/audit.py (hash chain): rewriting an entry and its own hash still breaks the link to the next
    entry."""
    panel, _ = await history(make_panel)
    seq = await seq_of(panel, "referral_filed")
    async with panel.uow() as uow:
        e = (await uow.session.execute(select(AuditEntry).where(AuditEntry.seq == seq))).scalar_one()
        forged = audit_hash(seq=e.seq, at=e.at, actor=e.actor, action=e.action, subject=e.subject,
                            payload=e.payload, prev_hash=e.prev_hash)
        assert forged == e.hash  # sanity: the entry is as written
        new_actor = "someone else"
        forged = audit_hash(seq=e.seq, at=e.at, actor=new_actor, action=e.action, subject=e.subject,
                            payload=e.payload, prev_hash=e.prev_hash)
    await raw(engine, "UPDATE audit_log SET actor = :a, hash = :h WHERE seq = :s", a=new_actor, h=forged, s=seq)
    report = await check(panel)
    assert f"Audit entry {seq + 1} does not follow on from the entry before it." in report.problems


async def test_audit_verify_detects_a_deleted_entry(make_panel, engine):
    """storage/audit.py: an audit entry removed from the middle of the chain is found."""
    panel, _ = await history(make_panel)
    seq = await seq_of(panel, "referral_filed")
    await raw(engine, "DELETE FROM audit_log WHERE seq = :s", s=seq)
    report = await check(panel)
    assert not report.ok
    assert any(p.startswith(f"Audit entry {seq} is missing") for p in report.problems)


async def test_audit_verify_detects_an_edited_vote_row(make_panel, engine):
    """storage/audit.py cross-check: a vote row changed in the votes table (UPDATE votes SET outcome) no
    longer matches what the audit log recorded when it was cast."""
    panel, _ = await history(make_panel)
    cat = await panel.actor_named("Cat")
    async with panel.uow() as uow:
        vote_id = (await uow.session.execute(select(Vote.id).where(Vote.member_id == cat.member_id))).scalar_one()
    await raw(engine, "UPDATE votes SET outcome = 'case_review' WHERE id = :v", v=vote_id)
    report = await check(panel)
    assert report.problems == [f"Vote {vote_id} was changed after it was recorded."]


async def test_audit_verify_detects_a_deleted_vote_row(make_panel, engine):
    """storage/audit.py cross-check: a vote that the audit log recorded but that is gone from the votes table
    is found."""
    panel, _ = await history(make_panel)
    ann = await panel.actor_named("Ann")
    async with panel.uow() as uow:
        first = (await uow.session.execute(select(Vote.id).where(
            Vote.member_id == ann.member_id).order_by(Vote.id).limit(1))).scalar_one()
    await raw(engine, "DELETE FROM votes WHERE id = :v", v=first)
    report = await check(panel)
    assert report.problems == [
        f"Vote {first} was recorded in the audit log but is missing from the votes table."]


async def test_audit_verify_detects_an_old_vote_made_current_again(make_panel, engine):
    """storage/audit.py: "tampering with the votes table itself is caught too". Ann changed her vote from
    case review to commence (BALLOTS.md: the old one stays in the history). Flipping `is_current` back to
    the old row changes what the card and the tally count, so verify must report it."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, "case_review")
    await vote(panel, "Ann", ref, COMMENCE)
    ann = await panel.actor_named("Ann")
    async with panel.uow() as uow:
        old, new = (await uow.session.execute(select(Vote.id).where(
            Vote.member_id == ann.member_id).order_by(Vote.id))).scalars().all()
    assert (await check(panel)).ok
    await raw(engine, "UPDATE votes SET is_current = :f WHERE id = :v", f=False, v=new)
    await raw(engine, "UPDATE votes SET is_current = :t WHERE id = :v", t=True, v=old)
    assert (await panel.card(ref)).votes[0].outcome == "Case review instead"  # the tampering took effect
    report = await check(panel)
    assert not report.ok, "an old vote made current again went unnoticed"


async def test_audit_verify_detects_a_vote_added_outside_the_bot(make_panel, engine):
    """storage/audit.py cross-check: a vote row inserted straight into the table has no audit entry."""
    panel, ref = await history(make_panel)
    dee = await panel.actor_named("Dee")
    async with panel.uow() as uow:
        ballot = (await uow.session.execute(select(Ballot))).scalar_one()
    await raw(engine,
              "INSERT INTO votes (partnership_id, ballot_id, member_id, role, kind, outcome, reason, cast_at, "
              "is_current) VALUES (:p, :b, :m, 'business_manager', 'vote', 'case_review', NULL, CURRENT_TIMESTAMP, :c)",
              p=panel.partnership_id, b=ballot.id, m=dee.member_id, c=True)
    report = await check(panel)
    [problem] = report.problems
    assert problem.endswith("has no audit entry: it was added outside the bot.")


# Migrations ---------------------------------------------------------------------------------------------

def _empty_backends() -> list:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.skipif(
            not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set to a PostgreSQL URL")),
    ]


@pytest.fixture(params=_empty_backends())
async def empty_engine(request, tmp_path):  # type: ignore[no-untyped-def]
    """A database with no Panelbot tables: a new SQLite file, or a new empty PostgreSQL schema."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
        yield eng
        await eng.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(PG_URL, connect_args={"options": f"-c search_path={schema}"})
    try:
        yield eng
    finally:
        await eng.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def test_upgrade_a_fresh_database_then_it_is_ready(empty_engine):
    """storage/db.py: `panelbot db upgrade` on a fresh database brings it to the latest migration, after which
    the bot's start-up check passes and a panel can be opened on it."""
    before, after = await upgrade(empty_engine)
    assert before is None and after == head_revision() != ""
    assert await current_revision(empty_engine) == head_revision()
    await ensure_ready(empty_engine, migrate_fresh=False)  # does not raise
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset

    panel = await open_panel(empty_engine, load_preset("salford"))
    assert await panel.status() == []
    # Upgrading again is a no-op.
    assert await upgrade(empty_engine) == (head_revision(), head_revision())


async def test_unmigrated_database_is_refused_with_what_to_run(empty_engine):
    """storage/db.py: the bot refuses to run on a database without its tables and says to run
    `panelbot db upgrade`; nothing is created."""
    with pytest.raises(DatabaseNotReady) as refused:
        await ensure_ready(empty_engine, migrate_fresh=False)
    assert "Run `panelbot db upgrade`" in str(refused.value)
    assert await current_revision(empty_engine) is None


async def test_fresh_sqlite_is_migrated_on_first_run_when_asked(tmp_path):
    """storage/db.py: a brand-new SQLite file is migrated at start when `migrate_fresh` is set, so the first
    run needs no extra step."""
    eng = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'first.db'}")
    try:
        await ensure_ready(eng, migrate_fresh=True)
        assert await current_revision(eng) == head_revision()
    finally:
        await eng.dispose()


async def test_files_queued_in_the_outbox_reach_the_adapter_as_bytes(make_panel):
    """A chart queued through the outbox (base64 in the JSON body) arrives as the same PNG bytes."""
    import base64

    from bot.notify import Sender

    panel = await make_panel("salford")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    async with panel.uow() as uow:
        uow.outbox(partnership_id=panel.partnership_id, now=panel.now(), purpose="bm", kind="notice",
                   body={"text": "Your report", "files": [["timeliness.png", base64.b64encode(png).decode()]]})
        await uow.commit()
    got = []

    class Fake:
        platform, reaches_everyone = "fake", True
        target_interval = 0.0

        async def deliver(self, target, message, previous_id):
            got.append(message.files)

    await Sender(panel, [Fake()]).flush()
    assert got == [(("timeliness.png", png),)]


async def test_database_errors_never_carry_what_people_typed(engine):
    """A failed statement's error text (which may end up in a traceback in a log) hides its parameters."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from storage.models import Partnership

    typed = "Summary with a secret detail"
    async with engine.begin() as conn:
        await conn.execute(insert(Partnership).values(preset_id="x", name=typed, created_at=datetime.now(UTC)))
    with pytest.raises(IntegrityError) as err:
        async with engine.begin() as conn:
            await conn.execute(insert(Partnership).values(preset_id="x", name=typed, created_at=datetime.now(UTC)))
    assert typed not in str(err.value)


async def test_a_vanished_client_cannot_hold_its_locks_for_long_on_postgresql(engine) -> None:  # type: ignore[no-untyped-def]
    """Every PostgreSQL connection the bot opens asks the server to end a transaction left idle for a minute,
    so a replica killed (or cut off) mid-command frees its row and audit-chain locks for everyone else."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server setting")
    async with engine.connect() as conn:
        shown = (await conn.execute(text("SHOW idle_in_transaction_session_timeout"))).scalar_one()
    assert shown == "1min"
