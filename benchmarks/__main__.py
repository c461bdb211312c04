"""Run every benchmark (or `--only` some), print one table with the machine it ran on, write the JSON.

    python -m benchmarks [--only NAME ...] [--quick] [--json PATH]

PostgreSQL comes from PANELBOT_BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
each PostgreSQL benchmark uses a fresh schema and drops it after. When it cannot be reached those rows are
skipped with a note. `--quick` runs everything tiny, as a smoke test: its figures mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import BENCHMARKS
from benchmarks.common import DEFAULT_PG_URL, Context, Row, check_pg, machine

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def table(rows: list[Row], about: dict) -> str:
    head = ("benchmark", "figure", "value", "unit", "floor", "ratio", "target", "met", "notes")
    lines = [[r.benchmark, r.name, _fmt(r.figure), r.unit, _fmt(r.floor), "-" if r.ratio is None else f"{r.ratio:.2f}×",
              r.target or "-", {True: "yes", False: "NO", None: "-"}[r.met], r.notes] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=False)]
    widths[-1] = 0  # notes are not padded
    out = [
        f"Machine: {about['cpu']}, {about['cores']} cores, {about['ram_gb']} GB RAM, Python {about['python']}, "
        f"PostgreSQL {about['postgresql'] or 'not reachable'} ({about['os']})",
        "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip(),
        "  ".join("-" * max(w, 5) for w in widths).rstrip(),
    ]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    return "\n".join(out)


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, metavar="NAME",
                        help=f"run only these ({', '.join(BENCHMARKS)})")
    parser.add_argument("--quick", action="store_true", help="tiny counts: a smoke test, not a measurement")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"where to write the figures ({DEFAULT_JSON})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the bot's own warnings (429s, retries) are counted, not printed

    url = os.environ.get("PANELBOT_BENCH_DATABASE_URL", DEFAULT_PG_URL)
    version, reason = await check_pg(url)
    ctx = Context(quick=args.quick, pg_url=url, pg_reason=reason)
    about = machine(version)
    if reason:
        print(f"Note: {reason}; PostgreSQL benchmarks are skipped.", flush=True)
    rows: list[Row] = []
    failed: list[str] = []
    began = time.perf_counter()
    for name in args.only or BENCHMARKS:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}: {module.TITLE}", flush=True)
        t0 = time.perf_counter()
        try:
            got = await module.run(ctx)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            got = [Row(name, "failed", None, "", notes="the benchmark raised; see the traceback above")]
        for row in got:
            print(f"   {row.name}: {_fmt(row.figure)} {row.unit}"
                  + (f" (floor {_fmt(row.floor)}, {row.ratio:.2f}×)" if row.ratio is not None else ""), flush=True)
        print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
        rows += got
    print()
    print(table(rows, about))
    quick = " Quick mode: the figures mean nothing." if args.quick else ""
    print(f"\nTotal {time.perf_counter() - began:.0f} s.{quick}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": about,
        "notes": ([ctx.pg_reason] if ctx.pg_reason else []) + ctx.notes,
        "failed": failed,
        "rows": [r.as_dict() for r in rows],
        **ctx.extra,
    }, indent=2) + "\n")
    print(f"Figures written to {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
