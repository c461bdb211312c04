"""The Slack listeners, registered on a bolt `AsyncApp` by `register(app, panel)`.

Each listener does its work, acknowledges once that work has committed (Slack allows 3 seconds; see
`Handlers.listener` for a commit that cannot make it), then answers the person privately: through the
interaction's `response_url`, else an ephemeral message in the channel, else a direct message. A listener
that only opens a form changes nothing, so it acknowledges first and opens the form with the trigger id.

Everything ends in the shared `Panel` methods or the shared text commands (`bot.commands.run`), so Slack
decides nothing: who may do what, quorum, deadlines and every refusal's wording come from the core.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.commands import (
    COMMANDS,
    GUEST_COMMANDS,
    REFERRAL_FORM,
    Reply,
    clean_text,
    example_reference,
    for_partnership,
    run,
)
from bot.service import Actor, Caller, NotInTime, Panel, Window
from bot.slack import blocks as b
from bot.slack import modals as m
from bot.slack.files import Files, failed_line, upload, why
from bot.slack.home import home_view, not_member_line
from flows import intake
from flows.errors import PanelError
from flows.intake import check_form
from flows.preset import Preset
from flows.referrals import normalise_reference
from flows.returns import Origin

log = logging.getLogger(__name__)

Handler = Callable[[Any, dict, AsyncWebClient], Awaitable[None]]

SLACK_ONLY_HELP = [
    "`/panel new`: file a referral (opens a form)",
    "`/panel setup`: make this channel the panel channel; `/panel setup bm`: send the business manager's "
    "messages to this channel",
    "`/panel request REF` with no agency: choose the agencies in a form",
]


def help_lines(preset: Preset) -> list[str]:
    lines = [
        f"**Panelbot commands** (REF is a referral reference such as {example_reference(preset)}). Only the "
        "business manager can use the commands that change a referral.",
        *SLACK_ONLY_HELP,
    ]
    for c in COMMANDS.values():
        if c.name != "help":
            lines.append(f"`/panel {c.usage}`: {c.help}. For example `/panel {for_partnership(c.example, preset)}`")
    lines.append("`/panel decide REF OUTCOME` and `/panel return REF` ask for the reason in a form.")
    return lines


class Malformed(Exception):
    """Slack sent a request without something it always sends (a trigger id, the button pressed, the form):
    a forged or broken body. Nothing is done; the person, if they can be found, is told in one sentence."""


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


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def trigger(body: dict) -> str:
    value = _str(body.get("trigger_id"))
    if value is None:
        raise Malformed("no trigger_id")
    return value


def pressed(body: dict) -> tuple[str, str]:
    """The action id and value of the button pressed, as strings."""
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise Malformed("no actions")
    action = actions[0]
    return _str(action.get("action_id")) or "", clean_text(_str(action.get("value")) or "")


def first_block(body: dict) -> str:
    """The block id of a submitted form's first input, where an error about the whole form is shown."""
    view = _dict(body.get("view"))
    values = _dict(_dict(view.get("state")).get("values"))
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("block_id"), str):
            return block["block_id"]
    return next((k for k in values if isinstance(k, str)), m.REASON_BLOCK)


def pressed_on(body: dict) -> Origin:
    """Where a button was pressed: the channel and the `ts` of the message it is under."""
    container = _dict(body.get("container"))
    channel = _str(container.get("channel_id")) or _str(_dict(body.get("channel")).get("id"))
    return Origin("slack", channel, _str(container.get("message_ts")) or _str(_dict(body.get("message")).get("ts")))


def submitted(body: dict) -> dict:
    view = body.get("view")
    if not isinstance(view, dict):
        raise Malformed("no view")
    return view


@dataclass
class Where:
    """Where to answer one person privately."""

    client: AsyncWebClient
    user: str
    channel: str | None = None
    response_url: str | None = None
    cal: Any = None  # the panel's calendar, for a card shown in a reply

    @classmethod
    def of(cls, client: AsyncWebClient, body: dict) -> Where:
        user = _str(body.get("user_id")) or _str(_dict(body.get("user")).get("id")) or ""
        channel = _str(body.get("channel_id")) or _str(_dict(body.get("channel")).get("id"))
        channel = channel or _str(_dict(body.get("container")).get("channel_id"))
        view = body.get("view")
        if body.get("type") == "view_submission" and isinstance(view, dict):
            meta = m.Meta.load(view.get("private_metadata"))
            return cls(client, user, meta.channel, meta.response_url)
        return cls(client, user, channel, _str(body.get("response_url")))

    async def say(self, lines: list[str]) -> None:
        await self.send(*b.text_blocks(lines))

    async def reply(self, reply: Reply) -> None:
        await self.send(*b.reply_blocks(reply, self.cal))
        if reply.files:
            await self.upload(reply.files)

    async def upload(self, files: Files) -> None:
        """Post files (the report's charts) where the person ran the command, after the answer: in that channel,
        or in the direct message. A failure is told to them in one sentence; it never ends the listener."""
        try:
            channel = self.channel
            if not channel:
                channel = (await self.client.conversations_open(users=self.user))["channel"]["id"]
            await upload(self.client, channel, files)
        except Exception as exc:
            log.warning("Slack: %d file(s) could not be uploaded (%s)", len(files), why(exc))
            await self.say([failed_line(exc)])

    async def send(self, text: str, blocks: list[dict]) -> None:
        if self.response_url:
            try:
                sent = await AsyncWebhookClient(self.response_url).send(
                    text=text, blocks=blocks, response_type="ephemeral", replace_original=False
                )
                if sent.status_code == 200:
                    return
                log.info("response_url answered %s; answering another way", sent.status_code)
            except Exception as exc:
                log.info("response_url failed (%s); answering another way", type(exc).__name__)
        if self.channel:
            try:
                await self.client.chat_postEphemeral(channel=self.channel, user=self.user, text=text, blocks=blocks)
                return
            except SlackApiError as exc:
                log.info("chat.postEphemeral failed (%s); sending a direct message", exc.response.get("error"))
        opened = await self.client.conversations_open(users=self.user)
        await self.client.chat_postMessage(channel=opened["channel"]["id"], text=text, blocks=blocks)


class Handlers:
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
                async with self.panel.replying():  # the person is answered before the outbox is woken
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

    # /panel ------------------------------------------------------------------------------------------------
    async def slash(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        """A command is acknowledged once it has committed, then answered through its `response_url`; one that
        opens a form changes nothing, so it is acknowledged first and the form opened with the trigger."""
        where = self.where(client, body)
        text = (body.get("text") or "").strip()
        words = text.split()
        sub = words[0].lower().lstrip("/") if words else "help"
        if sub == "help":
            await ack()
            await where.say(help_lines(self.panel.preset))
            return
        actor = await self.actor(where.user)
        if actor is None and sub in GUEST_COMMANDS and sub != "help":
            actor = self.guest(where.user)  # a registered agency contact marking a return: the core decides
        if actor is None:
            await ack()
            await where.say([not_member_line(where.user)])
            return
        if sub == "setup":
            await self.setup(actor, words[1:], where, ack)
            return
        if sub == "request" and len(words) == 2 and self.panel.preset.agencies:
            await ack()  # nothing changes until the form is submitted
            await self.open_request(actor, words[1], trigger(body), where)
            return
        reply = await run(self.panel, actor, text)
        await ack()
        await self.show(reply, trigger(body), where)

    async def show(self, reply: Reply, trigger_id: str, where: Where) -> None:
        """A reply's steps in Slack's idiom: the intake form or a reason as a modal, the rest as messages."""
        if reply.form == REFERRAL_FORM:
            meta = m.Meta(channel=where.channel, response_url=where.response_url)
            await where.client.views_open(trigger_id=trigger_id, view=m.new_referral_view(self.panel.preset, meta))
        elif reply.ask is not None:
            await self.open_reason(trigger_id, where, command=reply.ask.command, title=reply.ask.button,
                                   intro=list(reply.ask.intro), label=reply.ask.label)
        else:
            await where.reply(reply)

    async def open_request(self, actor: Actor, reference: str, trigger_id: str, where: Where) -> None:
        """`/panel request REF` with no agency: a form to tick the preset's agencies. The core refuses anyone
        but the business manager, and a reference it does not know, before the form opens."""
        try:
            self.panel.require_bm(actor, "send information requests")
            card = await self.panel.card(reference)
        except PanelError as exc:
            await where.say([str(exc)])
            return
        meta = m.Meta(channel=where.channel, response_url=where.response_url, reference=card.reference)
        view = m.request_view(self.panel.preset, card.reference, card.subject, meta)
        await where.client.views_open(trigger_id=trigger_id, view=view)

    async def setup(self, actor: Actor, args: list[str], where: Where, ack: Any) -> None:
        purpose = args[0] if args else "panel"
        if not where.channel:
            await ack()
            await where.say(["Run `/panel setup` in the channel you want to use."])
            return
        try:
            purpose, _, _ = await self.panel.set_channel(
                actor=actor, purpose=purpose, platform_id=f"slack:{where.channel}"
            )
        except PanelError as exc:
            await ack()
            await where.say([str(exc)])
            return
        await ack()
        what = {"panel": "the panel's referral cards", "bm": "messages for the business manager"}.get(
            purpose, f"messages for {purpose.partition(':')[2].replace('_', ' ')}"
        )
        lines = [f"Done: Panelbot will post {what} in this channel."]
        if purpose == "panel":
            try:
                await where.client.chat_postMessage(
                    channel=where.channel,
                    text=b.plain(
                        f"This is now the {self.panel.preset.name} panel channel. Referral cards are "
                        "posted here; panel members vote with the buttons on each card."
                    ),
                )
            except SlackApiError as exc:
                log.info("setup: cannot post in the channel (%s)", exc.response.get("error"))
                lines.append("I cannot post here yet: invite me to this channel (`/invite @Panelbot`).")
        await where.say(lines)

    async def open_reason(
        self, trigger_id: str, where: Where, *, command: str, title: str, intro: list[str], label: str
    ) -> None:
        meta = m.Meta(channel=where.channel, response_url=where.response_url, command=command)
        view = m.reason_view(m.REASON, title=title, intro=intro, label=label, required=True, meta=meta)
        await where.client.views_open(trigger_id=trigger_id, view=view)

    # Buttons -----------------------------------------------------------------------------------------------
    async def vote_button(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        await ack()
        action_id, reference = pressed(body)
        outcome = action_id[len(b.VOTE) :]
        where = self.where(client, body)
        actor = await self.actor(where.user)
        if actor is None:
            await where.say([await self.refusal(reference, outcome, where.user)])
            return
        try:
            reference = normalise_reference(reference)
            chosen = self.panel.preset.outcome(outcome)
            label, required = chosen.label, chosen.reason_required
        except Exception:  # a button no card of ours carries: forged, or from a preset since changed
            await where.say([OUT_OF_DATE])
            return
        meta = m.Meta(channel=where.channel, response_url=where.response_url, reference=reference, outcome=outcome)
        view = m.reason_view(
            m.VOTE,
            title="Your vote",
            intro=[f"**{reference}**: you are voting **{label}**.", "Pressing a button again later changes your vote."],
            label="Your reason",
            required=required,
            hint="The procedure asks for a reason for this outcome." if required else "Optional.",
            meta=meta,
            submit="Vote",
        )
        await client.views_open(trigger_id=trigger(body), view=view)

    async def refusal(self, reference: str, outcome: str, user: str) -> str:
        """What the core says to someone not on the panel who tries to vote (it always refuses them)."""
        try:
            receipt = await self.panel.vote(actor=self.guest(user), reference=reference, outcome=outcome)
        except PanelError as exc:
            return str(exc)
        return receipt.message

    async def recuse_button(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        await ack()
        _, reference = pressed(body)
        where = self.where(client, body)
        if await self.actor(where.user) is None:
            await where.say([await self.refusal(reference, "-", where.user)])
            return
        try:
            reference = normalise_reference(reference)
        except PanelError:
            await where.say([OUT_OF_DATE])
            return
        meta = m.Meta(channel=where.channel, response_url=where.response_url, reference=reference)
        view = m.reason_view(
            m.RECUSE,
            title="Recuse",
            intro=[f"**{reference}**: you step aside for a conflict of interest and no longer count towards its vote."],
            label="Reason",
            required=False,
            meta=meta,
            submit="Recuse",
        )
        await client.views_open(trigger_id=trigger(body), view=view)

    async def run_button(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        where = self.where(client, body)
        try:
            data = json.loads(pressed(body)[1] or "{}")
            command, needs_reason, label = str(data["c"]), bool(data.get("r")), str(data.get("l") or "")
        except (ValueError, KeyError, TypeError, AttributeError):
            await ack()
            await where.say([OUT_OF_DATE])
            return
        # A button under a message (Mark as returned in an agency's channel) may be pressed by someone who is
        # not on the panel; the shared command decides what they may do.
        actor = await self.actor(where.user) or self.guest(where.user)
        if needs_reason:
            await ack()  # nothing changes until the form is submitted
            await self.open_reason(
                trigger(body),
                where,
                command=command,
                title="Give a reason",
                intro=[f"**{label}**", f"This runs `/panel {command} REASON`."],
                label="Reason",
            )
            return
        reply = await run(self.panel, actor, command, origin=pressed_on(body))
        await ack()
        await where.reply(reply)

    async def home_new_button(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        await ack()
        where = self.where(client, body)
        actor = await self.actor(where.user)
        if actor is None:
            await where.say([not_member_line(where.user)])
            return
        await self.show(await run(self.panel, actor, "new"), trigger(body), where)

    # Modals ------------------------------------------------------------------------------------------------
    async def new_submitted(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        preset, view = self.panel.preset, submitted(body)
        values, confirmed = m.form_values(preset, view), m.names_confirmed(view)
        check = check_form(preset, values, today=self.panel.cal.local(self.panel.now()).date(),
                           names_confirmed=bool(confirmed))
        if check.errors:
            if confirmed is None and set(check.errors) == set(check.possible_names):
                # Only a possible name is wrong: ask once, on the same form, whether it names anyone.
                notes = [check.errors[k] for k in check.possible_names]
                meta = m.Meta.load(view.get("private_metadata"))
                await ack(response_action="update", view=m.new_referral_view(preset, meta, values, notes))
                return
            errors = {k: b.cut(v, 2000) for k, v in check.errors.items()}
            if check.possible_names and confirmed is not None:
                errors[intake.CONFIRM_KEY] = intake.confirm_names_hint()
            await ack(response_action="errors", errors=errors)
            return
        draft = intake.draft_from(preset, check.answers, names_confirmed=bool(confirmed))
        where = self.where(client, body)
        actor = await self.actor(where.user) or self.guest(where.user)
        try:
            reference = await self.panel.file_referral(actor=actor, draft=draft)
        except PanelError as exc:
            await ack()
            await where.say([str(exc)])
            return
        await ack()
        channels = await self.panel.list_channels()
        if any(purpose == "panel" and platform == "slack" for purpose, platform, _ in channels):
            await where.say([f"Filed **{reference}** and posted it to the panel."])
        else:
            await where.say(
                [
                    f"Filed **{reference}**. No Slack channel is set for the panel yet: run `/panel setup` in the "
                    "panel's channel, and referral cards will be posted there."
                ]
            )

    async def reason_form(self, ack: Any, body: dict, client: AsyncWebClient) -> tuple[dict, str, m.Meta, Where] | None:
        """A submitted form with a reason box (vote, recuse, chair's reason): an unusable reason is shown on
        the form itself and nothing runs (None); otherwise its parts are returned, and the caller acknowledges
        the form once its work has committed."""
        view = submitted(body)
        reason = m.text_value(view, m.REASON_BLOCK)
        errors = m.reason_error(reason)
        if errors:
            await ack(response_action="errors", errors=errors)
            return None
        return view, reason, m.Meta.load(view.get("private_metadata")), self.where(client, body)

    async def vote_submitted(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        form = await self.reason_form(ack, body, client)
        if form is None:
            return
        view, reason, meta, where = form
        team = _str(_dict(body.get("team")).get("id")) or _str(body.get("team_id")) or "-"
        view_id = _str(view.get("id"))
        if view_id is None:
            raise Malformed("a vote form without its view id")
        try:
            receipt = await self.panel.vote(
                actor=Caller("slack", where.user),  # looked up in the vote's own transaction
                reference=meta.reference or "",
                outcome=meta.outcome or "",
                reason=reason,
                delivery_key=f"slack:{team}:{view_id}",  # one modal, one vote: Slack's repeats change nothing
            )
            message = receipt.message
        except PanelError as exc:
            message = str(exc)
        await ack()
        await where.say([message])

    async def recuse_submitted(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        form = await self.reason_form(ack, body, client)
        if form is None:
            return
        _, reason, meta, where = form
        actor = await self.actor(where.user) or self.guest(where.user)
        try:
            message = (await self.panel.recuse(actor=actor, reference=meta.reference or "", reason=reason)).message
        except PanelError as exc:
            message = str(exc)
        await ack()
        await where.say([message])

    async def reason_submitted(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        form = await self.reason_form(ack, body, client)
        if form is None:
            return
        _, reason, meta, where = form
        actor = await self.actor(where.user)
        if actor is None:
            await ack()
            await where.say([not_member_line(where.user)])
            return
        # Quoted, so the reason reaches the command exactly as typed (apostrophes, quotes, line breaks).
        reply = await run(self.panel, actor, f"{meta.command or ''} {shlex.quote(reason)}")
        await ack()
        await where.reply(reply)

    async def request_submitted(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        view = submitted(body)
        agencies = m.agencies_from_view(view)
        if not agencies:
            await ack(response_action="errors", errors=m.agencies_error())
            return
        meta = m.Meta.load(view.get("private_metadata"))
        where = self.where(client, body)
        actor = await self.actor(where.user) or self.guest(where.user)
        reference = meta.reference or ""
        try:
            lines = await self.panel.send_requests(actor=actor, reference=reference, agencies=agencies)
        except PanelError as exc:
            await ack()
            await where.say([str(exc)])
            return
        await ack()
        await where.reply(Reply([f"Information requests for {reference.upper()}:", *lines]))

    # Events ------------------------------------------------------------------------------------------------
    async def home_opened(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        event = _dict(body.get("event"))
        user = _str(event.get("user"))
        if event.get("tab", "home") != "home" or user is None:
            return
        view = await home_view(self.panel, await self.actor(user), user)
        await client.views_publish(user_id=user, view=view)


def well_shaped(body: Any) -> bool:
    """Whether a (signed) body has the shape bolt's own matchers rely on. bolt indexes into `actions`, `view`
    and `event` before any listener runs, so a body without them would be a 500 from inside bolt."""
    if not isinstance(body, dict):
        return False
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions")
        return (isinstance(actions, list) and bool(actions)
                and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
                and all(isinstance(a.get("block_id", ""), str) for a in actions))
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        return isinstance(view, dict) and isinstance(view.get("callback_id"), str)
    if "event" in body or kind == "event_callback":
        event = body.get("event")
        return isinstance(event, dict) and isinstance(event.get("type"), str)
    if "command" in body:
        return isinstance(body.get("command"), str)
    return True


class RefuseMisshapen(AsyncMiddleware):
    """A global middleware (it runs after bolt's signature check): a misshapen body is acknowledged with a quiet
    200, so Slack does not retry it, and goes no further. A class, not a function, because bolt builds a
    function middleware's arguments from the body (`body["actions"][0]`), which is what fails."""

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        if not well_shaped(req.body):
            log.info("Slack: a signed request of an unexpected shape was ignored")
            return BoltResponse(status=200, body="")
        return await next()


def register(app: AsyncApp, panel: Panel, tasks: set[asyncio.Task] | None = None) -> Handlers:
    """Register every listener on `app`. `tasks` collects the listeners' running tasks."""
    h = Handlers(panel, tasks)
    app.middleware(RefuseMisshapen())
    app.command("/panel")(h.listener(h.slash))
    app.action(re.compile("^" + re.escape(b.VOTE)))(h.listener(h.vote_button))
    app.action(b.RECUSE)(h.listener(h.recuse_button))
    app.action(re.compile("^" + re.escape(b.RUN)))(h.listener(h.run_button))
    app.action(b.HOME_NEW)(h.listener(h.home_new_button))
    app.view(m.NEW_REFERRAL)(h.listener(h.new_submitted))
    app.view(m.VOTE)(h.listener(h.vote_submitted))
    app.view(m.RECUSE)(h.listener(h.recuse_submitted))
    app.view(m.REASON)(h.listener(h.reason_submitted))
    app.view(m.REQUEST)(h.listener(h.request_submitted))
    app.event("app_home_opened")(h.listener(h.home_opened))
    return h
