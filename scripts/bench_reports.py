"""Benchmark: the business manager's report for a year with 5,000 referrals (issue 8).

    .venv/bin/python scripts/bench_reports.py [--referrals 5000] [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Fills a fresh database (a temporary SQLite file by default, or a schema of its own on PostgreSQL, dropped
at the end) with a year of Salford referrals written straight into the tables: each with its decision, its
clocks (about six deadlines a referral, some met, some late, some still open) and, for one in ten, a
disagreement. Then it times what a business manager asks for: the report (the three queries and every
figure), the terminal's tables and Markdown, the CSV files, the two PNG charts, the calendar feed of every
open deadline and the export of the whole record. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from bot.reports import charts, export, ics, tables  # noqa: E402
from bot.service.bootstrap import open_panel  # noqa: E402
from flows.clocks import due  # noqa: E402
from flows.preset import load_preset  # noqa: E402
from flows.reports import Period  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Deadline, Disagreement, Referral  # noqa: E402

YEAR_START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2027, 4, 10, 12, 0, tzinfo=UTC)
REFERRERS = ("Children's Social Care", "Greater Manchester Police", "School", "Health visitor", "GP", "Probation")
CLOCKS = ("panel_decision", "info_request_send", "national_panel_result", "la_notification", "agency_return")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def fill(panel, count: int) -> None:  # type: ignore[no-untyped-def]
    """Write `count` referrals and their deadlines directly (the service would take minutes to file them)."""
    rnd = random.Random(8)
    preset, cal = panel.preset, panel.cal
    outcomes = [o.id for o in preset.outcomes]
    themes = list(preset.themes)
    async with panel.uow() as uow:
        refs = []
        for n in range(1, count + 1):
            received = YEAR_START + timedelta(minutes=rnd.randrange(0, 364 * 24 * 60))
            decided = rnd.random() < 0.9
            outcome = rnd.choice(outcomes) if decided else None
            refs.append({
                "partnership_id": panel.partnership_id, "reference": f"SAL-2026-{n:04d}", "year": 2026, "number": n,
                "referral_type": rnd.choice(("rapid_review", "case_review")), "referrer": rnd.choice(REFERRERS),
                "subject_category": rnd.choice(("baby", "young_person")), "subject_letter": chr(65 + n % 26),
                "summary": "Benchmark referral.", "themes": rnd.sample(themes, rnd.randint(0, 2)),
                "received_at": received, "status": "decided" if decided else rnd.choice(("with_panel", "withdrawn")),
                "outcome": outcome, "decided_how": rnd.choice(("panel", "panel", "bm", "chair")) if decided else None,
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
    print(f"  filled: {len(refs):,} referrals, {len(deadlines):,} deadlines, {len(disputes):,} disagreements")


def timed(label: str, began: float) -> float:
    took = time.perf_counter() - began
    print(f"  {label:<48} {took:7.2f} s")
    return took


async def run(url: str | None, count: int) -> None:
    schema = None
    folder = Path(tempfile.mkdtemp(prefix="panelbot-bench-"))
    if url is None:
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        engine = make_engine(url)
        admin = None
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(url)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(url, connect_args={"options": f"-c search_path={schema}"})
    print(f"Report benchmark on {engine.dialect.name}, {count:,} referrals")
    try:
        await upgrade(engine)
        panel = await open_panel(engine, load_preset("salford"), clock=Clock(NOW))
        await fill(panel, count)
        period = Period(date(2026, 4, 1), date(2027, 3, 31), "2026/27")
        total = 0.0
        began = time.perf_counter()
        report = await panel.report(period)
        total += timed("report: queries and every figure", began)
        began = time.perf_counter()
        tables.chat_lines(report, panel.preset, panel.cal)
        tables.markdown(report, panel.preset, panel.cal)
        total += timed("chat lines and Markdown", began)
        began = time.perf_counter()
        tables.write_csv(report, panel.preset, panel.cal, folder / "csv")
        total += timed("CSV files (one per measure)", began)
        began = time.perf_counter()
        charts.report_charts(report, panel.cal)
        total += timed("two PNG charts", began)
        print(f"  {'the whole report (figures, tables, CSV, charts)':<48} {total:7.2f} s")
        print(f"  received {report.received:,}; missed deadlines listed {len(report.missed):,}")
        began = time.perf_counter()
        entries = await panel.calendar_entries()
        ics.feed(panel.preset, panel.cal, entries, NOW)
        timed(f"calendar feed ({len(entries):,} open deadlines)", began)
        began = time.perf_counter()
        data = await panel.export_record()
        export.write_json(data, folder / "export.json")
        timed("export of the whole record (JSON)", began)
    finally:
        await engine.dispose()
        if admin is not None:
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=5000)
    parser.add_argument("--url", default=None, help="a PostgreSQL URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.referrals))


if __name__ == "__main__":
    main()
