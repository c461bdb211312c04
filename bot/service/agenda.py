"""The monthly panel's agenda (Suffolk section 3, issue 21 section 3): for the next panel, the new referrals
that go to it and every case on hold, which comes back at each panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.service.base import Handler
from flows.clocks import panel_dates
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
        today = self.cal.local(self.now()).date()
        panel, following = panel_dates(self.cal, monthly, today, 2)
        slot, at, reference = panel, None, None
        async with self.uow() as uow:
            waiting = await uow.agenda.with_panel()
            held = await uow.agenda.on_hold()
            # The panels planned as meetings (issue 21, section 3) name the real dates: a moved panel its new
            # date, a cancelled one none (its referrals' deadlines still fall on the date the preset gave).
            planned = sorted((r for r in await uow.events.of_partnership(PANEL_EVENT)
                              if r.status == "scheduled" and self.cal.local(r.at).date() >= today), key=lambda r: r.at)
        if planned:
            row = planned[0]
            slot, at, reference = row.slot, row.at, panel_reference(row.slot)
            panel = self.cal.local(row.at).date()
            following = self.cal.local(planned[1].at).date() if len(planned) > 1 else following
        new = tuple(self._item(r) for r, b in waiting if self.cal.local(b.deadline_at).date() == slot)
        return Agenda(panel=panel, new=new, on_hold=tuple(self._item(r) for r in held), following=following,
                      slot=slot, at=at, reference=reference)

    def _item(self, r: Referral) -> AgendaItem:
        label = self.preset.referral_type(r.referral_type).label
        return AgendaItem(r.reference, r.subject, label, r.hold_until)
