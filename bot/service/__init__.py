"""The service layer every adapter shares: `Panel` is the one object a platform talks to.

Its commands live beside it, one module per concept: `members` (panel set-up), `referrals` (the business
manager's commands), `ballots` (voting and decisions), `requests` (information requests to agencies),
`reminders` (the reminder sweep), `views` (reads), `reports` (the period report, disagreements, the
calendar feed and the export) and `stuck` (telling the business manager of messages that cannot be
delivered). `bootstrap.open_panel` wires it to a database and a preset.
"""

from bot.service.agenda import AgendaCommands
from bot.service.base import Actor, NotInTime, Window
from bot.service.meetings import MeetingCommands
from bot.service.members import MemberCommands, MemberInfo
from bot.service.referrals import ReferralCommands
from bot.service.reminders import ReminderCommands
from bot.service.reports import ReportCommands
from bot.service.stuck import StuckCommands
from bot.service.views import Views


class Panel(
    ReminderCommands,
    ReferralCommands,
    MeetingCommands,
    Views,
    MemberCommands,
    ReportCommands,
    StuckCommands,
    AgendaCommands,
):
    """One partnership's panel: every command and view, over one database."""


__all__ = ["Actor", "MemberInfo", "NotInTime", "Panel", "Window"]
