"""Scheduled jobs, registered by name (`panelbot jobs` lists them). Reminder and deadline state lives in
database columns, never in the scheduler, so a restart loses nothing: each job asks the database what is
due now and acts on it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.notify import Sender
from bot.service import Panel

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


async def _flush_outbox(panel: Panel, sender: Sender) -> object:
    return await sender.flush()


JOBS = (
    Job("close_due_ballots", 60, "close ballots whose decision deadline has passed", _close_due_ballots),
    Job("release_holds", 300, "bring back referrals whose hold has ended", _release_holds),
    Job("hold_agenda", 900, "on a monthly panel's day, list the cases on hold (Suffolk 4)", _hold_agenda),
    Job("flush_outbox", 5, "deliver queued messages, retrying failures with backoff", _flush_outbox),
)


async def run_due_jobs(panel: Panel, sender: Sender) -> None:
    """Run every job once, in order (the terminal's `clock` command uses this after moving time)."""
    for job in JOBS:
        await job.run(panel, sender)


def start_scheduler(panel: Panel, sender: Sender) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler()
    for job in JOBS:

        async def tick(job: Job = job) -> None:
            try:
                await job.run(panel, sender)
            except Exception:  # a failing job is logged and tried again on its next tick
                log.exception("scheduled job %s failed", job.name)

        scheduler.add_job(
            tick, "interval", seconds=job.every_seconds, id=job.name, name=job.name, max_instances=1, coalesce=True
        )
    scheduler.start()
    return scheduler
