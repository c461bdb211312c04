"""The Slack listeners, registered on a bolt `AsyncApp` by `register(app, panel)`.

Each listener does its work, acknowledges once that work has committed (Slack allows 3 seconds; see
`bot.slack.listener` for a commit that cannot make it), then answers the person privately: through the
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
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import GUEST_COMMANDS, Reply, forms, run, wording
from bot.service import Actor, Panel
from bot.slack import blocks as b
from bot.slack import modals as m
from bot.slack.home import home_view, not_member_line
from bot.slack.listener import (  # noqa: F401  (the listener's names, as tests and the docs know them)
    ACK_WAIT,
    COMMIT_WAIT,
    NOT_IN_TIME,
    OUT_OF_DATE,
    SOMETHING_WRONG,
    WRONG_AFTER,
    Handler,
    Listening,
)
from bot.slack.payload import (  # noqa: F401
    Malformed,
    RefuseMisshapen,
    Where,
    _dict,
    _str,
    first_block,
    pressed,
    pressed_on,
    submitted,
    trigger,
    well_shaped,
)
from flows import intake
from flows.errors import PanelError
from flows.referrals import normalise_reference
from flows.requests import REQUEST_FORM

log = logging.getLogger(__name__)


class Handlers(Listening):
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
            await where.say(wording.help_lines(self.panel.preset, wording.SLACK))
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
        reply = await run(self.panel, actor, text)
        await ack()
        await self.show(reply, trigger(body), where)

    async def show(self, reply: Reply, trigger_id: str, where: Where) -> None:
        """A reply's steps in Slack's idiom: a form (the intake form, the meeting form, the request form) or a reason
        as a modal, the rest as messages."""
        if reply.form is not None:
            meta = m.Meta.of_form(reply.form, where.channel, where.response_url)
            await where.client.views_open(trigger_id=trigger_id, view=m.form_view(reply.form, meta))
        elif reply.ask is not None:
            await self.open_reason(trigger_id, where, command=reply.ask.command, title=reply.ask.button,
                                   intro=list(reply.ask.intro), label=reply.ask.label)
        else:
            await where.reply(reply)

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
                    text=b.plain(wording.set_up(self.panel.preset, "panel", wording.SLACK)),
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
    async def form_submitted(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        """A command's form sent (the intake form, the meeting form, the request form): checked field by field, then
        the shared `forms.submit`. Each refusal of one answer (a day outside the meeting's window, a due date past,
        too) is shown beside its box, everything typed kept; the form closes, and the person is told, only once the
        work has committed."""
        view = submitted(body)
        await self.form_sent(ack, body, client, m.Meta.load(view.get("private_metadata")))

    async def old_request_submitted(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        """The agencies chosen on the request modal Slack showed before every platform had the request form (one
        open during an upgrade): the request form as it asked then, sent like any other form."""
        meta = m.Meta.load(submitted(body).get("private_metadata"))
        await self.form_sent(ack, body, client, replace(meta, form=REQUEST_FORM, subject=None, kept=None))

    async def form_sent(self, ack: Any, body: dict, client: AsyncWebClient, meta: m.Meta) -> None:
        preset, view = self.panel.preset, submitted(body)
        if (form := forms.form_from(preset, meta.form_data())) is None:
            await ack(response_action="errors", errors={first_block(body): forms.OUT_OF_DATE})
            return
        values, confirmed = m.form_values(form, view), m.names_confirmed(view)
        check = form.check(preset, values, today=self.panel.cal.local(self.panel.now()).date(),
                           names_confirmed=bool(confirmed))
        if check.errors:
            if confirmed is None and set(check.errors) == set(check.possible_names):
                # Only a possible name is wrong: ask once, on the same form, whether it names anyone.
                notes = [check.errors[k] for k in check.possible_names]
                await ack(response_action="update", view=m.form_view(form, meta, values, notes))
                return
            errors = {k: b.cut(v, 2000) for k, v in check.errors.items()}
            if check.possible_names and confirmed is not None:
                errors[intake.CONFIRM_KEY] = intake.confirm_names_hint()
            await ack(response_action="errors", errors=errors)
            return
        where = self.where(client, body)
        actor = await self.actor(where.user) or self.guest(where.user)
        try:
            reply = await forms.submit(self.panel, actor, form, check.answers, names_confirmed=bool(confirmed),
                                       idiom=wording.SLACK)
        except PanelError as exc:
            if (key := forms.refused_field(form, exc)) is not None:
                await ack(response_action="errors", errors={key: b.cut(exc.beside, 2000)})
                return
            await ack()
            await where.say([str(exc)])
            return
        await ack()
        await where.reply(reply)

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
                actor=Actor.of_account("slack", where.user),  # looked up in the vote's own transaction
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

    # Events ------------------------------------------------------------------------------------------------
    async def home_opened(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        event = _dict(body.get("event"))
        user = _str(event.get("user"))
        if event.get("tab", "home") != "home" or user is None:
            return
        view = await home_view(self.panel, await self.actor(user), user)
        await client.views_publish(user_id=user, view=view)


def register(app: AsyncApp, panel: Panel, tasks: set[asyncio.Task] | None = None) -> Handlers:
    """Register every listener on `app`. `tasks` collects the listeners' running tasks."""
    h = Handlers(panel, tasks)
    app.middleware(RefuseMisshapen())
    app.command("/panel")(h.listener(h.slash))
    app.action(re.compile("^" + re.escape(b.VOTE)))(h.listener(h.vote_button))
    app.action(b.RECUSE)(h.listener(h.recuse_button))
    app.action(re.compile("^" + re.escape(b.RUN)))(h.listener(h.run_button))
    app.action(b.HOME_NEW)(h.listener(h.home_new_button))
    app.view(m.NEW_REFERRAL)(h.listener(h.form_submitted))
    app.view(m.FORM)(h.listener(h.form_submitted))
    app.view(m.VOTE)(h.listener(h.vote_submitted))
    app.view(m.RECUSE)(h.listener(h.recuse_submitted))
    app.view(m.REASON)(h.listener(h.reason_submitted))
    app.view(m.REQUEST)(h.listener(h.old_request_submitted))
    app.event("app_home_opened")(h.listener(h.home_opened))
    return h
