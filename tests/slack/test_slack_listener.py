"""The Slack listener wrapper (`Handlers.listener`): bolt runs with `process_before_response`, so Slack's HTTP
answer goes when the wrapper returns. It must return at the handler's ack, not when the work after it ends,
and the work must carry on, tracked, to the end. Nothing sleeps: the handler waits on an event."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bot.slack.handlers import Handlers


class Panelless:
    """Only what the wrapper asks of the panel."""

    @contextlib.asynccontextmanager
    async def replying(self) -> AsyncIterator[None]:
        yield


class Ack:
    def __init__(self) -> None:
        self.response: Any = None

    async def __call__(self, **kwargs: Any) -> None:
        self.response = kwargs or "ok"


async def test_slack_is_answered_at_the_ack_while_the_work_carries_on() -> None:
    handlers = Handlers(Panelless())  # type: ignore[arg-type]
    release = asyncio.Event()
    done: list[str] = []

    async def handler(ack: Any, body: dict, client: Any) -> None:
        await ack()
        await release.wait()  # the work after the ack: a vote, a message to the voter
        done.append("work")

    ack = Ack()
    answering = asyncio.ensure_future(handlers.listener(handler)(ack, {"type": "block_actions"}, None))
    for _ in range(5):  # a few turns of the event loop, no time passing
        await asyncio.sleep(0)
    assert answering.done() and ack.response == "ok"  # Slack has its answer
    assert done == [] and len(handlers.tasks) == 1  # the work is still going, and tracked
    release.set()
    await asyncio.gather(*handlers.tasks)
    assert done == ["work"] and not handlers.tasks


async def test_a_form_refused_on_the_spot_is_answered_with_its_errors() -> None:
    handlers = Handlers(Panelless())  # type: ignore[arg-type]

    async def handler(ack: Any, body: dict, client: Any) -> None:
        await ack(response_action="errors", errors={"reason": "Please give a reason."})

    ack = Ack()
    await asyncio.wait_for(handlers.listener(handler)(ack, {"type": "view_submission"}, None), timeout=5)
    assert ack.response == {"response_action": "errors", "errors": {"reason": "Please give a reason."}}
