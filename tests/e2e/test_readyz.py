"""`/readyz` (issue 22, point 3): whether a load balancer should send this replica requests. Ready when the
database answers and is at the latest migration and the scheduler runs; not ready from the moment a stop
begins, when every new request but `/healthz` is answered 503 while those in flight finish."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from bot.server import Lifecycle, make_app


async def client_for(panel, lifecycle: Lifecycle) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(TestServer(make_app(panel, lifecycle=lifecycle)))
    await client.start_server()
    return client


async def test_ready_then_not_ready_once_stopping(make_panel) -> None:
    lifecycle = Lifecycle()
    client = await client_for(await make_panel("salford"), lifecycle)
    try:
        response = await client.get("/readyz")
        assert response.status == 200 and await response.json() == {"status": "ready"}

        lifecycle.scheduler_running = lambda: False
        response = await client.get("/readyz")
        assert response.status == 503 and (await response.json())["problems"] == ["scheduler not running"]
        lifecycle.scheduler_running = lambda: True

        lifecycle.stopping = True
        response = await client.get("/readyz")
        assert response.status == 503 and (await response.json())["problems"] == ["stopping"]
        assert (await client.get("/calendar/anything.ics")).status == 503  # every new request, with Retry-After
        assert (await client.get("/healthz")).status == 200  # still alive while it finishes
    finally:
        await client.close()


async def test_not_ready_on_a_database_behind_the_latest_migration(make_panel, engine) -> None:
    panel = await make_panel("salford")
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    client = await client_for(panel, Lifecycle())
    try:
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["problems"] == ["database not at the latest migration (run panelbot db upgrade)"]
    finally:
        await client.close()


async def test_requests_in_flight_are_counted_and_drained() -> None:
    lifecycle = Lifecycle()
    assert await lifecycle.drained(0)
    lifecycle.enter()
    assert not await lifecycle.drained(0)
    lifecycle.leave()
    assert await lifecycle.drained(0)
