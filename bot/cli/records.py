"""Reading the record: `status`, `overdue`, the business manager's `report`, `calendar` and `export`, and
`audit verify`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

import bot.cli.common as cli
from bot.cli.common import PRESET, fail, not_written, with_panel
from flows.errors import PanelError

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)


# Reading the record ----------------------------------------------------------------------------------


def status(
    reference: str | None = typer.Argument(None, help="One referral, by its reference."),
    preset_name: str | None = PRESET,
) -> None:
    """Open referrals: stage, what each waits for, the next deadline (UK time)."""
    from bot.commands import status_lines
    from bot.console.render import styled

    for line in with_panel(lambda p: status_lines(p, reference), preset=preset_name):
        cli.out.print(styled(line))


meeting_app = typer.Typer(help="Meetings of referrals (the rapid review meeting, a screening meeting).",
                          no_args_is_help=True)


@meeting_app.command("list")
def meeting_list(preset_name: str | None = PRESET) -> None:
    """Every scheduled meeting, with its referral, window, attendance and quorum, and, where the meeting decides,
    the views given so far."""
    from bot.console.render import styled
    from bot.schedule_words import meeting_lines

    for line in with_panel(meeting_lines, preset=preset_name):
        cli.out.print(styled(line))


def agenda(preset_name: str | None = PRESET) -> None:
    """The next monthly panel: its new referrals and every case on hold (Suffolk section 3)."""
    from bot.console.render import styled
    from bot.schedule_words import agenda_lines

    for line in with_panel(agenda_lines, preset=preset_name):
        cli.out.print(styled(line))


def overdue(preset_name: str | None = PRESET) -> None:
    """Everything past its deadline, oldest first."""
    from bot.commands import overdue_lines
    from bot.console.render import styled

    for line in with_panel(overdue_lines, preset=preset_name):
        cli.out.print(styled(line))


# The business manager's view: report, calendar, export (issue 8) -------------------------------------


def _day(text: str, option: str):  # type: ignore[no-untyped-def]
    from flows.reports import parse_day

    try:
        return parse_day(text)
    except PanelError as exc:
        raise fail(f"{option}: {exc}", 2) from None


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
        cli.out.print(tables.heading(rep, cal), style="bold", markup=False, highlight=False)
        cli.out.print(f"Referrals received in the period: {rep.received}", markup=False, highlight=False)
        for t in tables.report_tables(rep, preset, cal):
            cli.out.print()
            cli.out.print(t.heading, style="bold", markup=False, highlight=False)
            if t.note:
                cli.out.print(t.note, style="dim", markup=False, highlight=False)
            if not t.rows:
                cli.out.print("None.", markup=False, highlight=False)
                continue
            table = Table(show_header=True)
            for i, column in enumerate(t.columns):
                numeric = i > 0 and all(isinstance(row[i], int | float) or row[i] is None for row in t.rows)
                table.add_column(column, justify="right" if numeric else "left")
            shown = t.rows[:LISTING_ROWS] if t.listing else t.rows
            for row in shown:
                table.add_row(*(tables.show(c) for c in row))
            cli.out.print(table)
            if len(shown) < len(t.rows):
                cli.out.print(f"... and {len(t.rows) - len(shown)} more: `--format csv` writes them all to {t.id}.csv.",
                          markup=False, highlight=False)
        return
    if fmt in ("markdown", "md"):
        text_ = tables.markdown(rep, preset, cal)
        if out_dir is None:
            print(text_)
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "report.md").write_text(text_, encoding="utf-8")
        cli.out.print(f"Wrote {out_dir / 'report.md'}", markup=False, highlight=False)
        return
    if fmt == "csv":
        paths = tables.write_csv(rep, preset, cal, folder)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in charts.report_charts(rep, cal):
            (folder / name).write_bytes(data)
            paths.append(folder / name)
    cli.out.print(f"{tables.heading(rep, cal)}.", markup=False, highlight=False)
    cli.out.print(f"Wrote {len(paths)} {fmt.upper()} files to {folder}:", markup=False, highlight=False)
    for path in paths:
        cli.out.print(f"  {path.name}", markup=False, highlight=False)


def calendar(
    out_file: Path | None = typer.Option(None, "--out", help="Write the feed to this .ics file (default: print it)."),
    preset_name: str | None = PRESET,
) -> None:
    """Every open deadline and scheduled meeting as an iCalendar (.ics) feed: reference and anonymised subject only."""
    from bot.reports.ics import feed

    async def go(panel):  # type: ignore[no-untyped-def]
        entries, meetings = await panel.calendar_entries(), await panel.calendar_meetings()
        return feed(panel.preset, panel.cal, entries, panel.now(), meetings), (len(entries), len(meetings))

    body, count = with_panel(go, preset=preset_name)
    if out_file is None:
        sys.stdout.write(body.decode("utf-8"))
        return
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_bytes(body)
    except OSError as exc:
        raise not_written(exc) from None
    deadlines, meetings = count
    said = f"Wrote {deadlines} open deadline{'s' if deadlines != 1 else ''}"
    if meetings:
        said += f" and {meetings} scheduled meeting{'s' if meetings != 1 else ''}"
    cli.out.print(f"{said} to {out_file}.", markup=False, highlight=False)


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
    cli.out.print(
        f"Exported {rows['referrals']} referrals, {rows['votes']} votes, {rows['decisions']} decisions, "
        f"{rows['requests']} requests, {rows['reminders']} reminders and {rows['disagreements']} disagreements "
        f"to {path}.",
        markup=False,
        highlight=False,
    )
    cli.out.print(f"Audit log: {m['audit_entries']} entries, head hash {m['audit_head_hash']}.", highlight=False)
    if not m["audit_verified"]:
        for problem in m["audit_problems"]:
            cli.err.print(problem, style="red", markup=False, highlight=False)
        raise fail("The audit log does NOT verify, so this export cannot be proved complete; see above.")
    cli.out.print("Keep it safe: it holds the referrals' summaries. Prove it later with "
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
        cli.out.print(proved, markup=False, highlight=False)
        return
    for problem in problems:
        cli.err.print(problem, style="red", markup=False, highlight=False)
    raise fail(f"The archive {path} does NOT match the record: {len(problems)} problem(s) found.")




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
        cli.out.print(f"Audit log verified: {report.entries} entries, unbroken. Head hash {report.head}.",
                      highlight=False)
        if export is not None:
            try:
                _verify_export(export, preset_name)
            except OSError as exc:
                raise fail(f"Could not read {exc.filename or export}: {exc.strerror or exc}.") from None
        return
    for problem in report.problems:
        cli.err.print(problem, style="red", markup=False, highlight=False)
    raise fail(f"The audit log does NOT verify: {len(report.problems)} problem(s) found.")
