"""Wiring: settings -> engine -> preset -> partnership row -> `Panel`. Nothing connects on import.

`build_panel` is the one place the service is put together: the `Core` every handler shares, each concept's
handler given the others it uses, and the `Panel` facade over them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.service.agenda import AgendaCommands
from bot.service.attendance import AttendanceCommands
from bot.service.ballots import BallotCommands
from bot.service.base import Core
from bot.service.casefile import CaseFileCommands
from bot.service.clockwork import ClockCommands
from bot.service.complaints import ComplaintCommands
from bot.service.decisions import DecisionRules
from bot.service.holds import HoldCommands
from bot.service.links import LinkViews
from bot.service.meetings import MeetingCommands
from bot.service.members import MemberCommands
from bot.service.panel import Handlers, Panel
from bot.service.panel_meetings import PanelMeetingCommands
from bot.service.referrals import ReferralCommands
from bot.service.reminders import ReminderCommands
from bot.service.reports import ReportCommands
from bot.service.requests import RequestCommands
from bot.service.stages import StageCommands
from bot.service.stuck import StuckCommands
from bot.service.views import Views
from flows.calendar import WorkingCalendar
from flows.clocks import calendar_for
from flows.errors import PanelError
from flows.preset import Preset
from flows.stuck import STUCK_AFTER
from storage.models import Partnership
from storage.uow import UnitOfWork, make_sessionmaker


def build_panel(
    *,
    preset: Preset,
    calendar: WorkingCalendar,
    sessionmaker: async_sessionmaker[AsyncSession] | None,
    partnership_id: int,
    clock: Callable[[], datetime] | None = None,
    on_outbox: Callable[[], Awaitable[None]] | None = None,
    practice: bool = False,
    stuck_after: timedelta = STUCK_AFTER,
    unit_of_work: Callable[[int, str | None], UnitOfWork] | None = None,
) -> Panel:
    """The panel over a database (`sessionmaker`) or, in unit tests, `unit_of_work` (`storage.memory`)."""
    core = Core(
        preset=preset,
        calendar=calendar,
        sessionmaker=sessionmaker,
        partnership_id=partnership_id,
        clock=clock,
        on_outbox=on_outbox,
        practice=practice,
        stuck_after=stuck_after,
        unit_of_work=unit_of_work,
    )
    clocks = ClockCommands(core)
    decisions = DecisionRules(core, clocks)
    requests = RequestCommands(core, clocks, decisions)
    reports = ReportCommands(core)
    stages = StageCommands(core, clocks, decisions)
    meetings = MeetingCommands(core, clocks, decisions, reports, stages)
    views = Views(core, clocks, decisions, stages)
    referrals = ReferralCommands(core, clocks, decisions, stages)
    return Panel(
        core,
        Handlers(
            members=MemberCommands(core),
            referrals=referrals,
            holds=HoldCommands(core, clocks, decisions, referrals),
            ballots=BallotCommands(core, decisions),
            clocks=clocks,
            meetings=meetings,
            stages=stages,
            attendance=AttendanceCommands(core, meetings, decisions),
            panel_meetings=PanelMeetingCommands(core, meetings, decisions, clocks, requests),
            requests=requests,
            views=views,
            agenda=AgendaCommands(core, clocks),
            reports=reports,
            reminders=ReminderCommands(core, clocks, decisions, requests),
            stuck=StuckCommands(core),
            links=LinkViews(core, requests, views, decisions),
            casefile=CaseFileCommands(core),
            complaints=ComplaintCommands(core),
        ),
    )


async def open_panel(
    engine: AsyncEngine,
    preset: Preset,
    *,
    timezone: str | None = None,
    clock: Callable[[], datetime] | None = None,
    on_outbox: Callable[[], Awaitable[None]] | None = None,
    practice: bool = False,
    created_by: str = "Panelbot",
    stuck_after: timedelta | None = None,
) -> Panel:
    """The panel for `preset` on a migrated database, creating its partnership row the first time.

    `practice` asks for a practice partnership: one created so is marked in the database, and the mark, not
    the caller, decides from then on. A real partnership is never opened as a practice one, so simulated time
    can never reach a real record."""
    sessionmaker = make_sessionmaker(engine)
    now = (clock or (lambda: datetime.now(UTC)))()
    async with UnitOfWork(sessionmaker) as uow:
        row = await uow.partnerships.by_preset(preset.id)
        if row is None:
            row = await uow.partnerships.add(
                Partnership(preset_id=preset.id, name=preset.name, created_at=now, practice=practice)
            )
            await uow.audit(
                partnership_id=row.id,
                at=now,
                actor=created_by,
                action="partnership_created",
                subject=preset.id,
                payload={"name": preset.name, "preset": preset.source_file} | ({"practice": True} if practice else {}),
            )
            await uow.commit()
        elif practice and not row.practice:
            raise PanelError(
                f"This database holds {row.name}'s real record, so it cannot be used for practice; "
                "practise on a database of its own with `panelbot run --practice`."
            )
        partnership_id = row.id
        is_practice = row.practice
    return build_panel(
        preset=preset,
        calendar=calendar_for(preset, timezone),
        sessionmaker=sessionmaker,
        partnership_id=partnership_id,
        clock=clock,
        on_outbox=on_outbox,
        practice=is_practice,
        **({"stuck_after": stuck_after} if stuck_after is not None else {}),
    )
