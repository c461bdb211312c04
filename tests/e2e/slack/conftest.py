"""Fixtures for the Slack end-to-end tests: a fake Slack Web API on 127.0.0.1 and the bot wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from slack_fake import FakeSlack, Harness


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def slack(make_panel: Callable, fake_slack: FakeSlack) -> AsyncIterator[Callable]:
    """`await slack("dudley")` -> a running Harness on that preset, stopped after the test."""
    started: list[Harness] = []

    async def factory(preset: str = "salford") -> Harness:
        harness = await Harness(await make_panel(preset), fake_slack).start()
        started.append(harness)
        return harness

    yield factory
    for harness in started:
        await harness.close()
