"""Reminder sweep: the cost of one sweep (`Panel.run_reminders`) with 1k, 10k and 100k open information
requests on PostgreSQL, of which a fixed 100 are due, and the plan of its query.

The sweep reads only rows whose `next_reminder_at` has come (an index range scan), so its cost should grow
with what is due, not with what is open. Floors: the sweep at 1k open (the ratio 100k/1k is the figure that
matters; target ≤ 2×), with a `SELECT 1` round trip and the sweep with nothing due shown beside it.
Without PostgreSQL the same runs on SQLite, smaller, and says so.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from benchmarks.common import Clock, Context, Row, pg_schema, sqlite_file

NAME = "sweep"
TITLE = "one reminder sweep at 1k / 10k / 100k open requests (100 due)"
FILED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tue 1 Dec 2026
SWEEP_AT = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)  # Wed 9 Dec 2026, inside working hours
BACK_UP_AT = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)  # Mon 14 Dec 2026: down since Fri 11 Dec, 3 days
DUE = 100


@asynccontextmanager
async def database(ctx: Context):  # type: ignore[no-untyped-def]
    """PostgreSQL (a fresh schema) when reachable, else a temporary SQLite file."""
    if ctx.pg:
        async with pg_schema(ctx.pg_url) as engine:
            yield engine
    else:
        async with sqlite_file(Path(tempfile.mkdtemp(prefix="panelbot-bench-"))) as engine:
            yield engine


async def filled_panel(engine: Any, open_count: int, due: int) -> Any:
    """A Salford panel with one referral (its own clocks silenced) and `open_count` open agency requests, `due`
    of them due for a reminder at SWEEP_AT (all of them when due >= open_count), written straight into the
    table: filing 100k requests through the service would take far longer than the sweep being measured."""
    from bot.service import Actor
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset
    from flows.referrals import ReferralDraft
    from storage.models import Deadline

    clock = Clock(FILED)
    panel = await open_panel(engine, load_preset("salford"), clock=clock)
    await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
        referral_type="rapid_review", referrer="Police", category="baby", letter="A", summary="Benchmark."))
    async with panel.uow() as uow:
        referral_id = (await uow.session.execute(text("SELECT id FROM referrals"))).scalar_one()
        await uow.session.execute(text("UPDATE deadlines SET next_reminder_at = NULL"))
        rows = []
        for i in range(open_count):
            due_now = i < due
            rows.append({
                "partnership_id": panel.partnership_id, "referral_id": referral_id, "clock_id": "agency_return",
                "label": "Agency summary and chronology returned", "owner": "agency", "agency": "police",
                "started_at": FILED, "last_reminder_at": FILED,
                "due_at": FILED + timedelta(days=6 if due_now else 60),
                "next_reminder_at": FILED + timedelta(days=5 if due_now else 59),
            })
        for start in range(0, len(rows), 5000):
            await uow.session.execute(insert(Deadline), rows[start:start + 5000])
        await uow.commit()
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE deadlines" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return panel


def sweep_query(panel: Any, now: datetime) -> Any:
    """The sweep's query as `Panel.run_reminders` issues it (bot/service/reminders.py), for EXPLAIN."""
    from storage.models import Deadline

    return (select(Deadline)
            .where(Deadline.partnership_id == panel.partnership_id, Deadline.next_reminder_at <= now,
                   Deadline.done_at.is_(None), Deadline.cancelled_at.is_(None))
            .order_by(Deadline.next_reminder_at, Deadline.id).limit(200)
            .with_for_update(skip_locked=True, key_share=True))


async def plan(engine: Any, panel: Any, now: datetime) -> str:
    if engine.dialect.name != "postgresql":
        return ""
    compiled = sweep_query(panel, now).compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
    async with engine.connect() as conn:
        lines = (await conn.execute(text(f"EXPLAIN {compiled}"))).scalars().all()
    return "\n".join(lines)


async def timed_sweep(panel: Any, at: datetime) -> tuple[float, int]:
    panel.clock.now = at  # the panel's Clock
    began = time.perf_counter()
    queued = await panel.run_reminders()
    return time.perf_counter() - began, queued


async def round_trip(engine: Any, times: int = 50) -> float:
    async with engine.connect() as conn:
        began = time.perf_counter()
        for _ in range(times):
            await conn.execute(text("SELECT 1"))
        return (time.perf_counter() - began) / times


async def run(ctx: Context) -> list[Row]:
    counts = (200, 1_000) if ctx.quick else (1_000, 10_000, 100_000)
    due = 20 if ctx.quick else DUE
    on = "PostgreSQL" if ctx.pg else "SQLite (PostgreSQL unreachable)"
    figures: dict[int, float] = {}
    rows: list[Row] = []
    shown_plan = ""
    idle = rtt = 0.0
    for count in counts:
        async with database(ctx) as engine:
            panel = await filled_panel(engine, count, due)
            if count == counts[0]:
                rtt = await round_trip(engine)
                idle, _ = await timed_sweep(panel, FILED + timedelta(days=1))  # nothing due yet
            if count == counts[-1]:
                shown_plan = await plan(engine, panel, SWEEP_AT)
            figures[count], queued = await timed_sweep(panel, SWEEP_AT)
        print(f"   {count:>7,} open: one sweep {figures[count] * 1000:8.1f} ms, {queued} messages queued", flush=True)
    if shown_plan:
        print("   query plan at", f"{counts[-1]:,} open:")
        print("\n".join("     " + line for line in shown_plan.splitlines()), flush=True)
    base = figures[counts[0]]
    for count in counts:
        last = count == counts[-1]
        rows.append(Row(
            NAME, f"one sweep, {count:,} open, {due} due ({on.split()[0]})", round(figures[count] * 1000, 1), "ms",
            floor=round(base * 1000, 1), floor_name=f"the sweep at {counts[0]:,} open",
            target=f"≤ 2× at {counts[-1]:,}" if last else "", met=(figures[count] <= 2 * base) if last else None,
            notes=(f"{figures[count] / due * 1000:.1f} ms per due request" if count == counts[0] else "")
            + (f"plan: {'index' if 'Index' in shown_plan else 'NO index'} scan on next_reminder_at"
               if last and shown_plan else ""),
        ))
    rows.append(Row(NAME, f"sweep with nothing due, {counts[0]:,} open", round(idle * 1000, 2), "ms",
                    floor=round(rtt * 1000, 3), floor_name="SELECT 1 round trip",
                    notes="the fixed cost of a sweep that finds nothing: one query"))
    ctx.extra["sweep_plan"] = shown_plan
    return rows
