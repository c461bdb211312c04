"""The benchmark suite still runs: `python -m benchmarks --quick` end to end in a subprocess, every benchmark
writing numeric figures to its JSON. This asserts that the suite works, never how fast anything is (the
figures of a quick run mean nothing). PostgreSQL rows run when PANELBOT_TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ("vote_path", "sweep", "catchup", "burst", "footprint", "report")


def test_the_quick_run_writes_a_numeric_figure_for_every_benchmark(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "PANELBOT_"))}
    # PostgreSQL only when the tests have it; otherwise an address that refuses at once (its rows are skipped).
    env["PANELBOT_BENCH_DATABASE_URL"] = os.environ.get(
        "PANELBOT_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none"
    )
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["quick"] is True and figures["failed"] == []
    assert figures["machine"]["cores"] and figures["machine"]["python"]
    names = {row["benchmark"] for row in figures["rows"]}
    assert names == set(BENCHMARKS)
    for row in figures["rows"]:
        assert isinstance(row["figure"], int | float), row
        assert row["unit"], row
    # The table is printed with the machine it ran on.
    assert "Machine:" in done.stdout and "vote_path" in done.stdout
    pg = "PANELBOT_TEST_DATABASE_URL" in os.environ
    assert any("PostgreSQL" in row["name"] for row in figures["rows"]) is pg
