"""Wiring: settings -> engine -> preset -> partnership row -> `Panel`. Nothing connects on import."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service import Panel
from flows.clocks import calendar_for
from flows.preset import Preset
from storage.models import Partnership
from storage.uow import UnitOfWork, make_sessionmaker


async def open_panel(
    engine: AsyncEngine,
    preset: Preset,
    *,
    timezone: str | None = None,
    clock: Callable[[], datetime] | None = None,
    on_outbox: Callable[[], Awaitable[None]] | None = None,
) -> Panel:
    """The panel for `preset` on a migrated database, creating its partnership row the first time."""
    sessionmaker = make_sessionmaker(engine)
    now = (clock or (lambda: datetime.now(UTC)))()
    async with UnitOfWork(sessionmaker) as uow:
        row = (
            await uow.session.execute(select(Partnership).where(Partnership.preset_id == preset.id))
        ).scalar_one_or_none()
        if row is None:
            row = Partnership(preset_id=preset.id, name=preset.name, created_at=now)
            uow.session.add(row)
            await uow.session.flush()
            await uow.audit(
                partnership_id=row.id,
                at=now,
                actor="Panelbot",
                action="partnership_created",
                subject=preset.id,
                payload={"name": preset.name, "preset": preset.source_file},
            )
            await uow.commit()
        partnership_id = row.id
    return Panel(
        preset=preset,
        calendar=calendar_for(preset, timezone),
        sessionmaker=sessionmaker,
        partnership_id=partnership_id,
        clock=clock,
        on_outbox=on_outbox,
    )
