"""Fixtures for the Telegram end-to-end tests: a fake Bot API on 127.0.0.1 and the bot wired to it
(telegram_harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from fake_bot_api import FakeBotAPI
from telegram_harness import Harness

from bot.service import Actor


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def telegram(make_panel: Callable, fake_api: FakeBotAPI) -> AsyncIterator[Callable]:
    """`await telegram("dudley", mode="webhook")` -> a started Harness."""
    started: list[Harness] = []

    async def factory(preset: str = "dudley", *, mode: str = "webhook", members: dict | None = None) -> Harness:
        panel = await make_panel(preset)
        for name, (role, user) in (members or {}).items():
            await panel.add_member(actor=Actor.operator(), name=name, role=role, ids=[f"telegram:{user['id']}"])
        harness = Harness(panel, fake_api, mode)
        await harness.start()
        started.append(harness)
        return harness

    yield factory
    for harness in started:
        await harness.stop()
