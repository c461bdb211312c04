"""Scheduled jobs, registered by name (`panelbot jobs` lists them). Reminder and deadline state lives in
database columns, never in the scheduler, so a restart loses nothing: each job asks the database what is
due now and acts on it.

Two or more bot processes may share one PostgreSQL database (a second replica, a rolling deploy). Each job
is then made safe twice over:

* One sweep at a time: every run of a job first takes a per-job, per-partnership PostgreSQL advisory lock
  with `pg_try_advisory_xact_lock` (`storage.uow.sweep_lock`). A replica that does not get it skips that
  run at once (`run_job` returns `SKIPPED`) and tries again on its next tick; the lock is released when the
  sweep ends, or by PostgreSQL if the process dies. On SQLite (one process) the lock is not needed.
* Row locks inside each sweep, so a command running at the same moment (a late vote, a BM's `resume`) or a
  sweep started without the lock (`panelbot reminders run`) still cannot act twice on the same row. Rows are
  locked `FOR NO KEY UPDATE` (never plain `FOR UPDATE`, which would block the key-share lock PostgreSQL takes
  when a new outbox row points at a locked referral, and deadlock a vote against the reminder sweep):
  `close_due_ballots` locks the due referral and ballot rows with SKIP LOCKED, and PostgreSQL re-checks them
  once locked; `send_reminders` locks due deadline rows with SKIP LOCKED and logs each reminder under a unique
  key; `hold_agenda` locks the referrals whose held-case review a panel has passed (each starts again
  for the next panel once), then the partnership row, and records the meeting it covered; `release_holds` locks
  the held referrals with SKIP LOCKED; `flush_outbox` claims outbox rows `FOR UPDATE SKIP LOCKED` with a
  two-minute lease and records each target reached (bot/notify/); `tell_stuck` records each notice of a
  stuck target under a unique key (target, UK day) in the transaction that queues it (bot/service/stuck.py).

We chose an advisory lock per job, rather than SKIP LOCKED alone, because it keeps a whole sweep on one
replica (the other does no work at all, and a scheduled flush delivers its rows in order), while the row
locks are what make a double action impossible even when two sweeps do overlap. The outbox pump's flush after
a command (bot/notify/) is not under the sweep lock: two replicas' flushes may then run side by side, each
row still delivered once, though a decision can then be delivered before its card. Tests:
tests/test_replicas_pg.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.notify import Sender
from bot.service import Panel
from storage.uow import sweep_lock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    what: str
    run: Callable[[Panel, Sender], Awaitable[object]]


async def _close_due_ballots(panel: Panel, sender: Sender) -> object:
    return await panel.check_deadlines()


async def _release_holds(panel: Panel, sender: Sender) -> object:
    return await panel.release_holds()


async def _hold_agenda(panel: Panel, sender: Sender) -> object:
    return await panel.hold_agenda()


async def _remind_meetings(panel: Panel, sender: Sender) -> object:
    return await panel.remind_meetings()


async def _plan_panels(panel: Panel, sender: Sender) -> object:
    return await panel.plan_panels()


async def _send_reminders(panel: Panel, sender: Sender) -> object:
    return await panel.run_reminders()


async def _flush_outbox(panel: Panel, sender: Sender) -> object:
    return await sender.flush()


async def _tell_stuck(panel: Panel, sender: Sender) -> object:
    return await panel.tell_stuck()


JOBS = (
    Job("close_due_ballots", 60, "close ballots whose decision deadline has passed", _close_due_ballots),
    Job("release_holds", 300, "bring back referrals whose hold has ended", _release_holds),
    Job("hold_agenda", 900, "on a monthly panel's day, list the cases on hold; after it, their reviews are due at "
        "the next panel (Suffolk 3)", _hold_agenda),
    Job("meeting_reminders", 300, "remind the partners not yet attending a meeting or monthly panel; warn if it "
        "is not quorate", _remind_meetings),
    Job("plan_panels", 3600, "plan the next monthly panels as meetings (Suffolk 3)", _plan_panels),
    Job("send_reminders", 60, "send the reminders and escalations that have fallen due", _send_reminders),
    Job("flush_outbox", 5, "deliver queued messages, retrying failures with backoff", _flush_outbox),
    Job("tell_stuck", 120, "tell the business manager of messages that cannot be delivered", _tell_stuck),
)

JOBS_BY_NAME = {job.name: job for job in JOBS}


class _Skipped:
    def __repr__(self) -> str:
        return "SKIPPED"


SKIPPED = _Skipped()  # what `run_job` returns when another bot process is running the same sweep


async def run_job(job: Job, panel: Panel, sender: Sender) -> object:
    """Run one sweep, unless another bot process on the same database is running it right now."""
    engine = panel.sessionmaker.kw.get("bind")
    if engine is None:  # a panel not bound to one engine (never the case in `serve()`): nothing to lock on
        return await job.run(panel, sender)
    async with sweep_lock(engine, job.name, panel.partnership_id) as mine:
        if not mine:
            log.debug("scheduled job %s skipped: another bot process is running it", job.name)
            return SKIPPED
        started = time.perf_counter()
        result = await job.run(panel, sender)
        if getattr(sender, "metrics", None) is not None:  # panelbot_sweep_duration_seconds (bot/metrics.py)
            sender.metrics.sweep(job.name, time.perf_counter() - started)
        return result


async def run_due_jobs(panel: Panel, sender: Sender) -> None:
    """Run every job once, in order (the terminal's `clock` command uses this after moving time)."""
    for job in JOBS:
        await run_job(job, panel, sender)


RUNNING: dict[int, set[asyncio.Task]] = {}  # per scheduler: its sweeps under way


async def stop_scheduler(scheduler: AsyncIOScheduler, grace: float) -> bool:
    """Start no more sweeps; let those under way finish for up to `grace` seconds, then abandon them (a sweep's
    transaction is rolled back, and the next start does its work). True when none had to be abandoned."""
    if scheduler.running:
        scheduler.shutdown(wait=False)
    running = [t for t in RUNNING.pop(id(scheduler), set()) if not t.done()]
    if not running:
        return True
    done, pending = await asyncio.wait(running, timeout=grace)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=grace)
        log.warning("stopping: %d scheduled sweep(s) abandoned (rolled back; the next start does them)", len(pending))
    return not pending


def start_scheduler(panel: Panel, sender: Sender) -> AsyncIOScheduler:
    """Every job on its interval, each run first a few seconds after start (so what fell due while the bot
    was down goes out within a minute), plus a wake-up at the next reminder's exact time."""
    scheduler = AsyncIOScheduler()
    started = datetime.now(UTC)
    running: set[asyncio.Task] = set()  # the sweeps under way, for `stop_scheduler`
    RUNNING[id(scheduler)] = running

    async def wake_for_next_reminder() -> None:
        nxt = await panel.next_reminder_time()
        if nxt is None:
            return
        # The panel's clock may be simulated (the terminal's `clock`); the scheduler runs on real time.
        delay = max((nxt - panel.now()).total_seconds(), 1.0)
        scheduler.add_job(
            reminders_tick,
            "date",
            run_date=datetime.now(UTC) + timedelta(seconds=delay),
            id="next_reminder",
            name="next_reminder",
            replace_existing=True,
        )

    async def reminders_tick() -> None:
        await tick_job(JOBS_BY_NAME["send_reminders"])
        await wake_for_next_reminder()

    async def tick_job(job: Job) -> None:
        task = asyncio.current_task()
        if task is not None:
            running.add(task)
        try:
            await run_job(job, panel, sender)
        except asyncio.CancelledError:  # abandoned by a stop (`stop_scheduler`): rolled back, done next start
            log.info("scheduled job %s abandoned by the stop", job.name)
        except Exception:  # a failing job is logged and tried again on its next tick
            log.exception("scheduled job %s failed", job.name)
        finally:
            running.discard(task)  # type: ignore[arg-type]

    for i, job in enumerate(JOBS):
        run = reminders_tick if job.name == "send_reminders" else partial(tick_job, job)
        scheduler.add_job(
            run,
            "interval",
            seconds=job.every_seconds,
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            next_run_time=started + timedelta(seconds=2 + i),
        )
    scheduler.start()
    return scheduler
