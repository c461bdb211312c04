"""The web server's /healthz, served on 127.0.0.1 with aiohttp's own test utilities (no pytest-aiohttp).

A load balancer or container runtime polls it: 200 with {"status": "ok"} while the database answers,
503 with {"status": "degraded"} when it does not, and the partnership id either way so an operator can
tell which bot answered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.server import make_app
from bot.service import Panel
from storage.db import make_engine
from storage.uow import make_sessionmaker


@asynccontextmanager
async def client_for(panel: Panel) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(panel), host="127.0.0.1")) as client:
        yield client


async def test_healthz_ok_names_the_partnership(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    async with client_for(panel) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert response.content_type == "application/json"
        body = await response.json()
    assert body == {
        "status": "ok",
        "database": "ok",
        "partnership": "salford",
        "outbox": {"waiting": 0, "stuck": 0, "oldest_minutes": None},
    }


async def test_healthz_names_whichever_partnership_is_served(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("dudley")
    async with client_for(panel) as client:
        body = await (await client.get("/healthz")).json()
    assert body["partnership"] == "dudley"


async def test_healthz_still_ok_after_the_pool_is_disposed(make_panel, engine: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    # Disposing the pool closes idle connections; the next request opens a new one and is healthy.
    panel = await make_panel("salford")
    async with client_for(panel) as client:
        assert (await client.get("/healthz")).status == 200
        await engine.dispose()
        response = await client.get("/healthz")
        assert response.status == 200
        assert (await response.json())["status"] == "ok"


async def _broken(panel: Panel, url: str) -> AsyncEngine:
    """Point the running panel at a database that cannot be reached."""
    broken = make_engine(url)
    panel.sessionmaker = make_sessionmaker(broken)
    return broken


async def test_healthz_degraded_when_the_database_cannot_be_opened(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    async with client_for(panel) as client:
        assert (await client.get("/healthz")).status == 200
        # A path that is a folder, not a file: SQLite cannot open it.
        (tmp_path / "a-folder").mkdir()
        broken = await _broken(panel, f"sqlite+aiosqlite:///{tmp_path / 'a-folder'}")
        try:
            response = await client.get("/healthz")
            assert response.status == 503
            body = await response.json()
        finally:
            await broken.dispose()
    assert body == {"status": "degraded", "database": "unavailable", "partnership": "salford"}


async def test_healthz_degraded_when_postgresql_refuses(make_panel) -> None:  # type: ignore[no-untyped-def]
    # Port 1 on the loopback refuses at once: no network beyond 127.0.0.1, no waiting.
    panel = await make_panel("salford")
    async with client_for(panel) as client:
        broken = await _broken(panel, "postgresql+psycopg://panelbot:secretpw@127.0.0.1:1/panel")
        try:
            response = await client.get("/healthz")
            assert response.status == 503
            raw = await response.text()
        finally:
            await broken.dispose()
    assert '"status": "degraded"' in raw
    assert "secretpw" not in raw and "127.0.0.1:1" not in raw  # nothing about the connection leaks out


async def test_unknown_path_is_404(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    async with client_for(panel) as client:
        assert (await client.get("/nothing-here")).status == 404


async def test_a_burst_of_platform_requests_shares_one_database_check(make_panel) -> None:  # type: ignore[no-untyped-def]
    """The gate in front of each platform route checks the database (on PostgreSQL, the pool's ping as it hands
    out a connection; on SQLite, `SELECT 1`). Forty requests arriving together share one check, one connection
    taken from the pool, instead of queueing forty for the pool behind the votes themselves (which timed out
    under a burst and turned busy moments into false 503s). The check is fresh for each burst."""
    import asyncio

    from sqlalchemy import event

    from bot.server import database_ok

    panel = await make_panel("salford")
    engine = panel.sessionmaker.kw["bind"]
    asked: list[object] = []

    def count(dbapi_conn, record, proxy) -> None:  # type: ignore[no-untyped-def]
        asked.append(dbapi_conn)

    event.listen(engine.sync_engine, "checkout", count)
    try:
        answers = await asyncio.gather(*(database_ok(panel, always=True) for _ in range(40)))
        assert answers == [True] * 40
        assert len(asked) == 1
        assert await database_ok(panel, always=True)  # the next request, after the burst, asks again
        assert len(asked) == 2
    finally:
        event.remove(engine.sync_engine, "checkout", count)
