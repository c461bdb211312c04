"""Benchmark: the cost of one reminder sweep as open requests grow, and the catch-up after an outage.

    .venv/bin/python scripts/bench_reminders.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]

For 1k, 10k and 100k open information requests of which a fixed 100 are due, it prints the time of one
sweep: the sweep reads only the rows whose `next_reminder_at` has come (an index range scan), so the
figure should stay flat as the open count grows. Then it simulates a 3-day outage over 1,000 requests and
prints how long the catch-up sweep takes and how many messages it queued (one per request, collapsed).
Each run uses a schema of its own, dropped at the end. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from bot.service import Actor  # noqa: E402
from bot.service.bootstrap import open_panel  # noqa: E402
from flows.preset import load_preset  # noqa: E402
from flows.referrals import ReferralDraft  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Deadline  # noqa: E402

FILED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tue 1 Dec 2026
SWEEP_AT = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)  # Wed 9 Dec 2026, inside working hours
BACK_UP_AT = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)  # Mon 14 Dec 2026: down since Fri 11 Dec, 3 days
DUE = 100


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def scenario(url: str, open_count: int, *, outage: bool = False) -> tuple[float, int]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-c search_path={schema}"})
    try:
        await upgrade(engine)
        clock = Clock(FILED)
        panel = await open_panel(engine, load_preset("salford"), clock=clock)
        ref = await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
            referral_type="rapid_review", referrer="Police", category="baby", letter="A", summary="Benchmark."))
        async with panel.uow() as uow:
            referral_id = (await uow.session.execute(text("SELECT id FROM referrals"))).scalar_one()
            # Make the referral's own clocks quiet so only the synthetic requests count.
            await uow.session.execute(text("UPDATE deadlines SET next_reminder_at = NULL"))
            rows = []
            for i in range(open_count):
                due_now = outage or i < DUE
                due_at = FILED + timedelta(days=6) if due_now else FILED + timedelta(days=60)
                rows.append({
                    "partnership_id": panel.partnership_id, "referral_id": referral_id, "clock_id": "agency_return",
                    "label": "Agency summary and chronology returned", "owner": "agency", "agency": "police",
                    "started_at": FILED, "due_at": due_at, "last_reminder_at": FILED,
                    "next_reminder_at": FILED + timedelta(days=5) if due_now else FILED + timedelta(days=59),
                })
            for start in range(0, len(rows), 5000):
                await uow.session.execute(insert(Deadline), rows[start:start + 5000])
            await uow.commit()
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE deadlines"))
        clock.now = BACK_UP_AT if outage else SWEEP_AT
        began = time.perf_counter()
        queued = await panel.run_reminders()
        elapsed = time.perf_counter() - began
        del ref
        return elapsed, queued
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def main(url: str) -> None:
    print(f"Reminder sweep on {url.split('@')[-1]} ({DUE} due each time)")
    for count in (1_000, 10_000, 100_000):
        elapsed, queued = await scenario(url, count)
        print(f"  {count:>7,} open requests: one sweep {elapsed * 1000:8.1f} ms, {queued} messages queued")
    elapsed, queued = await scenario(url, 1_000, outage=True)
    print(f"  catch-up after a 3-day outage, 1,000 overdue requests: {elapsed * 1000:.1f} ms, {queued} messages "
          "queued (one reminder per request and one escalation each to the BM and the safeguarding lead)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("PANELBOT_TEST_DATABASE_URL",
                                                        "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    asyncio.run(main(parser.parse_args().url))
