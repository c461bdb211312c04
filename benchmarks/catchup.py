"""Catch-up: after a simulated 3-day outage with 1,000 agency requests overdue, the time from the bot's
first sweep to every missed reminder queued, and whether anything was queued twice.

After an outage the first sweep sends only the latest occurrence each request missed (one "overdue since"
message, not three), plus the escalations that fell due. Target: < 60 s (absolute), zero duplicates (a second
sweep at the same moment queues nothing, and no request's recipient gets two reminders of one kind). Floor: the time to
just write and read back the same 1,000 deadline rows.
"""

from __future__ import annotations

import time

from sqlalchemy import func, select, text

from benchmarks.common import Context, Row
from benchmarks.sweep import BACK_UP_AT, database, filled_panel, timed_sweep

NAME = "catchup"
TITLE = "catch-up after a 3-day outage with 1,000 requests overdue"


async def run(ctx: Context) -> list[Row]:
    from storage.models import Deadline, OutboxMessage, ReminderLog

    count = 100 if ctx.quick else 1_000
    on = "PostgreSQL" if ctx.pg else "SQLite"
    async with database(ctx) as engine:
        began = time.perf_counter()
        panel = await filled_panel(engine, count, due=count)
        async with panel.uow() as uow:
            read = len((await uow.session.execute(select(Deadline))).scalars().all())
        floor = time.perf_counter() - began
        took, queued = await timed_sweep(panel, BACK_UP_AT)
        _, again = await timed_sweep(panel, BACK_UP_AT)
        async with panel.uow() as uow:
            s = uow.session
            keys = (await s.execute(select(func.count(ReminderLog.id)))).scalar_one()
            distinct = (await s.execute(text(
                "SELECT COUNT(*) FROM (SELECT DISTINCT deadline_id, kind, recipient FROM reminder_log) k"
            ))).scalar_one()
            outbox = (await s.execute(select(func.count(OutboxMessage.id)))).scalar_one()
    dupes = (keys - distinct) + again
    return [
        Row(NAME, f"catch-up, {count:,} overdue after 3 days ({on})", round(took, 2), "s", floor=round(floor, 3),
            floor_name=f"write + read {read:,} deadline rows", target="< 60 s, no duplicates",
            met=took < 60 and dupes == 0,
            notes=f"{queued:,} messages queued ({outbox:,} outbox rows); a second sweep queued {again}; "
            f"{keys - distinct} requests told twice of the same thing"),
    ]
