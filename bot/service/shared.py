"""`SharesCore`: what the panel shares with every handler (the preset, the calendar, the clock, the outbox
wake-up, the unit of work, the checks of who is acting), read from the `Core` and set on it, so every handler
sees a change. `Panel` is one; a platform reads these through the panel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.service.base import Actor, Core

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from flows.calendar import WorkingCalendar
    from flows.preset import Preset
    from storage.models import Member, Referral
    from storage.uow import UnitOfWork


class SharesCore:
    """The core's shared state and checks, on the object a platform holds."""

    def __init__(self, core: Core) -> None:
        self._core = core

    # What every handler shares: read from the core, and set on it, so every handler sees a change ---------
    @property
    def preset(self) -> Preset:
        return self._core.preset

    @property
    def cal(self) -> WorkingCalendar:
        return self._core.cal

    @property
    def partnership_id(self) -> int:
        return self._core.partnership_id

    @property
    def practice(self) -> bool:
        return self._core.practice

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._core.clock

    @property
    def on_outbox(self) -> Callable[[], Awaitable[None]] | None:
        return self._core.on_outbox

    @on_outbox.setter
    def on_outbox(self, wake: Callable[[], Awaitable[None]] | None) -> None:
        self._core.on_outbox = wake

    @property
    def stuck_after(self) -> timedelta:
        return self._core.stuck_after

    @stuck_after.setter
    def stuck_after(self, after: timedelta) -> None:
        self._core.stuck_after = after

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession] | None:
        return self._core.sessionmaker

    @sessionmaker.setter
    def sessionmaker(self, made: async_sessionmaker[AsyncSession] | None) -> None:
        self._core.sessionmaker = made

    def now(self) -> datetime:
        return self._core.now()

    def uow(self) -> UnitOfWork:
        return self._core.uow()

    def fmt(self, dt: datetime) -> str:
        return self._core.fmt(dt)

    async def finish(self, uow: UnitOfWork) -> None:
        await self._core.finish(uow)

    async def audit(self, uow: UnitOfWork, actor: Actor, action: str, on: str, **payload: object) -> None:
        await self._core.audit(uow, actor, action, on, **payload)

    def notice(self, uow: UnitOfWork, purpose: str, text: str, referral: Referral | None = None) -> None:
        self._core.notice(uow, purpose, text, referral)

    async def referral(self, uow: UnitOfWork, reference: str, *, lock: bool = False) -> Referral:
        return await self._core.referral(uow, reference, lock=lock)

    async def check_member(self, uow: UnitOfWork, actor: Actor) -> None:
        await self._core.check_member(uow, actor)

    async def members_and_account(self, uow: UnitOfWork, actor: Actor) -> tuple[list[Member], Actor]:
        return await self._core.members_and_account(uow, actor)

    def check_actor(self, actor: Actor) -> None:
        self._core.check_actor(actor)

    def require_bm(self, actor: Actor, doing: str) -> None:
        self._core.require_bm(actor, doing)

    def require_panel(self, actor: Actor, doing: str) -> None:
        self._core.require_panel(actor, doing)

    # The platform's answer window and its deliveries (no panel needed: they hold per request)
    answering = staticmethod(Core.answering)
    delivering = staticmethod(Core.delivering)
    starting_commit = staticmethod(Core.starting_commit)
    note_outage = staticmethod(Core.note_outage)
