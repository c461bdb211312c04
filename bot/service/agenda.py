"""The monthly panel's agenda (Suffolk section 3, issue 21 section 3): for the next panel, the new referrals
that go to it and every case on hold, which comes back at each panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.service.base import Core, Handler
from bot.service.clockwork import ClockCommands
from flows.clocks import panel_dates, panel_for, panels
from flows.monthly_meetings import PANEL_EVENT, panel_reference
from storage.models import Referral


@dataclass(frozen=True)
class AgendaItem:
    reference: str
    subject: str
    type_label: str
    hold_until: datetime | None = None


@dataclass(frozen=True)
class Agenda:
    panel: date | None  # None: the partnership has no monthly panel
    new: tuple[AgendaItem, ...] = ()
    on_hold: tuple[AgendaItem, ...] = ()
    following: date | None = None  # the panel after it, where referrals past the cut-off go
    slot: date | None = None  # the date the preset gave the next panel (`panel` differs when it was moved)
    at: datetime | None = None  # the planned meeting's time, when the panel is planned as a meeting
    reference: str | None = None  # PANEL-2027-01, when planned
    goes_to: date | None = None  # the panel a referral received today goes to (past the cut-off: a later one)


class AgendaCommands(Handler):
    def __init__(self, core: Core, clocks: ClockCommands) -> None:
        super().__init__(core)
        self.clocks = clocks

    async def next_panel(self, today: date | None = None) -> date | None:
        """The day of the next monthly panel as planned (today's, on the panel's day), or None without one."""
        monthly = self.preset.monthly_panel
        if monthly is None:
            return None
        async with self.uow() as uow:
            plan = await self.clocks._panel_plan(uow)
        return panel_dates(self.cal, monthly, today or self.cal.local(self.now()).date(), 1, plan)[0]

    async def agenda(self) -> Agenda:
        monthly = self.preset.monthly_panel
        if monthly is None:
            return Agenda(panel=None)
        today = self.cal.local(self.now()).date()
        async with self.uow() as uow:
            waiting = await uow.agenda.with_panel()
            held = await uow.agenda.on_hold()
            # The panels as planned (issue 21, section 3) name the real dates: a moved panel its new date, a
            # cancelled one none; the clocks counted to a panel follow it, so its referrals are due on its day.
            plan = await self.clocks._panel_plan(uow)
            nxt, following = panels(self.cal, monthly, today, 2, plan)
            row = await uow.events.by_slot(PANEL_EVENT, nxt.slot)
        at, reference = (row.at, panel_reference(nxt.slot)) if row is not None else (None, None)
        new = tuple(self._item(r) for r, b in waiting if self.cal.local(b.deadline_at).date() == nxt.day)
        return Agenda(panel=nxt.day, new=new, on_hold=tuple(self._item(r) for r in held), following=following.day,
                      slot=nxt.slot, at=at, reference=reference,
                      goes_to=panel_for(self.cal, monthly, today, 1, plan))

    def _item(self, r: Referral) -> AgendaItem:
        label = self.preset.referral_type(r.referral_type).label
        return AgendaItem(r.reference, r.subject, label, r.hold_until)
