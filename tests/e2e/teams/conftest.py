"""Fixtures for the Teams end-to-end tests: a fake Bot Connector on 127.0.0.1 and the bot wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from teams_fake import FakeConnector, Harness


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def teams(make_panel: Callable, connector: FakeConnector) -> AsyncIterator[Callable]:
    """`await teams("dudley")` -> a running Harness on that preset (anonymous mode), stopped after the test."""
    started: list[Harness] = []

    async def factory(preset: str = "salford", config=None) -> Harness:  # type: ignore[no-untyped-def]
        harness = await Harness(await make_panel(preset), connector, config).start()
        started.append(harness)
        return harness

    yield factory
    for harness in started:
        await harness.close()
