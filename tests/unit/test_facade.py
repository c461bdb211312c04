"""`Panel` is a thin facade over one handler per concept (`bot/service/bootstrap.py` wires them): every command a
handler offers is reachable as `panel.NAME`, so a command added to a handler but not to the facade fails here
rather than in front of someone, and what the panel shares (the outbox wake-up) reaches every handler."""

from __future__ import annotations

import inspect

from memory_panel import file, salford, vote

from bot.service import Panel
from bot.service.agenda import AgendaCommands
from bot.service.attendance import AttendanceCommands
from bot.service.ballots import BallotCommands
from bot.service.casefile import CaseFileCommands
from bot.service.clockwork import ClockCommands
from bot.service.complaints import ComplaintCommands
from bot.service.holds import HoldCommands
from bot.service.links import LinkViews
from bot.service.meetings import MeetingCommands
from bot.service.members import MemberCommands
from bot.service.panel_meetings import PanelMeetingCommands
from bot.service.referrals import ReferralCommands
from bot.service.reminders import ReminderCommands
from bot.service.reports import ReportCommands
from bot.service.requests import RequestCommands
from bot.service.stages import StageCommands
from bot.service.stuck import StuckCommands
from bot.service.views import Views

HANDLERS = (MemberCommands, ReferralCommands, BallotCommands, ClockCommands, MeetingCommands, AttendanceCommands,
            PanelMeetingCommands, RequestCommands, Views, AgendaCommands, ReportCommands, ReminderCommands,
            StuckCommands, StageCommands, LinkViews, CaseFileCommands, ComplaintCommands,
            HoldCommands)
# Public helpers a handler offers the other handlers, not commands of the panel.
HELPERS = {"schedule_reminders", "deadline_label", "planned_lines", "stopped_lines", "clock_for"}


def test_every_command_of_every_handler_is_on_the_panel() -> None:
    missing = [
        f"{handler.__name__}.{name}"
        for handler in HANDLERS
        for name, _ in inspect.getmembers(handler, inspect.isfunction)
        if not name.startswith("_") and name not in HELPERS and name not in vars(Panel)
    ]
    assert missing == []


async def test_the_outbox_wake_up_set_on_the_panel_is_the_one_every_handler_uses(clock) -> None:  # type: ignore[no-untyped-def]
    panel = await salford(clock)
    woken: list[str] = []

    async def wake() -> None:
        woken.append("woken")

    panel.on_outbox = wake  # set once on the panel, after the handlers were built
    ref = await file(panel)  # the referrals handler queues the new card
    receipt = await vote(panel, "Ann", ref, "commence_rapid_review")  # the ballots handler queues the card update
    assert "recorded" in receipt.message
    assert woken == ["woken", "woken"]
