"""The service layer every adapter shares: `Panel` (`panel.py`) is the one object a platform talks to, a thin
facade over one handler per concept, each in its own module: `members` (panel set-up), `referrals` (the business
manager's commands), `ballots` (voting and decisions), `requests` (information requests to agencies),
`reminders` (the reminder sweep), `views` (reads), `reports` (the period report, disagreements, the
calendar feed and the export) and `stuck` (telling the business manager of messages that cannot be
delivered), over `decisions` (the tally and recording a decision) and `clockwork` (clocks and events).
`bootstrap.build_panel` wires the handlers together; `bootstrap.open_panel` does so on a database and a preset.
"""

from bot.service.base import Actor, NotInTime, Window
from bot.service.members import MemberInfo
from bot.service.panel import Panel

__all__ = ["Actor", "MemberInfo", "NotInTime", "Panel", "Window"]
