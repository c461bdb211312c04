"""Running the bot and looking after it: `run`, `demo`, `clocks`, `jobs`, `doctor`, `preset`, `reminders`,
`outbox`.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

import bot.cli.common as cli
from bot.cli.common import ADD_PARTNERSHIP, PRESET, call, configure_logging, fail, settings, with_panel
from flows.errors import PanelError
from flows.meetings import meetings_said
from flows.preset import PresetError, available_presets, load_preset
from flows.stages import who_decides

preset_app = typer.Typer(help="Partnership presets.", no_args_is_help=True)
reminders_app = typer.Typer(help="Reminders: what will be sent and when; run a sweep.", no_args_is_help=True)
outbox_app = typer.Typer(help="Messages waiting to be delivered: list the stuck ones, retry them now.",
                         no_args_is_help=True)


# Running ---------------------------------------------------------------------------------------------


def run(
    console: bool | None = typer.Option(
        None, "--console/--no-console", help="Open the terminal panel (default: when run in a terminal)."
    ),
    practice: bool = typer.Option(
        False,
        "--practice",
        help="Use the practice database (./panelbot-practice.db, or PANELBOT_PRACTICE_DATABASE_URL): marked as "
        "practice, its clock can be moved (`clock +3d`) and its cards and reports say PRACTICE.",
    ),
    preset_name: str | None = PRESET,
    add_partnership: bool = ADD_PARTNERSHIP,
) -> None:
    """Start the bot: web server (/healthz), scheduler and, with no chat tokens, the terminal panel.
    A new SQLite database file is created and migrated on first run."""
    from bot.app import serve

    s = settings()
    configure_logging(s.log_level, s.log_format)
    try:
        call(serve(s, console_mode=console, practice=practice, preset=preset_name, add_partnership=add_partnership))
    except KeyboardInterrupt:
        cli.out.print("Stopped.")


def demo() -> None:
    """A narrated walkthrough on a temporary database: filing, voting, a decision, a tie, a role quorum."""
    from bot.demo import run_demo

    call(run_demo(cli.out))


def clocks(
    preset: str = typer.Option(..., "--preset", help="A preset name (salford, dudley, ...) or a file path."),
    start: str = typer.Option(..., "--start", help="When each clock's starting event happened, ISO 8601."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: [{clock, due, unit, amount}]."),
    timezone: str | None = typer.Option(None, "--timezone", help="Override the preset's time zone."),
) -> None:
    """Every clock of a preset computed from one start time: "when is this due?"."""
    from flows.clocks import all_clocks, calendar_for

    try:
        p = load_preset(preset)
    except PresetError as exc:
        raise fail(str(exc)) from None
    try:
        cal = calendar_for(p, timezone)
    except (ValueError, LookupError, OSError):  # ZoneInfoNotFoundError is a LookupError
        raise fail(f'"{timezone}" is not a time zone; write one like Europe/London.', 2) from None
    from bot.commands import parse_moment

    try:
        begin = parse_moment(start)  # the same forms as the terminal's
    except PanelError:
        raise fail(
            f'"{start}" is not a time; write it like 2026-11-23T10:12, 23/11/2026 10:12 or 2026-11-23T10:12+00:00.',
            2,
        ) from None
    if begin.tzinfo is None:
        begin = begin.replace(tzinfo=cal.tz)
    try:
        rows = all_clocks(p, cal, begin)
    except (OverflowError, ValueError):
        raise fail(f'"{start}" is too far in the future: its deadlines would be past the year 9999.', 2) from None
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "clock": r.clock.id,
                        "due": cal.local(r.due).isoformat(),
                        "unit": r.clock.unit,
                        "amount": r.clock.amount,
                        "starts": r.clock.starts,
                        **({"before": r.clock.before} if r.clock.before else {}),
                        **({"earliest": r.clock.earliest, "opens": cal.local(r.opens).isoformat()} if r.opens else {}),
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    cli.out.print(
        f"{p.name}: clocks from {cal.format(begin)} (UK time); a clock before an event counts back from the event "
        "as if it were then",
        highlight=False,
    )
    for r in rows:
        origin = f" after {r.clock.after_clock}" if r.clock.after_clock else f" from {r.clock.starts}"
        if r.clock.before is not None:
            origin = f" (from {r.clock.starts})" if r.clock.sooner_of_two else ""
        if r.opens is not None:
            origin += f"; window opens {cal.format(r.opens, with_time=False)}"
        cli.out.print(
            f"  {r.clock.id:<28} {cal.format(r.due):<24} {r.clock.describe()}{origin}", highlight=False, markup=False
        )


def parse_when(text: str, option: str) -> datetime:
    """An ISO 8601 time, or a date as the terminal takes it (01/12/2026 09:30); without an offset it is read as
    UK time."""
    from zoneinfo import ZoneInfo

    from bot.commands import parse_moment

    try:
        when = parse_moment(text)
    except PanelError:
        raise fail(f'{option} "{text}" is not a time; write it like 2026-12-01T09:30 or 01/12/2026 09:30.', 2) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=ZoneInfo("Europe/London"))


# Presets and reminders ----------------------------------------------------------------------------------


@preset_app.command("check")
def preset_check(file: Path = typer.Argument(..., help="A preset TOML file, or a shipped preset's name.")) -> None:
    """Validate a preset file exactly as the bot does at start."""
    try:
        p = load_preset(str(file))
    except PresetError as exc:
        raise fail(str(exc)) from None
    cli.out.print(
        f"{p.source_file}: OK. {p.name}: {len(p.roles)} roles, {len(p.outcomes)} outcomes, "
        f"{len(p.clocks)} clocks; quorum {p.quorum.describe(p.role_labels)}; ties go to the "
        f"{p.role_label(p.tie_break_role)}. {who_decides(p)} {meetings_said(p)}",
        markup=False,
        highlight=False,
    )


@preset_app.command("list")
def preset_list() -> None:
    """The presets shipped with Panelbot."""
    for name in available_presets():
        p = load_preset(name)
        cli.out.print(f"{name}: {p.name}", markup=False, highlight=False)


@reminders_app.command("list")
def reminders_list(
    due_before: str | None = typer.Option(None, "--due-before", help="Only those due by this time (ISO 8601)."),
    preset_name: str | None = PRESET,
) -> None:
    """What the reminder sweep will send next, and when (UK time)."""
    from bot.console.render import styled

    before = parse_when(due_before, "--due-before") if due_before else None
    rows = with_panel(lambda p: _upcoming(p, before), preset=preset_name)
    if not rows:
        cli.out.print("No reminders are waiting to be sent.")
    for line in rows:
        cli.out.print(styled(line))


async def _upcoming(panel, before):  # type: ignore[no-untyped-def]
    rows = await panel.upcoming_reminders(before)
    return [
        f"{panel.fmt(r.at)}: {r.kind} · {r.label}"
        + (f" ({r.agency})" if r.agency else "")
        + f" · {r.reference} · {r.subject} · due {panel.fmt(r.due)}"
        for r in rows
    ]


@reminders_app.command("run")
def reminders_run(
    now: str | None = typer.Option(
        None,
        "--now",
        help="Run the sweep as if it were this time (ISO 8601): on the practice database; on the real record it "
        "only shows what it would do.",
    ),
    practice: bool = typer.Option(False, "--practice", help="Sweep the practice database (as `run --practice`)."),
    preset_name: str | None = PRESET,
) -> None:
    """Run one reminder sweep now (or at --now). Messages are queued for the running bot to deliver."""
    from flows.reminders import in_working_hours

    when = parse_when(now, "--now") if now else None

    async def sweep(panel):  # type: ignore[no-untyped-def]
        # A simulated time never reaches the real record: there the sweep is worked out and rolled back.
        dry_run = when is not None and not panel.practice
        queued = await panel.run_reminders(dry_run=dry_run)
        note = ""
        if not in_working_hours(panel.cal, panel.now()):
            note = (f" {panel.fmt(panel.now())} is outside working hours: reminders wait for the next working "
                    "morning.")
        plural = "s" if queued != 1 else ""
        if dry_run:
            return (f"Dry run at {panel.fmt(panel.now())}: {queued} reminder message{plural} would be queued; "
                    "nothing was written, because the real record never holds a simulated time (practise with "
                    f"--practice).{note}")
        return f"{queued} reminder message{plural} queued.{note}"

    cli.out.print(with_panel(sweep, clock=(lambda: when) if when else None, practice=practice, preset=preset_name),
              markup=False, highlight=False)


def jobs() -> None:
    """The scheduled jobs the running bot performs."""
    from bot.scheduler import JOBS

    for job in JOBS:
        cli.out.print(f"{job.name}: every {job.every_seconds} s, {job.what}", markup=False, highlight=False)


# The outbox (issue 9: faults) ------------------------------------------------------------------------


def _age(minutes: float) -> str:
    minutes = int(minutes)
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {mins:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h"


@outbox_app.command("list")
def outbox_list(
    older_than: int | None = typer.Option(
        None,
        "--older-than",
        min=0,
        help="Only messages waiting at least this many minutes (0: every one). Default: PANELBOT_STUCK_AFTER (15).",
    ),
    preset_name: str | None = PRESET,
) -> None:
    """Messages not yet delivered (a platform refusing or unreachable), oldest first: id, kind, where to,
    attempts, how long waiting, next attempt (UK time) and the last error. Never the message's text."""
    from datetime import timedelta

    from bot.notify import failed_messages, outbox_summary, waiting_messages

    async def go(panel):  # type: ignore[no-untyped-def]
        minutes = older_than if older_than is not None else int(panel.stuck_after.total_seconds() // 60)
        rows = await waiting_messages(panel, older_than=timedelta(minutes=minutes))
        return rows, await failed_messages(panel), await outbox_summary(panel), panel.now(), panel.fmt, minutes

    rows, failed, summary, now, fmt, older_than = with_panel(go, preset=preset_name)
    limit = f"more than {older_than} minute{'s' if older_than != 1 else ''}" if older_than else "at all"
    if not rows:
        line = f"No message has been waiting {limit}: nothing is stuck."
        if summary["waiting"]:
            line += f" {summary['waiting']} newer message{'s are' if summary['waiting'] != 1 else ' is'} on the way."
        cli.out.print(line, markup=False, highlight=False)
    else:
        count = len(rows)
        cli.out.print(
            f"{count} message{'s have' if count != 1 else ' has'} been waiting {limit} to be delivered (oldest first):",
            markup=False,
            highlight=False,
        )
        table = Table("Id", "Kind", "For", "Attempts", "Waiting", "Next attempt (UK time)", "Last error")
        for row in rows:
            due = "now" if row.next_attempt_at <= now else fmt(row.next_attempt_at)
            table.add_row(str(row.id), row.kind, row.purpose, str(row.attempts),
                          _age((now - row.created_at).total_seconds() / 60), due, row.last_error or "-")
        cli.out.print(table)
        cli.out.print(
            "The running bot keeps trying by itself. Once the platform is back, `panelbot outbox retry` sends them "
            "at once instead of at their next attempt.",
            markup=False,
            highlight=False,
        )
    if failed:
        cli.out.print(f"{len(failed)} message{'s' if len(failed) != 1 else ''} failed in the last 30 days: an "
                      "address refused it for good, so it is not tried again (the business manager was told):",
                      markup=False, highlight=False)
        table = Table("Id", "Kind", "For", "Failed (UK time)", "Refused", "Delivered to")
        for f in failed:
            table.add_row(str(f.id), f.kind, f.purpose, fmt(f.failed_at), ", ".join(f.refused),
                          ", ".join(f.delivered_to) or "-")
        cli.out.print(table)


@outbox_app.command("retry")
def outbox_retry(
    ids: list[int] = typer.Argument(None, help="Message ids from `panelbot outbox list` (default: every one waiting)."),
    preset_name: str | None = PRESET,
) -> None:
    """Make waiting messages due now: the running bot sends them on its next round (within a few seconds)."""
    from bot.notify import retry_now

    changed = with_panel(lambda p: retry_now(p, list(ids or [])), preset=preset_name)
    if not changed:
        which = "with those ids " if ids else ""
        cli.out.print(f"No message {which}is waiting to be delivered.", markup=False, highlight=False)
        return
    cli.out.print(
        f"{changed} waiting message{'s are' if changed != 1 else ' is'} due now: the running bot sends "
        f"{'them' if changed != 1 else 'it'} within a few seconds.",
        markup=False,
        highlight=False,
    )




def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print JSON: [{check, status, detail, fix}]."),
) -> None:
    """Is this deployment ready? Settings, database, preset, each platform's credentials, the channels, the
    voting roles, the agencies, secrets and public addresses: one line each. Exit 0 only when nothing failed."""
    from bot.doctor import as_json as checks_json
    from bot.doctor import as_text, exit_code, run_doctor

    checks = asyncio.run(run_doctor())
    if as_json:
        print(json.dumps(checks_json(checks), indent=2, ensure_ascii=False))
    else:
        for line in as_text(checks):
            typer.echo(line)
    raise typer.Exit(exit_code(checks))
