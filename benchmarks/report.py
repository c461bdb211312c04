"""Report: the business manager's annual report for a year of 5,000 Salford referrals, with its charts.

Fills a fresh SQLite file (the default deployment) with a year of referrals written straight into the tables:
each with its decision, about six deadlines (some met, some late, some still open) and, for one in ten, a
disagreement. Then it times what `panelbot report 2026/27 --format png` does: the report's queries and every
figure, the chat lines and Markdown, the CSV files and the two PNG charts. Also the calendar feed of every open
deadline and the export of the whole record. Floor: reading the same rows back (three plain SELECTs, no
figures, no rendering). Target: a few seconds (≤ 5 s).
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from benchmarks.common import Clock, Context, Row, sqlite_file

NAME = "report"
TITLE = "the annual report for 5,000 referrals, with charts"
YEAR_START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2027, 4, 10, 12, 0, tzinfo=UTC)
REFERRERS = ("Children's Social Care", "Greater Manchester Police", "School", "Health visitor", "GP", "Probation")
CLOCKS = ("panel_decision", "info_request_send", "national_panel_result", "la_notification", "agency_return")
TARGET = 5.0


async def fill(panel: Any, count: int) -> int:
    """Write `count` referrals and their deadlines directly (the service would take minutes to file them)."""
    from flows.clocks import due
    from storage.models import Deadline, Disagreement, Referral

    rnd = random.Random(8)
    preset, cal = panel.preset, panel.cal
    outcomes = [o.id for o in preset.outcomes]
    themes = list(preset.themes)
    async with panel.uow() as uow:
        refs = []
        for n in range(1, count + 1):
            received = YEAR_START + timedelta(minutes=rnd.randrange(0, 364 * 24 * 60))
            decided = rnd.random() < 0.9
            refs.append({
                "partnership_id": panel.partnership_id, "reference": f"SAL-2026-{n:04d}", "year": 2026, "number": n,
                "referral_type": rnd.choice(("rapid_review", "case_review")), "referrer": rnd.choice(REFERRERS),
                "subject_category": rnd.choice(("baby", "young_person")), "subject_letter": chr(65 + n % 26),
                "summary": "Benchmark referral.", "themes": rnd.sample(themes, rnd.randint(0, 2)),
                "received_at": received, "status": "decided" if decided else rnd.choice(("with_panel", "withdrawn")),
                "outcome": rnd.choice(outcomes) if decided else None,
                "decided_how": rnd.choice(("panel", "panel", "bm", "chair")) if decided else None,
                "decided_at": received + timedelta(hours=40) if decided else None,
            })
        for start in range(0, len(refs), 1000):
            await uow.session.execute(insert(Referral), refs[start:start + 1000])
        ids = dict((await uow.session.execute(select(Referral.reference, Referral.id))).all())
        deadlines, disputes = [], []
        for r in refs:
            for clock_id in CLOCKS:
                clock = preset.clock(clock_id)
                for agency in (("police", "health") if clock_id == "agency_return" else (None,)):
                    due_at = due(preset, cal, clock, r["received_at"])
                    roll = rnd.random()
                    done = cancelled = None
                    if roll < 0.6:
                        done = due_at - timedelta(hours=rnd.randint(1, 30))
                    elif roll < 0.85:
                        done = due_at + timedelta(days=rnd.randint(1, 20))
                    elif roll < 0.92:
                        cancelled = r["received_at"] + timedelta(hours=1)
                    deadlines.append({
                        "partnership_id": panel.partnership_id, "referral_id": ids[r["reference"]],
                        "clock_id": clock_id, "label": clock.label, "owner": clock.owner, "agency": agency,
                        "started_at": r["received_at"], "due_at": due_at, "done_at": done, "cancelled_at": cancelled,
                    })
            if r["outcome"] and rnd.random() < 0.1:
                disputes.append({
                    "partnership_id": panel.partnership_id, "referral_id": ids[r["reference"]],
                    "party": rnd.choice(("referrer", "national_panel")), "decision": r["outcome"],
                    "reason": "Benchmark disagreement.", "recorded_at": r["decided_at"] + timedelta(days=3),
                    "recorded_by": "operator (command line)",
                })
        for start in range(0, len(deadlines), 5000):
            await uow.session.execute(insert(Deadline), deadlines[start:start + 5000])
        if disputes:
            await uow.session.execute(insert(Disagreement), disputes)
        await uow.commit()
    return len(deadlines)


async def read_back(engine: Any) -> float:
    """The floor: the rows the report reads, fetched with plain SELECTs and nothing else."""
    began = time.perf_counter()
    async with engine.connect() as conn:
        for table in ("referrals", "deadlines", "disagreements"):
            (await conn.execute(text(f"SELECT * FROM {table}"))).fetchall()
    return time.perf_counter() - began


async def run(ctx: Context) -> list[Row]:
    from bot.reports import charts, export, ics, tables
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset
    from flows.reports import Period

    count = 200 if ctx.quick else 5_000
    folder = Path(tempfile.mkdtemp(prefix="panelbot-bench-"))
    async with sqlite_file(folder) as engine:
        panel = await open_panel(engine, load_preset("salford"), clock=Clock(NOW))
        deadlines = await fill(panel, count)
        floor = await read_back(engine)
        period = Period(date(2026, 4, 1), date(2027, 3, 31), "2026/27")
        parts: dict[str, float] = {}
        began = time.perf_counter()
        report = await panel.report(period)
        parts["queries and figures"] = time.perf_counter() - began
        t = time.perf_counter()
        tables.chat_lines(report, panel.preset, panel.cal)
        tables.markdown(report, panel.preset, panel.cal)
        parts["chat lines and Markdown"] = time.perf_counter() - t
        t = time.perf_counter()
        tables.write_csv(report, panel.preset, panel.cal, folder / "csv")
        parts["CSV files"] = time.perf_counter() - t
        t = time.perf_counter()
        charts.report_charts(report, panel.cal)
        parts["two PNG charts"] = time.perf_counter() - t
        total = time.perf_counter() - began
        t = time.perf_counter()
        entries = await panel.calendar_entries()
        ics.feed(panel.preset, panel.cal, entries, NOW)
        calendar = time.perf_counter() - t
        t = time.perf_counter()
        export.write_json(await panel.export_record(), folder / "export.json")
        exported = time.perf_counter() - t
    for part, took in parts.items():
        print(f"   {part:<28} {took:6.2f} s", flush=True)
    split = ", ".join(f"{k} {v:.2f} s" for k, v in parts.items())
    return [
        Row(NAME, f"annual report, {count:,} referrals, with charts", round(total, 2), "s", floor=round(floor, 3),
            floor_name=f"read back {count:,} referrals, {deadlines:,} deadlines", target=f"≤ {TARGET:g} s",
            met=total <= TARGET, notes=split),
        Row(NAME, f"calendar feed ({len(entries):,} open deadlines)", round(calendar, 2), "s"),
        Row(NAME, "export of the whole record (JSON)", round(exported, 2), "s"),
    ]
