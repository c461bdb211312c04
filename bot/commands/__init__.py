"""The text commands every platform shares: `status`, `vote SAL-2026-014 commence`, `hold REF until DATE`...

A platform turns what a person typed (a Slack slash command, a Telegram /command, a Teams @-mention, a line
in the terminal) into `run(panel, actor, text)` and shows the `Reply` in its own format. A button under a
message runs its command with `origin=Origin(platform, channel, message)`, saying where it was pressed; a
typed command has none. Forms (filing a
referral) and buttons are the platform's own, but they end in the same `Panel` methods.

The package: `registry` (`Command`, `Reply`, `COMMANDS` and the `@command` decorator), `parsing` (dates,
moments, outcomes, safe text), `dispatch` (`run` and `help`), and the handlers by concept: `reading`
(status, overdue, show), `decisions` (votes and the business manager's handling of a case), `requests`
(events, milestones, agencies' information), `meetings` (meetings and the monthly panel's agenda) and
`oversight` (members, reports, disagreements) and `casefile` (notifications, parallel processes,
complaints); `forms` is what a form's answers do once sent (the intake form, the meeting form). `help` lists
the commands in the order they are registered, which is the order the modules are imported below.
"""

# Each handler module registers its commands as it is imported, and `help` lists them in that order.
from bot.commands import dispatch, reading, decisions, requests, meetings, oversight, casefile  # noqa: F401  # isort: skip
from bot.commands import forms  # noqa: F401  # isort: skip
from bot.commands.dispatch import MAX_LINE, MAX_WORD, command_fields, not_a_command, run
from bot.commands.parsing import clean_text, parse_date, parse_moment, split_outcome
from bot.commands.reading import overdue_lines, status_lines
from bot.commands.registry import (
    COMMANDS,
    GUEST_COMMANDS,
    REFERENCE,
    REFERRAL_FORM,
    AskReason,
    Command,
    Handler,
    Reply,
    command,
    example_reference,
    for_partnership,
)

__all__ = [
    "COMMANDS",
    "REFERRAL_FORM",
    "AskReason",
    "GUEST_COMMANDS",
    "MAX_LINE",
    "MAX_WORD",
    "REFERENCE",
    "Command",
    "Handler",
    "Reply",
    "clean_text",
    "command",
    "command_fields",
    "example_reference",
    "for_partnership",
    "not_a_command",
    "overdue_lines",
    "parse_date",
    "parse_moment",
    "run",
    "split_outcome",
    "status_lines",
]
