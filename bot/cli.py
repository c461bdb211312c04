"""`panelbot`: run the bot, set up the panel, check presets and the audit log, answer "when is this due?".

Entry points are thin: parse, call the service, print. Every refusal is one plain sentence and exit
status 1 (2 for a usage mistake); no traceback reaches the person.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import sys
from collections.abc import Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.settings import DEFAULT_PRESET, Settings
from flows.errors import PanelError
from flows.preset import PresetError, available_presets, load_preset

app = typer.Typer(
    help="Panelbot: a safeguarding partnership's virtual panel, in chat.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
member_app = typer.Typer(help="Panel members: add, list, remove.", no_args_is_help=True)
channel_app = typer.Typer(help="Where the bot posts: the panel channel, the BM, each agency.", no_args_is_help=True)
contact_app = typer.Typer(
    help="Agency contacts: who may mark an agency's information returns made, from anywhere.", no_args_is_help=True
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
preset_app = typer.Typer(help="Partnership presets.", no_args_is_help=True)
reminders_app = typer.Typer(help="Reminders: what will be sent and when; run a sweep.", no_args_is_help=True)
app.add_typer(member_app, name="member")
app.add_typer(channel_app, name="channel")
app.add_typer(contact_app, name="contact")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(preset_app, name="preset")
app.add_typer(reminders_app, name="reminders")
teams_app = typer.Typer(help="Microsoft Teams: the app package to upload.", no_args_is_help=True)
app.add_typer(teams_app, name="teams")
outbox_app = typer.Typer(help="Messages waiting to be delivered: list the stuck ones, retry them now.",
                         no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")

# Names, reasons and preset text are printed as they are: never read as rich markup ("[bold]") or emoji codes
# (":fire:" in "agency:fire:lead").
out = Console(markup=False, emoji=False)
err = Console(stderr=True, markup=False, emoji=False)

# Every command that reads the record takes --preset: which partnership, when the database holds several or
# to be sure. Without it (and without PANELBOT_PRESET) a command uses the partnership the database holds.
PRESET = typer.Option(
    None, "--preset", help="The partnership (a preset name or file); default: the one the database holds."
)
ADD_PARTNERSHIP = typer.Option(
    False, "--add-partnership", help="Add the --preset partnership to a database that holds another one (audited)."
)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message, style="red", markup=False, highlight=False)
    return typer.Exit(code)


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:  # name the setting, never echo a secret's value
        first = exc.errors()[0]
        raise fail(f"Setting {first['loc'][0]} is not valid: {first['msg']}.") from None


def not_written(exc: OSError) -> typer.Exit:
    """A file or folder that cannot be used (a name too long, a folder where a file should be): one sentence."""
    return fail(f"Could not use {exc.filename or 'that path'}: {exc.strerror or exc}. Nothing was written.")


def call(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine, turning every error a person can cause into one sentence."""
    try:
        return asyncio.run(coro)
    except (PanelError, PresetError) as exc:
        raise fail(str(exc)) from None
    except UnicodeError:  # bytes in an argument that are not UTF-8 arrive as lone surrogates
        raise fail("An argument holds characters that are not valid text (UTF-8). Nothing was changed.", 2) from None
    except (OperationalError, DBAPIError) as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        raise fail(f"Could not use the database ({reason}). Check PANELBOT_DATABASE_URL.") from None


def configure_logging(level: str, fmt: str = "text") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if fmt == "json":  # PANELBOT_LOG_FORMAT=json: one JSON object per line (bot/logging_json.py)
        from bot.logging_json import use_json

        for handler in logging.getLogger().handlers:
            use_json(handler)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # These log SQL parameters at DEBUG, and parameters hold what people typed (reasons, summaries).
    for noisy in ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "psycopg"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


# Running ---------------------------------------------------------------------------------------------


@app.command()
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
        out.print("Stopped.")


@app.command()
def demo() -> None:
    """A narrated walkthrough on a temporary database: filing, voting, a decision, a tie, a role quorum."""
    from bot.demo import run_demo

    call(run_demo(out))


@app.command()
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
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    out.print(f"{p.name}: clocks from {cal.format(begin)} (UK time)", highlight=False)
    for r in rows:
        origin = f" after {r.clock.after_clock}" if r.clock.after_clock else f" from {r.clock.starts}"
        out.print(
            f"  {r.clock.id:<28} {cal.format(r.due):<24} {r.clock.describe()}{origin}", highlight=False, markup=False
        )


# Panel set-up ----------------------------------------------------------------------------------------


def with_panel(fn, clock=None, practice: bool = False, preset: str | None = None, add_partnership: bool = False):  # type: ignore[no-untyped-def]
    """Run `fn(panel)` on the configured database (at a fixed time when `clock` is given; on the practice
    database when `practice` is set), for the partnership `--preset` names, else PANELBOT_PRESET, else the one
    the database holds (see `bot.app.panel_from_settings`)."""
    from bot.app import panel_from_settings

    async def go() -> Any:
        async with panel_from_settings(
            settings(), migrate_fresh=True, clock=clock, practice=practice, preset=preset,
            add_partnership=add_partnership,
        ) as panel:
            return await fn(panel)

    return call(go())


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


@member_app.command("add")
def member_add(
    name: str = typer.Argument(..., help="The member's name as colleagues know it."),
    role_arg: str | None = typer.Argument(None, metavar="[ROLE]", help="The role, as in the terminal (or --role)."),
    role: str | None = typer.Option(None, "--role", help="A role of the preset, e.g. police, health, chair, bm."),
    ids: list[str] = typer.Option([], "--id", help="A platform identity, PLATFORM:ID (slack:U0123, telegram:5551234)."),
    preset_name: str | None = PRESET,
    add_partnership: bool = ADD_PARTNERSHIP,
) -> None:
    """Add a panel member (recorded in the audit log): `member add NAME ROLE` or `member add NAME --role ROLE`."""
    from bot.service import Actor

    if role and role_arg and role != role_arg:
        raise fail(f'Give the role once: "{role_arg}" or --role "{role}".', 2)
    chosen = role or role_arg
    if not chosen:
        raise fail("Say the member's role: panelbot member add NAME ROLE (or --role ROLE).", 2)
    info = with_panel(lambda p: p.add_member(actor=Actor.operator(), name=name, role=chosen, ids=ids),
                      preset=preset_name, add_partnership=add_partnership)
    out.print(
        f"Added {info.name} as {info.role_label}" + (f" ({', '.join(info.identities)})." if info.identities else "."),
        highlight=False,
        markup=False,
    )


@member_app.command("list")
def member_list(preset_name: str | None = PRESET) -> None:
    """List the panel members, their roles and platform identities."""
    members = with_panel(lambda p: p.list_members(), preset=preset_name)
    if not members:
        out.print("The panel has no members yet. Add one with `panelbot member add NAME --role ROLE`.", markup=False)
        return
    table = Table("Name", "Role", "Votes", "Platform ids")
    for m in members:
        table.add_row(m.name, m.role_label, "yes" if m.votes else "no", ", ".join(m.identities) or "-")
    out.print(table)


@member_app.command("remove")
def member_remove(
    name: str = typer.Argument(..., help="The member's name."), preset_name: str | None = PRESET
) -> None:
    """Remove a panel member (their past votes are kept)."""
    from bot.service import Actor

    info = with_panel(lambda p: p.remove_member(actor=Actor.operator(), name=name), preset=preset_name)
    out.print(f"Removed {info.name} ({info.role_label}) from the panel.", markup=False, highlight=False)


@channel_app.command("set")
def channel_set(
    purpose: str = typer.Argument(..., help="panel, bm or agency:NAME"),
    platform_id: str = typer.Option(..., "--id", help="PLATFORM:ID, e.g. slack:C0123 or telegram:-1001234"),
    preset_name: str | None = PRESET,
) -> None:
    """Say where referrals are posted (panel), where the BM is told things (bm), where an agency is reached."""
    from bot.service import Actor

    purpose_, platform, external = with_panel(
        lambda p: p.set_channel(actor=Actor.operator(), purpose=purpose, platform_id=platform_id), preset=preset_name
    )
    out.print(f"{purpose_} is now {platform}:{external}.", markup=False, highlight=False)


@channel_app.command("list")
def channel_list(preset_name: str | None = PRESET) -> None:
    """List the channels set."""
    rows = with_panel(lambda p: p.list_channels(), preset=preset_name)
    if not rows:
        out.print("No channels are set yet.")
    for purpose, platform, external in rows:
        out.print(f"{purpose}: {platform}:{external}", markup=False, highlight=False)


@contact_app.command("add")
def contact_add(
    agency: str = typer.Argument(..., help="agency:NAME, an agency of the preset, e.g. agency:police"),
    platform_id: str = typer.Option(..., "--id", help="The person's PLATFORM:ID, e.g. slack:U0123"),
) -> None:
    """Register a person as an agency's contact: they may mark its returns made (recorded in the audit log)."""
    from bot.service import Actor

    chosen, account = with_panel(
        lambda p: p.add_contact(actor=Actor.operator(), agency=agency, platform_id=platform_id)
    )
    out.print(f"{account} is now a contact for {chosen.label} (agency:{chosen.id}).", markup=False, highlight=False)


@contact_app.command("list")
def contact_list() -> None:
    """List the agency contacts."""
    from bot.service import Actor

    rows = with_panel(lambda p: p.list_contacts(actor=Actor.operator()))
    if not rows:
        out.print("No agency contacts are registered. Add one with `panelbot contact add agency:NAME --id "
                  "PLATFORM:ID`.", markup=False, highlight=False)
    for r in rows:
        out.print(f"agency:{r.agency} ({r.agency_label}): {r.account}", markup=False, highlight=False)


@contact_app.command("remove")
def contact_remove(
    agency: str = typer.Argument(..., help="agency:NAME"),
    platform_id: str = typer.Option(..., "--id", help="The person's PLATFORM:ID"),
) -> None:
    """Remove an agency contact (recorded in the audit log)."""
    from bot.service import Actor

    chosen, account = with_panel(
        lambda p: p.remove_contact(actor=Actor.operator(), agency=agency, platform_id=platform_id)
    )
    out.print(f"{account} is no longer a contact for {chosen.label}.", markup=False, highlight=False)


# Reading the record ----------------------------------------------------------------------------------


@app.command()
def status(
    reference: str | None = typer.Argument(None, help="One referral, by its reference."),
    preset_name: str | None = PRESET,
) -> None:
    """Open referrals: stage, what each waits for, the next deadline (UK time)."""
    from bot.commands import status_lines
    from bot.console.render import styled

    for line in with_panel(lambda p: status_lines(p, reference), preset=preset_name):
        out.print(styled(line))


@app.command()
def overdue(preset_name: str | None = PRESET) -> None:
    """Everything past its deadline, oldest first."""
    from bot.commands import overdue_lines
    from bot.console.render import styled

    for line in with_panel(overdue_lines, preset=preset_name):
        out.print(styled(line))


# The business manager's view: report, calendar, export (issue 8) -------------------------------------


def _day(text: str, option: str):  # type: ignore[no-untyped-def]
    from flows.reports import parse_day

    try:
        return parse_day(text)
    except PanelError as exc:
        raise fail(f"{option}: {exc}", 2) from None


@app.command()
def report(
    period: str | None = typer.Argument(
        None, help="2026-Q3, 2026, 2026/27 (April to March), 2026-11, or FROM..TO; default: this financial year."
    ),
    date_from: str | None = typer.Option(None, "--from", help="First day of the period, e.g. 2026-04-01."),
    date_to: str | None = typer.Option(None, "--to", help="Last day of the period (included), e.g. 2027-03-31."),
    fmt: str = typer.Option("table", "--format", help="table (terminal), markdown, csv (one file per measure) or png."),
    out_dir: Path | None = typer.Option(None, "--out", help="Folder for csv, png or markdown files."),
    preset_name: str | None = PRESET,
) -> None:
    """The measures for a period: referrals by type, outcome, referrer and theme; reviews by type
    and outcome; disagreements; timeliness per clock. Stockport's preset adds SAR referrals each quarter."""
    from flows.reports import Period, parse_period

    fmt = fmt.lower()
    if fmt not in ("table", "markdown", "md", "csv", "png"):
        raise fail(f'--format "{fmt}" is not one of table, markdown, csv, png.', 2)
    if (date_from is None) != (date_to is None):
        raise fail("Give both --from and --to, or a PERIOD such as 2026-Q3.", 2)
    if date_from is not None and period is not None:
        raise fail("Give either a PERIOD or --from and --to, not both.", 2)

    async def go(panel):  # type: ignore[no-untyped-def]
        if date_from is not None and date_to is not None:
            chosen = Period(_day(date_from, "--from"), _day(date_to, "--to"))
            # The same years as a typed PERIOD (flows.reports.REPORT_YEARS), so 0001..9999 is refused, not a crash
            chosen = parse_period(f"{chosen.start.isoformat()}..{chosen.end.isoformat()}", today=chosen.end)
        else:
            chosen = parse_period(period, today=panel.cal.local(panel.now()).date())
        return await panel.report(chosen), panel.preset, panel.cal

    rep, preset, cal = with_panel(go, preset=preset_name)
    try:
        _show_report(rep, preset, cal, fmt, out_dir)
    except OSError as exc:
        raise not_written(exc) from None


LISTING_ROWS = 20  # rows of a one-per-deadline list shown in the terminal; CSV has them all


def _show_report(rep, preset, cal, fmt: str, out_dir: Path | None) -> None:  # type: ignore[no-untyped-def]
    from bot.reports import charts, tables
    from bot.reports.files import REPORTS_DIR, files_dir, safe_name

    period = rep.period.name.replace("/", "-").replace("..", "_to_")
    folder = out_dir or files_dir() / REPORTS_DIR / safe_name(f"report-{period}")
    if fmt == "table":
        out.print(tables.heading(rep, cal), style="bold", markup=False, highlight=False)
        out.print(f"Referrals received in the period: {rep.received}", markup=False, highlight=False)
        for t in tables.report_tables(rep, preset, cal):
            out.print()
            out.print(t.heading, style="bold", markup=False, highlight=False)
            if t.note:
                out.print(t.note, style="dim", markup=False, highlight=False)
            if not t.rows:
                out.print("None.", markup=False, highlight=False)
                continue
            table = Table(show_header=True)
            for i, column in enumerate(t.columns):
                numeric = i > 0 and all(isinstance(row[i], int | float) or row[i] is None for row in t.rows)
                table.add_column(column, justify="right" if numeric else "left")
            shown = t.rows[:LISTING_ROWS] if t.listing else t.rows
            for row in shown:
                table.add_row(*(tables.show(c) for c in row))
            out.print(table)
            if len(shown) < len(t.rows):
                out.print(f"... and {len(t.rows) - len(shown)} more: `--format csv` writes them all to {t.id}.csv.",
                          markup=False, highlight=False)
        return
    if fmt in ("markdown", "md"):
        text_ = tables.markdown(rep, preset, cal)
        if out_dir is None:
            print(text_)
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "report.md").write_text(text_, encoding="utf-8")
        out.print(f"Wrote {out_dir / 'report.md'}", markup=False, highlight=False)
        return
    if fmt == "csv":
        paths = tables.write_csv(rep, preset, cal, folder)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in charts.report_charts(rep, cal):
            (folder / name).write_bytes(data)
            paths.append(folder / name)
    out.print(f"{tables.heading(rep, cal)}.", markup=False, highlight=False)
    out.print(f"Wrote {len(paths)} {fmt.upper()} files to {folder}:", markup=False, highlight=False)
    for path in paths:
        out.print(f"  {path.name}", markup=False, highlight=False)


@app.command()
def calendar(
    out_file: Path | None = typer.Option(None, "--out", help="Write the feed to this .ics file (default: print it)."),
    preset_name: str | None = PRESET,
) -> None:
    """Every open deadline as an iCalendar (.ics) feed: reference and anonymised subject only."""
    from bot.reports.ics import feed

    async def go(panel):  # type: ignore[no-untyped-def]
        entries = await panel.calendar_entries()
        return feed(panel.preset, panel.cal, entries, panel.now()), len(entries)

    body, count = with_panel(go, preset=preset_name)
    if out_file is None:
        sys.stdout.write(body.decode("utf-8"))
        return
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_bytes(body)
    except OSError as exc:
        raise not_written(exc) from None
    out.print(f"Wrote {count} open deadline{'s' if count != 1 else ''} to {out_file}.", markup=False, highlight=False)


@app.command()
def export(
    fmt: str = typer.Option("json", "--format", help="json (one file) or csv (a folder, one file per table)."),
    out_path: Path | None = typer.Option(None, "--out", help="The file (json) or folder (csv) to write."),
    preset_name: str | None = PRESET,
) -> None:
    """The whole decision record, to archive: referrals, decisions, votes with reasons, deadlines, requests and
    returns, reminders, disagreements and the audit chain with its head hash. Prove an archive complete later
    with `panelbot audit verify --export PATH`."""
    from bot.reports import export as archive

    fmt = fmt.lower()
    if fmt not in ("json", "csv"):
        raise fail(f'--format "{fmt}" is not one of json, csv.', 2)

    async def go(panel):  # type: ignore[no-untyped-def]
        return await panel.export_record(), panel.cal.local(panel.now())

    from bot.reports.files import files_dir

    data, now = with_panel(go, preset=preset_name)
    stamp = now.strftime("%Y%m%d-%H%M")
    try:  # without --out, into the one files folder: never the folder it was started in
        if fmt == "json":
            path = archive.write_json(data, out_path or files_dir() / f"panelbot-export-{stamp}.json")
        else:
            path = out_path or files_dir() / f"panelbot-export-{stamp}"
            archive.write_csv(data, path)
    except OSError as exc:
        raise not_written(exc) from None
    m = data["manifest"]
    rows = m["rows"]
    out.print(
        f"Exported {rows['referrals']} referrals, {rows['votes']} votes, {rows['decisions']} decisions, "
        f"{rows['requests']} requests, {rows['reminders']} reminders and {rows['disagreements']} disagreements "
        f"to {path}.",
        markup=False,
        highlight=False,
    )
    out.print(f"Audit log: {m['audit_entries']} entries, head hash {m['audit_head_hash']}.", highlight=False)
    if not m["audit_verified"]:
        for problem in m["audit_problems"]:
            err.print(problem, style="red", markup=False, highlight=False)
        raise fail("The audit log does NOT verify, so this export cannot be proved complete; see above.")
    out.print("Keep it safe: it holds the referrals' summaries. Prove it later with "
              f"`panelbot audit verify --export {path}`.", markup=False, highlight=False)


def _verify_export(path: Path, preset_name: str | None = None) -> None:
    from sqlalchemy import select

    from bot.reports import export as archive
    from storage.models import AuditEntry

    try:
        data = archive.load(path)
    except (ValueError, KeyError) as exc:
        raise fail(str(exc) if isinstance(exc, ValueError) else f"{path} is not a Panelbot export.") from None

    async def go(panel):  # type: ignore[no-untyped-def]
        async with panel.uow() as uow:
            rows = await uow.session.execute(select(AuditEntry.seq, AuditEntry.hash))
            return {seq: hash_ for seq, hash_ in rows}

    problems, proved = archive.check(data, with_panel(go, preset=preset_name))
    if not problems:
        out.print(proved, markup=False, highlight=False)
        return
    for problem in problems:
        err.print(problem, style="red", markup=False, highlight=False)
    raise fail(f"The archive {path} does NOT match the record: {len(problems)} problem(s) found.")


# Database, audit, presets ----------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every database migration not yet applied."""
    from storage.db import make_engine, upgrade

    async def go() -> tuple[str | None, str]:
        engine = make_engine(settings().database_url.get_secret_value())
        try:
            return await upgrade(engine)
        finally:
            await engine.dispose()

    before, after = call(go())
    if before == after:
        out.print(f"The database is already up to date (migration {after}).")
    else:
        out.print(f"Database upgraded from {before or 'empty'} to migration {after}.")


@db_app.command("backup")
def db_backup(file: Path = typer.Argument(..., help="A new file for the copy, e.g. panelbot-2026-12-06.db.")) -> None:
    """An online, consistent copy of the database (SQLite); for PostgreSQL, the pg_dump command to use."""
    from storage.backup import BackupError, backup, pg_dump_command, sqlite_file

    url = settings().database_url.get_secret_value()
    if sqlite_file(url) is None:
        out.print("Back up PostgreSQL with its own tool, for example:", markup=False, highlight=False)
        out.print(f"  {pg_dump_command(url, file)}", markup=False, highlight=False, soft_wrap=True)
        return
    try:
        entries = backup(url, file)
    except BackupError as exc:
        raise fail(str(exc)) from None
    except sqlite3.Error as exc:
        raise fail(f"Could not copy the database ({exc}). Nothing was written.") from None
    except OSError as exc:
        raise not_written(exc) from None
    out.print(f"Backed up to {file} ({entries} audit entries). Keep it as safe as the database.", markup=False,
              highlight=False, soft_wrap=True)


@db_app.command("restore")
def db_restore(
    file: Path = typer.Argument(..., help="A backup made with `panelbot db backup`."),
    force: bool = typer.Option(False, "--force", help="Overwrite a database that holds a longer record."),
) -> None:
    """Put a backup back as the database (SQLite; stop the bot first). Refuses to lose a newer record."""
    from storage.backup import BackupError, restore

    url = settings().database_url.get_secret_value()
    try:
        entries = restore(file, url, force=force)
    except BackupError as exc:
        raise fail(str(exc)) from None
    except sqlite3.Error as exc:
        raise fail(f"Could not restore the database ({exc}). Nothing was changed.") from None
    except OSError as exc:
        raise not_written(exc) from None
    out.print(f"Restored from {file} ({entries} audit entries). Run `panelbot audit verify` to check it.",
              markup=False, highlight=False, soft_wrap=True)


@audit_app.command("verify")
def audit_verify(
    export: Path | None = typer.Option(
        None, "--export", help="Also prove that an archive from `panelbot export` (file or folder) is complete."
    ),
    preset_name: str | None = PRESET,
) -> None:
    """Prove the audit log is complete and unaltered, and that every vote matches what was recorded."""
    from storage.audit import verify

    async def go(panel):  # type: ignore[no-untyped-def]
        async with panel.uow() as uow:
            return await verify(uow.session)

    report = with_panel(go, preset=preset_name)
    if report.ok:
        out.print(f"Audit log verified: {report.entries} entries, unbroken. Head hash {report.head}.", highlight=False)
        if export is not None:
            try:
                _verify_export(export, preset_name)
            except OSError as exc:
                raise fail(f"Could not read {exc.filename or export}: {exc.strerror or exc}.") from None
        return
    for problem in report.problems:
        err.print(problem, style="red", markup=False, highlight=False)
    raise fail(f"The audit log does NOT verify: {len(report.problems)} problem(s) found.")


@preset_app.command("check")
def preset_check(file: Path = typer.Argument(..., help="A preset TOML file, or a shipped preset's name.")) -> None:
    """Validate a preset file exactly as the bot does at start."""
    try:
        p = load_preset(str(file))
    except PresetError as exc:
        raise fail(str(exc)) from None
    out.print(
        f"{p.source_file}: OK. {p.name}: {len(p.roles)} roles, {len(p.outcomes)} outcomes, "
        f"{len(p.clocks)} clocks; quorum {p.quorum.describe(p.role_labels)}; ties go to the "
        f"{p.role_label(p.tie_break_role)}.",
        markup=False,
        highlight=False,
    )


@preset_app.command("list")
def preset_list() -> None:
    """The presets shipped with Panelbot."""
    for name in available_presets():
        p = load_preset(name)
        out.print(f"{name}: {p.name}", markup=False, highlight=False)


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
        out.print("No reminders are waiting to be sent.")
    for line in rows:
        out.print(styled(line))


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

    out.print(with_panel(sweep, clock=(lambda: when) if when else None, practice=practice, preset=preset_name),
              markup=False, highlight=False)


@app.command()
def jobs() -> None:
    """The scheduled jobs the running bot performs."""
    from bot.scheduler import JOBS

    for job in JOBS:
        out.print(f"{job.name}: every {job.every_seconds} s, {job.what}", markup=False, highlight=False)


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

    from bot.notify import outbox_summary, waiting_messages

    async def go(panel):  # type: ignore[no-untyped-def]
        minutes = older_than if older_than is not None else int(panel.stuck_after.total_seconds() // 60)
        rows = await waiting_messages(panel, older_than=timedelta(minutes=minutes))
        return rows, await outbox_summary(panel), panel.now(), panel.fmt, minutes

    rows, summary, now, fmt, older_than = with_panel(go, preset=preset_name)
    limit = f"more than {older_than} minute{'s' if older_than != 1 else ''}" if older_than else "at all"
    if not rows:
        line = f"No message has been waiting {limit}: nothing is stuck."
        if summary["waiting"]:
            line += f" {summary['waiting']} newer message{'s are' if summary['waiting'] != 1 else ' is'} on the way."
        out.print(line, markup=False, highlight=False)
        return
    count = len(rows)
    out.print(
        f"{count} message{'s have' if count != 1 else ' has'} been waiting {limit} to be delivered (oldest first):",
        markup=False,
        highlight=False,
    )
    table = Table("Id", "Kind", "For", "Attempts", "Waiting", "Next attempt (UK time)", "Last error")
    for row in rows:
        due = "now" if row.next_attempt_at <= now else fmt(row.next_attempt_at)
        table.add_row(
            str(row.id),
            row.kind,
            row.purpose,
            str(row.attempts),
            _age((now - row.created_at).total_seconds() / 60),
            due,
            row.last_error or "-",
        )
    out.print(table)
    out.print(
        "The running bot keeps trying by itself. Once the platform is back, `panelbot outbox retry` sends them "
        "at once instead of at their next attempt.",
        markup=False,
        highlight=False,
    )


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
        out.print(f"No message {which}is waiting to be delivered.", markup=False, highlight=False)
        return
    out.print(
        f"{changed} waiting message{'s are' if changed != 1 else ' is'} due now: the running bot sends "
        f"{'them' if changed != 1 else 'it'} within a few seconds.",
        markup=False,
        highlight=False,
    )


@teams_app.command("package")
def teams_package(
    out_file: Path | None = typer.Option(
        None, "--out", help="The zip to write (default: panelbot.zip in Panelbot's files folder)."
    ),
    bot_id: str | None = typer.Option(
        None, "--bot-id", help="The Entra app's client id (default: ...SERVICE_CONNECTION__SETTINGS__CLIENTID)."
    ),
    app_id: str | None = typer.Option(None, "--app-id", help="A GUID for the Teams app (default: the bot id)."),
    name: str = typer.Option("Panelbot", "--name", help="The app's name in Teams (30 characters at most)."),
    developer: str = typer.Option("Panelbot", "--developer", help="Who publishes the app in your organisation."),
    website_url: str = typer.Option("https://example.org/panelbot", "--website-url", help="https:// address."),
    privacy_url: str = typer.Option("https://example.org/panelbot/privacy", "--privacy-url", help="https:// address."),
    terms_url: str = typer.Option("https://example.org/panelbot/terms", "--terms-url", help="https:// address."),
    version: str = typer.Option("1.0.0", "--version", help="The app's version; raise it for every re-upload."),
) -> None:
    """Write the Teams app package (manifest.json and two icons) to upload to Teams: sideload it, or ask your
    Teams admin to add it in the admin centre."""
    from bot.reports.files import files_dir
    from bot.teams.package import PackageError, build

    out_file = out_file or files_dir() / "panelbot.zip"
    s = settings()
    bot_id = bot_id or s.teams_client_id
    if not bot_id:
        raise fail(
            "Give the bot's Entra client id with --bot-id, or set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID."
        )
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        build(
            out_file,
            bot_id=bot_id.strip(),
            app_id=app_id,
            name=name,
            partnership=load_preset(s.preset or DEFAULT_PRESET).name,
            developer=developer,
            website_url=website_url,
            privacy_url=privacy_url,
            terms_url=terms_url,
            version=version,
        )
    except PackageError as exc:
        raise fail(str(exc)) from None
    except PresetError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"Could not write {out_file} ({exc.strerror or exc}).") from None
    out.print(f"Wrote {out_file}: manifest.json, color.png and outline.png.", markup=False, highlight=False)


# Before going live (issue 22) -------------------------------------------------------------------------


@app.command()
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


def main() -> None:
    app()
