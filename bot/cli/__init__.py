"""`panelbot`: run the bot, set up the panel, check presets and the audit log, answer "when is this due?".

Entry points are thin: parse, call the service, print. Every refusal is one plain sentence and exit
status 1 (2 for a usage mistake); no traceback reaches the person.

This module holds `app`, the helpers every command uses and the common options; the commands live one module
per group: `operations` (run, demo, clocks, jobs, doctor, preset, reminders, outbox), `records` (status,
overdue, report, calendar, export, audit), `members` (member, channel, contact), `database` (db) and `teams`.
"""

from __future__ import annotations

# The commands, in the order `panelbot --help` lists them: the top-level commands, then the groups. Each group's
# module holds its commands; the shared helpers live in `bot.cli.common` (looked up there at call time,
# `common.out`, so a test may replace `bot.cli.common.out`).
from bot.cli import database, members, operations, records, teams  # noqa: E402
from bot.cli.common import *  # noqa: F403  (app, main and the shared helpers, as `bot.cli` has always had them)
from bot.cli.common import app

app.command()(operations.run)
app.command()(operations.demo)
app.command()(operations.clocks)
app.command()(records.status)
app.command()(records.overdue)
app.command()(records.agenda)
app.command()(records.report)
app.command()(records.calendar)
app.command()(records.export)
app.command()(operations.jobs)
app.command()(operations.doctor)
app.add_typer(members.member_app, name="member")
app.add_typer(members.channel_app, name="channel")
app.add_typer(members.contact_app, name="contact")
app.add_typer(database.db_app, name="db")
app.add_typer(records.audit_app, name="audit")
app.add_typer(records.meeting_app, name="meeting")
app.add_typer(operations.preset_app, name="preset")
app.add_typer(operations.reminders_app, name="reminders")
app.add_typer(teams.teams_app, name="teams")
app.add_typer(operations.outbox_app, name="outbox")

_show_report = records._show_report  # tests print a report through it


def main() -> None:
    app()
