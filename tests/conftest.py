"""Shared fixtures.

Storage and service tests run on SQLite always, and on PostgreSQL too when PANELBOT_TEST_DATABASE_URL
points at one (`.ci/run` sets it). Each test gets a database as freshly migrated:
a copy of a SQLite file migrated once, or a PostgreSQL schema migrated once and emptied after every test (`_Fresh`),
so tests never see each other's rows.

Time is injected: `clock` is a mutable clock the tests move forward; nothing sleeps.

The tiers (docs/testing.md): tests/unit needs no database, no network and no subprocess (a unit test that
asks for a database fixture is refused at collection); tests/integration runs storage and the service on
real SQLite and PostgreSQL; tests/e2e runs the real platform SDKs against fake servers on 127.0.0.1, bot
processes and `panelbot` processes. Every tier folder, and each platform folder of tests/e2e, is on the
import path, so a test imports a shared harness (`from test_console import terminal`, `import slack_fake`)
whichever folder pytest was started on.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine, upgrade

PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")

# A pytest-xdist worker starts with COLUMNS=80 and LINES=24 set (GNU readline, which the worker loads, sets
# them); a run in one process has neither. A rich Console made at import time keeps the width it found then,
# whatever COLUMNS a test sets later, so output would wrap at 80 columns in one kind of run and not the other.
if "PYTEST_XDIST_WORKER" in os.environ:
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)

TESTS = Path(__file__).resolve().parent
for _folder in ("unit", "integration", "e2e", "e2e/slack", "e2e/telegram", "e2e/teams", "e2e/mail"):
    if str(TESTS / _folder) not in sys.path:
        sys.path.append(str(TESTS / _folder))

# What a unit test may not ask for: each of these opens a database.
DATABASE_FIXTURES = {"engine", "twin_engine", "make_panel"}

# For each test engine, how to open a second, independent engine on the same database (a second bot
# process sharing it).
TWINS: dict[AsyncEngine, Callable[[], AsyncEngine]] = {}


class Clock:
    """A clock tests move by hand. Starts on Mon 23 Nov 2026, 10:12 UK time (GMT)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 10, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now = self.now + timedelta(**kwargs)
        return self.now

    def set(self, when: datetime) -> datetime:
        self.now = when
        return self.now


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """tests/unit runs without a database: a test there that asks for one is a collection error."""
    unit = TESTS / "unit"
    wrong = [item.nodeid for item in items
             if item.path.is_relative_to(unit) and DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))]
    if wrong:
        raise pytest.UsageError("tests/unit uses no database; move these to tests/integration: " + ", ".join(wrong))


def _utf8(value: object) -> object:
    """Text that UTF-8 can carry: a lone surrogate becomes the six characters `\\ud800`."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(value, str) else value


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    """A pytest-xdist worker sends each report to the main process as UTF-8. The fuzz tests feed lone
    surrogates to the bot, which may echo one into a captured log line or a failure message; escaped here,
    or the worker stops with "strings must be utf-8 encodable" and its remaining tests never run."""
    report = yield
    if "PYTEST_XDIST_WORKER" in os.environ:
        report.sections = [(_utf8(title), _utf8(body)) for title, body in report.sections]
        report.user_properties = [(name, _utf8(value)) for name, value in report.user_properties]
        if report.longrepr is not None and _utf8(str(report.longrepr)) != str(report.longrepr):
            report.longrepr = _utf8(str(report.longrepr))
    return report


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def panelbot_files(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Files Panelbot writes without an `--out` (report charts, exports) go to a test's own folder, never the
    user's data folder or the repository."""
    folder = tmp_path_factory.mktemp("panelbot-files", numbered=True)
    monkeypatch.setenv("PANELBOT_FILES_DIR", str(folder))
    return folder


def _backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(pytest.param(
        "postgresql", id="postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set to a PostgreSQL URL"),
    ))
    return params


class _Fresh:
    """Fresh migrated databases, quickly. Running every migration for every test cost most of the suite's time
    (0.2 s a SQLite test, 0.85 s a PostgreSQL one: create, migrate, drop), so each test process migrates once:

    - SQLite: one file migrated by the real migrations, copied for each test.
    - PostgreSQL: one schema of its own, migrated by the real migrations, emptied after each test (every row
      deleted, every sequence restarted, the revision put back) so the next test finds it as migrated. A schema
      that cannot be emptied (a test left a transaction open) is left aside and dropped at the end of the run,
      and the next test gets a new one.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sqlite_template: Path | None = None
        self.schema: str | None = None
        self.sequences: list[str] = []
        self.set_aside: list[str] = []

    async def sqlite(self, target: Path) -> str:
        import shutil

        if self.sqlite_template is None:
            template = self.folder / "template.db"
            eng = make_engine(f"sqlite+aiosqlite:///{template}")
            await upgrade(eng)
            await eng.dispose()
            self.sqlite_template = template
        shutil.copyfile(self.sqlite_template, target)
        return f"sqlite+aiosqlite:///{target}"

    async def postgresql(self, admin: AsyncEngine) -> str:
        if self.schema is None:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            async with admin.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            eng = make_engine(PG_URL, connect_args={"options": f"-c search_path={schema}"})
            try:
                await upgrade(eng)
            finally:
                await eng.dispose()
            async with admin.connect() as conn:
                self.sequences = list((await conn.execute(
                    text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"), {"s": schema})).scalars())
            self.schema = schema
        return self.schema

    async def empty(self, admin: AsyncEngine) -> None:
        """Back to freshly migrated: or, failing that, set aside for the end of the run."""
        from storage.db import head_revision
        from storage.models import Base

        schema = self.schema
        if schema is None:
            return
        statements = ["SET LOCAL lock_timeout = '5s'", f'SET LOCAL search_path TO "{schema}"']
        statements += [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
        statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in self.sequences]
        statements += ["DELETE FROM alembic_version", f"INSERT INTO alembic_version VALUES ('{head_revision()}')"]
        try:
            async with admin.begin() as conn:
                await conn.exec_driver_sql("; ".join(statements))
                left = (await conn.execute(text(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = :s"), {"s": schema})).scalar_one()
            if left != len(Base.metadata.sorted_tables) + 1:  # a test made or dropped a table: start again
                raise RuntimeError(f"schema {schema} has {left} tables")
        except Exception:  # noqa: BLE001 - whatever went wrong, the next test gets a new schema
            self.set_aside.append(schema)
            self.schema = None

    async def drop_set_aside(self) -> None:
        if not PG_URL:
            return
        admin = make_engine(PG_URL)
        try:
            for schema in [*self.set_aside, *([self.schema] if self.schema else [])]:
                try:
                    async with admin.begin() as conn:
                        await conn.execute(text("SET LOCAL lock_timeout = '10s'"))
                        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                except Exception:  # noqa: BLE001 - a schema left behind costs disk, not correctness
                    pass
        finally:
            await admin.dispose()


@pytest.fixture(scope="session")
def _fresh(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import asyncio

    fresh = _Fresh(tmp_path_factory.mktemp("fresh-databases"))
    yield fresh
    asyncio.run(fresh.drop_set_aside())


@pytest.fixture(params=_backends())
async def engine(request: pytest.FixtureRequest, tmp_path, _fresh: _Fresh) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = await _fresh.sqlite(tmp_path / "panel.db")
        eng = make_engine(url)
        TWINS[eng] = lambda: make_engine(url)
        yield eng
        TWINS.pop(eng, None)
        await eng.dispose()
        return
    admin = make_engine(PG_URL)
    schema = await _fresh.postgresql(admin)
    eng = make_engine(PG_URL, connect_args={"options": f"-c search_path={schema}"})
    TWINS[eng] = lambda: make_engine(PG_URL, connect_args={"options": f"-c search_path={schema}"})
    try:
        yield eng
    finally:
        TWINS.pop(eng, None)
        await eng.dispose()
        await _fresh.empty(admin)
        await admin.dispose()


@pytest.fixture
def twin_engine(engine: AsyncEngine) -> Callable[[], AsyncEngine]:
    """Opens a second, independent engine on the test database: another bot process sharing it."""
    return TWINS[engine]


@pytest.fixture
def make_panel(engine: AsyncEngine, clock: Clock) -> Callable:
    """`await make_panel("salford")` -> a Panel on the test database with the test clock. A preset is named,
    given by path, or given itself (`make_panel(dudley_panel_votes())`, tests/stage_presets.py)."""
    from bot.service.bootstrap import open_panel
    from flows.preset import Preset, load_preset

    async def factory(preset: str | Preset = "salford"):  # type: ignore[no-untyped-def]
        return await open_panel(engine, preset if isinstance(preset, Preset) else load_preset(preset), clock=clock)

    return factory
