"""How every Slack listener runs: in its own tracked task, acknowledged only once its work has committed
(Slack allows 3 seconds), with a commit that cannot make it answered truthfully, and any failure answered in
one sentence, never a traceback. `Listening` is the base of the listeners in `bot.slack.handlers`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.notify import replying_first
from bot.service import Actor, NotInTime, Panel, Window
from bot.slack.payload import Malformed, Where, _str, first_block

log = logging.getLogger("bot.slack.handlers")

Handler = Callable[[Any, dict, AsyncWebClient], Awaitable[None]]

OUT_OF_DATE = "That button is out of date. Use `/panel status` to see where things stand."
MALFORMED = "Slack sent that request incompletely, so nothing was changed. Please try again."
SOMETHING_WRONG = (
    "Something went wrong inside Panelbot, so that was not recorded. Please try again; if it keeps happening, "
    "tell the business manager."
)
WRONG_AFTER = (
    "Something went wrong inside Panelbot while answering you. Use `/panel status` to see whether that was "
    "recorded; if it keeps happening, tell the business manager."
)
ACK_WAIT = 2.3  # seconds a request's work has to commit before Slack is answered without it (Slack allows 3)
COMMIT_WAIT = 0.5  # seconds more for a commit already under way at ACK_WAIT
NOT_IN_TIME = "Panelbot could not record that in time, so nothing was changed. Please try again."


class _Ack:
    """bolt's `ack` for one request, which says when Slack has been answered (see `Handlers.listener`). Slack
    is answered once: by the handler after its work has committed, or by the listener when the window closes
    first; a later call does nothing."""

    def __init__(self, ack: Any) -> None:
        self._ack = ack
        self.done = asyncio.Event()
        self.called = False
        self.window = Window()  # the request's answer window: `expired` once the listener has answered for it

    @property
    def response(self) -> Any:
        return self._ack.response

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.called:
            return None
        self.called = True
        try:
            return await self._ack(*args, **kwargs)
        finally:
            self.done.set()


class Listening:
    def __init__(self, panel: Panel, tasks: set[asyncio.Task] | None = None) -> None:
        self.panel = panel
        self.tasks = tasks if tasks is not None else set()
        self.ack_wait, self.commit_wait = ACK_WAIT, COMMIT_WAIT  # the tests shorten them instead of waiting

    # Plumbing ---------------------------------------------------------------------------------------------
    def listener(self, handler: Handler) -> Callable[..., Awaitable[None]]:
        """Wrap a handler: it runs in its own task, tracked (so shutdown and tests can wait for the work after
        the ack), and an unexpected failure is logged and answered with one sentence, never a traceback.

        A handler acknowledges only once its work has committed (or when it changes nothing), so a "200" to
        Slack means recorded: a crash before the commit leaves Slack without an answer, and the person sees
        Slack's own "try again". The app runs with bolt's `process_before_response`, so Slack is answered as
        soon as this wrapper returns, which is the moment the handler acknowledges. What comes after the ack
        is only telling the person (through the interaction's `response_url`) and the outbox.

        If the work has not committed after `ACK_WAIT`, the request's window expires: nothing of it will
        commit now, and Slack is answered so the person hears why: a form stays open with "not recorded,
        please try again" beside its first field (pressing Submit again sends the same form), and a command
        or a button is acknowledged and then told the same through its `response_url`. A commit already
        under way is given `COMMIT_WAIT` more; if it is still not done, Slack is acknowledged and the person
        is told the outcome by follow-up once it is known. An event needs no answer but 200 (bolt
        acknowledges it), so it is not waited for."""

        async def run_listener(ack: Any, body: dict, client: AsyncWebClient) -> None:
            signal = _Ack(ack)
            task = asyncio.get_running_loop().create_task(self._run(handler, signal, body, client))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            if "event" in body:
                return
            acked = asyncio.ensure_future(signal.done.wait())
            try:
                await asyncio.wait({acked, task}, timeout=self.ack_wait, return_when=asyncio.FIRST_COMPLETED)
                if signal.called or task.done():
                    return
                if signal.window.committing:
                    await asyncio.wait({acked, task}, timeout=self.commit_wait, return_when=asyncio.FIRST_COMPLETED)
                    if signal.called or task.done():
                        return
                    log.warning("Slack: a commit took longer than Slack's window; the person is told by follow-up")
                    await signal()
                    return
                signal.window.expired = True  # from here, nothing this request does is committed
                log.warning("Slack: a %s was not recorded in time; the person is asked to try again",
                            _str(body.get("type")) or "command")
                if body.get("type") == "view_submission":
                    await signal(response_action="errors", errors={first_block(body): NOT_IN_TIME})
                else:
                    await signal()
            finally:
                acked.cancel()

        return run_listener

    async def _run(self, handler: Handler, ack: _Ack, body: dict, client: AsyncWebClient) -> None:
        try:
            with self.panel.answering(ack.window):
                async with replying_first():  # the person is answered before the outbox is flushed
                    await handler(ack, body, client)
        except NotInTime:
            # The listener has answered Slack already: a form shows why beside its first field, anyone else
            # is told here.
            if body.get("type") != "view_submission":
                await self._tell(client, body, [NOT_IN_TIME])
        except Malformed as exc:
            log.info("Slack sent a malformed %s (%s)", _str(body.get("type")) or "request", exc)
            await ack()
            await self._tell(client, body, [MALFORMED])
        except Exception as exc:
            expired = isinstance(exc, SlackApiError) and exc.response.get("error") == "expired_trigger_id"
            if expired:
                log.warning("Slack: a form could not be opened in time (expired_trigger_id)")
            else:
                log.exception("Slack %s failed", body.get("type") or body.get("command") or "request")
            if expired:
                lines = ["Slack took too long to open the form, so nothing was changed. Please try again."]
            elif ack.called:  # after the work had been acknowledged, or while its commit was still under way
                lines = [WRONG_AFTER]
            else:  # nothing was committed: a handler acknowledges only after its commit
                lines = [SOMETHING_WRONG]
            if not ack.called and body.get("type") == "view_submission":
                await ack(response_action="errors", errors={first_block(body): lines[0]})  # the form stays open
                return
            await ack()
            await self._tell(client, body, lines)
        finally:
            if not ack.called:
                await ack()

    async def _tell(self, client: AsyncWebClient, body: dict, lines: list[str]) -> None:
        try:
            await self.where(client, body).say(lines)
        except Exception:
            log.warning("could not tell the person what happened")

    def where(self, client: AsyncWebClient, body: dict) -> Where:
        where = Where.of(client, body)
        where.cal = self.panel.cal
        return where

    async def actor(self, user: str) -> Actor | None:
        return await self.panel.actor_for("slack", user)

    @staticmethod
    def guest(user: str) -> Actor:
        """Someone not on the panel, such as an agency contact: the core lets them do only what needs no
        role (marking their agency's return as made) and refuses the rest in its own words."""
        return Actor.guest("slack", user)
