"""The monthly panel's agenda (Suffolk section 3, issue 21 section 3): for the next panel, the new referrals
that go to it and every case on hold, which comes back at each panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.service.base import Handler
from flows.clocks import panel_dates
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


class AgendaCommands(Handler):
    def next_panel(self, today: date | None = None) -> date | None:
        """The date of the next monthly panel (today's, on the panel's day), or None without one."""
        monthly = self.preset.monthly_panel
        if monthly is None:
            return None
        return panel_dates(self.cal, monthly, today or self.cal.local(self.now()).date(), 1)[0]

    async def agenda(self) -> Agenda:
        monthly = self.preset.monthly_panel
        if monthly is None:
            return Agenda(panel=None)
        panel, following = panel_dates(self.cal, monthly, self.cal.local(self.now()).date(), 2)
        async with self.uow() as uow:
            waiting = await uow.agenda.with_panel()
            held = await uow.agenda.on_hold()
        new = tuple(self._item(r) for r, b in waiting if self.cal.local(b.deadline_at).date() == panel)
        return Agenda(panel=panel, new=new, on_hold=tuple(self._item(r) for r in held), following=following)

    def _item(self, r: Referral) -> AgendaItem:
        label = self.preset.referral_type(r.referral_type).label
        return AgendaItem(r.reference, r.subject, label, r.hold_until)
