"""Shared pieces of the benchmark suite: rows, timing, percentiles, RSS from /proc, the machine, databases.

Every figure is printed next to a floor measured in the same run on the same machine, never asserted: the
machines are shared and noisy, so a ratio to the floor says more than a number of milliseconds.
"""

from __future__ import annotations

import math
import os
import platform
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Row:
    """One figure: what was measured, against which floor, and whether its target was met."""

    benchmark: str
    name: str
    figure: float | None
    unit: str
    floor: float | None = None
    floor_name: str = ""
    target: str = ""
    met: bool | None = None  # None: no target for this row (informative)
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if self.figure is None or not self.floor:
            return None
        return self.figure / self.floor

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": None if self.ratio is None else round(self.ratio, 3)}


@dataclass
class Context:
    quick: bool = False
    pg_url: str = DEFAULT_PG_URL
    pg_reason: str | None = None  # why PostgreSQL benchmarks are skipped (None: reachable)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # written to the JSON as is (e.g. a query plan)

    @property
    def pg(self) -> bool:
        return self.pg_reason is None


class Clock:
    """A settable clock for the panel (`panel.now`)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Timer:
    """`with Timer() as t: ...; t.seconds`"""

    def __enter__(self) -> Timer:
        self.began = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.began


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by the nearest-rank method: a value that was actually measured."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of a process, in MB (VmRSS from /proc/PID/status)."""
    path = Path(f"/proc/{pid or os.getpid()}/status")
    for line in path.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS in {path}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


async def pg_version(url: str) -> str | None:
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SHOW server_version"))).scalar_one()).split()[0]
    finally:
        await engine.dispose()


def machine(pg: str | None) -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": _ram_gb(),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "postgresql": pg,
    }


async def check_pg(url: str) -> tuple[str | None, str | None]:
    """(version, None) when PostgreSQL answers, else (None, why not) in one line without the URL's password."""
    try:
        return await pg_version(url), None
    except Exception as exc:
        return None, f"PostgreSQL at {url.split('@')[-1]} is unreachable ({type(exc).__name__})"


@asynccontextmanager
async def pg_schema(url: str) -> AsyncIterator[Any]:
    """An engine on a fresh schema of its own, migrated; the schema is dropped afterwards."""
    from sqlalchemy import text

    from storage.db import make_engine, upgrade

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-c search_path={schema}"})
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def sqlite_file(folder: Path) -> AsyncIterator[Any]:
    """An engine on a fresh SQLite file (WAL, BEGIN IMMEDIATE, as the bot runs it), migrated."""
    from storage.db import make_engine, upgrade

    engine = make_engine(f"sqlite+aiosqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}")
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


def every_platform_env(folder: Path, port: int, slack_api_url: str, telegram_api_url: str) -> dict[str, str]:
    """The environment for `panelbot run` with every platform switched on (Slack by signing secret, Telegram
    in webhook mode, Teams anonymous), against the benchmarks' fakes, on a SQLite file in `folder`. Nothing from
    the caller's own platform settings leaks in."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "TELEGRAM_", "PANELBOT_", "TEAMS_", "CONNECTIONS__"))}
    return {
        **base,
        "PANELBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'panelbot.db'}",
        "PANELBOT_HTTP_PORT": str(port),
        "PANELBOT_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": "xoxb-bench-not-a-token",
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_API_URL": slack_api_url,
        "TELEGRAM_BOT_TOKEN": "123456:BENCH-not-a-token",
        "TELEGRAM_API_URL": telegram_api_url,
        "TELEGRAM_WEBHOOK_URL": "https://panelbot.invalid/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "bench-webhook-secret",
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "true",
    }


def panelbot_command() -> list[str]:
    """`panelbot run` from this interpreter's environment."""
    panelbot = str(Path(sys.executable).parent / "panelbot")
    return [panelbot, "run"] if Path(panelbot).exists() else [sys.executable, "-m", "bot.cli", "run"]
