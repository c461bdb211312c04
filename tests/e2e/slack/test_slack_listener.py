"""The Slack listener wrapper (`Handlers.listener`): bolt runs with `process_before_response`, so Slack's HTTP
answer goes when the wrapper returns. It must return at the handler's ack (which comes after the work has
committed), not when the work after it ends, and the work must carry on, tracked, to the end. When the work
cannot commit inside Slack's window, the person is told it was not recorded, and it is not. Nothing sleeps:
the handler waits on an event, and the window is shortened to nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.service import NotInTime, Panel
from bot.slack.handlers import NOT_IN_TIME, SOMETHING_WRONG, Handlers


class Panelless:
    """Only what the wrapper asks of the panel."""

    answering = staticmethod(Panel.answering)

    @contextlib.asynccontextmanager
    async def replying(self) -> AsyncIterator[None]:
        yield


def told(handlers: Handlers) -> list[str]:
    """What the person is told by follow-up (the interaction's response_url), captured."""
    said: list[str] = []

    async def tell(client: Any, body: dict, lines: list[str]) -> None:
        said.extend(lines)

    handlers._tell = tell  # type: ignore[method-assign]
    return said


FORM = {"type": "view_submission", "view": {"blocks": [{"type": "input", "block_id": "reason"}]}}


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


async def test_work_that_cannot_commit_in_time_is_not_recorded_and_the_form_says_so() -> None:
    handlers = Handlers(Panelless())  # type: ignore[arg-type]
    handlers.ack_wait = 0  # Slack's window has passed at the first wait
    said = told(handlers)
    release = asyncio.Event()
    committed: list[str] = []

    async def handler(ack: Any, body: dict, client: Any) -> None:
        await release.wait()  # a slow database
        Panel.starting_commit()  # what every command does as it is about to commit
        committed.append("vote")
        await ack()

    ack = Ack()
    await asyncio.wait_for(handlers.listener(handler)(ack, FORM, None), timeout=5)
    # The form stays open with why, so pressing Submit again sends the same form (and the same view id).
    assert ack.response == {"response_action": "errors", "errors": {"reason": NOT_IN_TIME}}
    release.set()
    await asyncio.gather(*handlers.tasks)
    assert committed == [] and said == []  # never committed; the form has already said so


async def test_a_command_that_cannot_commit_in_time_is_told_by_follow_up() -> None:
    handlers = Handlers(Panelless())  # type: ignore[arg-type]
    handlers.ack_wait = 0
    said = told(handlers)
    release = asyncio.Event()

    async def handler(ack: Any, body: dict, client: Any) -> None:
        await release.wait()
        Panel.starting_commit()
        raise AssertionError("committed after the window closed")

    ack = Ack()
    await asyncio.wait_for(handlers.listener(handler)(ack, {"command": "/panel"}, None), timeout=5)
    assert ack.response == "ok"  # acknowledged, never with "recorded"
    release.set()
    await asyncio.gather(*handlers.tasks)
    assert said == [NOT_IN_TIME]


async def test_a_commit_under_way_when_the_window_closes_is_allowed_to_finish() -> None:
    handlers = Handlers(Panelless())  # type: ignore[arg-type]
    handlers.ack_wait = handlers.commit_wait = 0
    said = told(handlers)
    release = asyncio.Event()
    committed: list[str] = []

    async def handler(ack: Any, body: dict, client: Any) -> None:
        Panel.starting_commit()
        await release.wait()  # the COMMIT round trip is slow
        committed.append("vote")
        await ack()  # too late for Slack: nothing more happens
        said.append("Your vote is recorded.")  # the handler's own follow-up

    ack = Ack()
    await asyncio.wait_for(handlers.listener(handler)(ack, FORM, None), timeout=5)
    assert ack.response == "ok"  # the form closes without "not recorded", which might be untrue
    release.set()
    await asyncio.gather(*handlers.tasks)
    assert committed == ["vote"] and said == ["Your vote is recorded."]


async def test_a_failure_before_the_commit_keeps_the_form_open_with_why() -> None:
    handlers = Handlers(Panelless())  # type: ignore[arg-type]
    said = told(handlers)

    async def handler(ack: Any, body: dict, client: Any) -> None:
        raise RuntimeError("the database went away")

    ack = Ack()
    await asyncio.wait_for(handlers.listener(handler)(ack, FORM, None), timeout=5)
    await asyncio.gather(*handlers.tasks)
    assert ack.response == {"response_action": "errors", "errors": {"reason": SOMETHING_WRONG}}
    assert said == []


def test_a_command_refuses_to_commit_once_its_window_has_expired() -> None:
    from bot.service import Window

    with Panel.answering(Window(expired=True)):
        with pytest.raises(NotInTime):
            Panel.starting_commit()
    window = Window()
    with Panel.answering(window):
        Panel.starting_commit()
    assert window.committing
    Panel.starting_commit()  # outside any window: nothing to check
