"""The Teams routes, registered on the Agents SDK's `AgentApplication` by `register(app, panel, outbound)`.

* A message (an @-mention in a channel or group chat, anything in a 1:1 chat) is a text command: `new`
  answers with the intake form, `setup` makes this conversation the panel's (or the BM's, or an agency's),
  everything else is the shared commands of `bot.commands`, run as the sender (`meeting schedule REF` answers
  with the meeting form).
* `Action.Execute` presses arrive as `adaptiveCard/action` invokes, routed by verb: a vote or a recusal
  on the referral card (answered with the refreshed card for the voter; the channel's copy is updated for
  everyone through the outbox), a button that runs a shared command, and a form's submission.

Every turn first stores where it happened, for proactive messages later. People are matched by their Entra
object id (`aadObjectId`); someone not on the panel acts as a guest, whom the core refuses whatever they
try except what needs no role (an agency contact's "Mark as returned"). Nothing here decides anything.
"""

from __future__ import annotations

import logging
import shlex
from typing import TYPE_CHECKING, Any

from aiohttp import ClientResponseError
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    InvokeResponse,
)
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState
from microsoft_agents.hosting.core.app import RouteRank
from microsoft_agents.hosting.core.app.adaptive_card import factory

from bot.commands import COMMANDS, Reply, clean_text, forms, run, wording
from bot.service import Actor
from bot.teams import cards as c
from bot.teams.files import INVOKE as FILE_CONSENT
from bot.teams.files import FileOffers
from bot.teams.proactive import conversation_key, pressed_on
from flows import intake
from flows.errors import PanelError

if TYPE_CHECKING:
    from bot.service import Panel
    from bot.teams.proactive import Outbound

log = logging.getLogger(__name__)

READS = ("status", "overdue", "show", "members", "requests")
SOMETHING_WRONG = (
    "Something went wrong inside Panelbot, so that may not have worked. Please try again; if it keeps "
    "happening, tell the business manager."
)


def not_member_line(object_id: str | None) -> str:
    return wording.not_member(wording.TEAMS, object_id)


def text_of(activity: Activity) -> str:
    """The command a person typed: the bot's own mention is removed by the SDK; HTML spaces are spaces."""
    text = (activity.text or "").replace("&nbsp;", " ").replace("\u00a0", " ")
    # Control characters and lone surrogates out first: a surrogate echoed in a card cannot be sent as UTF-8.
    return " ".join(clean_text(text).split())


def _text(value: object) -> str:
    """A value from a card's `data` or inputs, as text: Teams sends strings; anything else (a forged or broken
    invoke) counts as empty, and control characters and lone surrogates are dropped (bot.commands)."""
    return clean_text(value).strip() if isinstance(value, str) else ""


def cards_activity(cards: list[dict[str, Any]], summary: str = "") -> Activity:
    """A message of Adaptive Cards. Its summary is what a notification or a client that cannot show cards
    shows: the one given, else the first text on the cards (a reply that is only a card, such as `show`).
    The SDK's `Activity` refuses a summary that is None or empty, so a message with no text at all has none."""
    if not summary.strip():
        first = next((t for card in cards for t in walk_texts(card) if t.strip()), "")
        summary = c.cut(" ".join(c.plain(first).split()), 200)
    extra = {"summary": summary} if summary.strip() else {}
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=c.CONTENT_TYPE, content=card) for card in cards],
        **extra,
    )


def walk_texts(node: object) -> list[str]:
    """The text blocks of a card, in order."""
    if isinstance(node, list):
        return [t for item in node for t in walk_texts(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "TextBlock" and isinstance(node.get("text"), str) else []
    return own + [t for key in ("body", "items", "columns") if key in node for t in walk_texts(node[key])]


class Handlers:
    """The routes' work. They need only the panel and where proactive messages are remembered, not the bot
    that owns them (`bot.teams.app` builds the bot and registers these; nothing here imports it)."""

    def __init__(self, panel: Panel, outbound: Outbound) -> None:
        self.panel = panel
        self.outbound = outbound
        self.files = FileOffers(panel, outbound)

    # People ---------------------------------------------------------------------------------------------
    @staticmethod
    def object_id(context: TurnContext) -> str | None:
        person = context.activity.from_property
        return person.aad_object_id if person is not None and person.aad_object_id else None

    async def member(self, context: TurnContext) -> Actor | None:
        object_id = self.object_id(context)
        return await self.panel.actor_for("teams", object_id) if object_id else None

    async def actor(self, context: TurnContext) -> Actor:
        """The panel member pressing or typing, or a guest the core treats as not on the panel."""
        found = await self.member(context)
        if found is not None:
            return found
        person = context.activity.from_property
        who = self.object_id(context) or (person.id if person is not None else "unknown")
        return Actor.guest("teams", who, person.name if person is not None else None)

    # Answers ---------------------------------------------------------------------------------------------
    async def say(self, context: TurnContext, lines: list[str], ok: bool = True) -> None:
        await context.send_activity(cards_activity([c.lines_card(lines, ok)], c.plain(lines[0]) if lines else ""))

    async def answer(self, context: TurnContext, reply: Reply, command: str = "") -> None:
        """A reply's steps in Teams' idiom: a form (the intake form, the meeting form) or a reason as a card, the
        rest as cards and images, and any other file (a meeting's `.ics`) offered in a 1:1 chat
        (`bot.teams.files`)."""
        if reply.form is not None:
            await context.send_activity(cards_activity([c.form_card(reply.form)], reply.form.title))
            return
        if reply.ask is not None:
            ask = reply.ask
            await self.ask_reason(context, ask.command, list(ask.intro), ask.label, ask.button)
            return
        summary = c.plain(reply.lines[0]) if reply.lines else ""
        await context.send_activity(cards_activity(c.reply_cards(reply, self.panel.cal), summary))
        for image in c.image_attachments(getattr(reply, "files", ())):  # a report's charts, one per message
            try:
                await context.send_activity(Activity(type=ActivityTypes.message, attachments=[Attachment(**image)]))
            except ClientResponseError as exc:  # Teams limits a message's size
                log.info("Teams refused a chart (HTTP %s)", exc.status)
                await self.say(context, [f"The chart {image['name']} is too large to show in Teams."], ok=False)
        if note := await self.files.offer(context, reply, command, self.object_id(context)):
            await self.say(context, note)

    # Turns -----------------------------------------------------------------------------------------------
    async def on_message(self, context: TurnContext, state: TurnState) -> None:
        try:
            await self.outbound.remember(context)
            await self.command(context, text_of(context.activity))
        except Exception as exc:
            if self.panel.note_outage(exc):  # nothing committed: the request is answered 503 and comes again
                log.warning("Teams: a message waits for the database (%s)", type(exc).__name__)
                return
            log.exception("Teams message failed")
            await self.say(context, [SOMETHING_WRONG], ok=False)

    async def command(self, context: TurnContext, text: str) -> None:
        words = text.split()
        name = words[0].lower().lstrip("/") if words else "help"
        if name == "help":
            await self.say(context, wording.help_lines(self.panel.preset, wording.TEAMS))
            return
        actor = await self.actor(context)
        if actor.member_id is None and (name in READS or name in ("new", "setup") or name not in COMMANDS):
            await self.say(context, [not_member_line(self.object_id(context))], ok=False)
            return
        try:
            if name == "setup":
                await self.setup(context, actor, words[1] if len(words) > 1 else "panel")
            else:
                await self.answer(context, await run(self.panel, actor, text), text)
        except PanelError as exc:
            await self.say(context, [str(exc)], ok=False)

    async def setup(self, context: TurnContext, actor: Actor, purpose: str) -> None:
        key = conversation_key(context.activity)
        purpose, _, _ = await self.panel.set_channel(actor=actor, purpose=purpose, platform_id=f"teams:{key}")
        await self.say(context, [wording.set_up(self.panel.preset, purpose, wording.TEAMS)])

    async def ask_reason(self, context: TurnContext, command: str, intro: list[str], label: str, button: str) -> None:
        await context.send_activity(cards_activity([c.reason_prompt(command, intro, label, button)], c.plain(intro[0])))

    async def on_members_added(self, context: TurnContext, state: TurnState) -> None:
        """The bot was added to a team, a chat or a 1:1: remember it, and say how to start."""
        await self.outbound.remember(context)
        me = context.activity.recipient.id if context.activity.recipient else None
        if any(m.id == me for m in context.activity.members_added or []):
            await self.say(
                context,
                [
                    f"**Panelbot** · {self.panel.preset.name}. The business manager makes a channel the panel's "
                    "with **@Panelbot setup**. Type **@Panelbot help** for the commands.",
                ],
            )

    async def on_other(self, context: TurnContext, state: TurnState) -> None:
        """Installation updates and other conversation updates: only remembered."""
        await self.outbound.remember(context)

    # Buttons (Action.Execute) ------------------------------------------------------------------------------
    async def guarded(self, context: TurnContext, work: Any) -> AdaptiveCardInvokeResponse:
        try:
            await self.outbound.remember(context)
            return await work
        except Exception as exc:
            if self.panel.note_outage(exc):  # nothing committed: the request is answered 503 and comes again
                log.warning("Teams: an invoke waits for the database (%s)", type(exc).__name__)
                return factory.message(SOMETHING_WRONG)
            log.exception("Teams %s failed", (context.activity.value or {}).get("action", {}).get("verb"))
            return factory.message(SOMETHING_WRONG)

    async def on_vote(self, context: TurnContext, state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
        return await self.guarded(context, self._vote(context, data if isinstance(data, dict) else {}))

    async def _vote(self, context: TurnContext, data: dict) -> AdaptiveCardInvokeResponse:
        reference = _text(data.get("ref"))
        key = f"teams:{context.activity.id}" if context.activity.id else None  # a repeated invoke counts once
        try:
            receipt = await self.panel.vote(
                actor=await self.actor(context),
                reference=reference,
                outcome=_text(data.get("outcome")),
                reason=_text(data.get(c.REASON_INPUT)),
                delivery_key=key,
            )
            note, ok = receipt.message, True
        except PanelError as exc:
            note, ok = str(exc), False
        return await self.refreshed(reference, note, ok)

    async def on_recuse(self, context: TurnContext, state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
        return await self.guarded(context, self._recuse(context, data if isinstance(data, dict) else {}))

    async def _recuse(self, context: TurnContext, data: dict) -> AdaptiveCardInvokeResponse:
        reference = _text(data.get("ref"))
        try:
            receipt = await self.panel.recuse(
                actor=await self.actor(context), reference=reference, reason=_text(data.get(c.REASON_INPUT))
            )
            note, ok = receipt.message, True
        except PanelError as exc:
            note, ok = str(exc), False
        return await self.refreshed(reference, note, ok)

    async def refreshed(self, reference: str, note: str, ok: bool) -> AdaptiveCardInvokeResponse:
        """The referral card as it is now, with what the presser is told on top (their copy only)."""
        try:
            view = await self.panel.card(reference)
        except PanelError:
            return factory.message(note)
        return factory.adaptive_card(c.referral_card(view, self.panel.cal, note=note, ok=ok))  # type: ignore[arg-type]

    async def on_run(self, context: TurnContext, state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
        return await self.guarded(context, self._run(context, data if isinstance(data, dict) else {}))

    async def _run(self, context: TurnContext, data: dict) -> AdaptiveCardInvokeResponse:
        command = _text(data.get("command"))
        if not command:
            return factory.message(OUT_OF_DATE)
        reason = _text(data.get(c.REASON_INPUT))
        if data.get("needs_reason"):
            if not reason:
                return factory.message("Please write the reason in the box first, then press the button again.")
            # Quoted, so the reason reaches the command exactly as typed (apostrophes, quotes, line breaks).
            command = f"{command} {shlex.quote(reason)}"
        reply = await run(self.panel, await self.actor(context), command, origin=pressed_on(context.activity))
        if not reply.ok:
            return factory.message(" ".join(c.plain(line) for line in reply.lines))
        reply.lines += await self.files.offer(context, reply, command, self.object_id(context))
        return factory.adaptive_card(c.reply_cards(reply, self.panel.cal)[0])  # type: ignore[arg-type]

    async def on_file_consent(self, context: TurnContext, state: TurnState) -> None:
        await self.outbound.remember(context)
        await self.files.on_consent(context, state, await self.actor(context))

    async def on_form(self, context: TurnContext, state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
        return await self.guarded(context, self._form(context, data if isinstance(data, dict) else {}))

    async def _form(self, context: TurnContext, data: dict) -> AdaptiveCardInvokeResponse:
        """A command's form sent (the intake form, the meeting form). A refused form comes back as it was filled
        in, each error under its own field, the service's refusal of one answer (a day outside the meeting's
        window) too: nothing is lost. The answer comes once the shared `forms.submit` has committed."""
        preset = self.panel.preset
        form = forms.form_from(preset, data.get("form"))
        if form is None:
            return factory.message(forms.OUT_OF_DATE)
        values = {f.key: _text(data.get(f.key)) for f in form.fields}
        shown = intake.CONFIRM_KEY in data
        confirmed = _text(data.get(intake.CONFIRM_KEY)) == "true"
        check = form.check(preset, values, today=self.panel.cal.local(self.panel.now()).date(),
                           names_confirmed=confirmed)
        if check.errors:
            errors = dict(check.errors)
            if check.possible_names and shown:
                errors[intake.CONFIRM_KEY] = intake.confirm_names_hint()
            return factory.adaptive_card(c.form_card(form, values, errors, bool(check.possible_names)))  # type: ignore[arg-type]
        try:
            reply = await forms.submit(self.panel, await self.actor(context), form, check.answers,
                                       names_confirmed=confirmed, idiom=wording.TEAMS)
        except PanelError as exc:
            if (key := forms.refused_field(form, exc)) is not None:
                card = c.form_card(form, values, {key: exc.beside}, shown)
                return factory.adaptive_card(card)  # type: ignore[arg-type]
            return factory.message(str(exc))
        return factory.adaptive_card(c.lines_card(reply.lines))  # type: ignore[arg-type]


OUT_OF_DATE = "That button is out of date. Use **status** to see where things stand."


def _nonempty(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def readable(body: object) -> bool:
    """Whether a request body has what the SDK needs of every activity before it will run a turn: a type, the
    channel, where to answer (`serviceUrl`), the conversation, who sent it and to whom. Without one of them
    the SDK fails inside its pipeline (and answers 501 or 500); with this check the route answers 400 first."""
    if not isinstance(body, dict):
        return False
    conversation = body.get("conversation")
    return (
        _nonempty(body.get("type")) and _nonempty(body.get("channelId")) and _nonempty(body.get("serviceUrl"))
        and isinstance(conversation, dict) and _nonempty(conversation.get("id"))
        and all(isinstance(body.get(k), dict) and _nonempty(body[k].get("id")) for k in ("from", "recipient"))
    )


def is_invoke(context: TurnContext) -> bool:
    return context.activity.type == ActivityTypes.invoke


async def unrouted_invoke(context: TurnContext, state: TurnState) -> None:
    """An invoke no route took: an `Action.Execute` whose value is not shaped as Teams sends it, a verb that is
    not ours, or another kind of invoke. Without this the SDK answers 501, which Teams shows as an error; the
    person is told the button is out of date instead, and nothing is done."""
    log.info("Teams: an invoke no route handles (%s) was answered as out of date", context.activity.name)
    response = factory.message(OUT_OF_DATE)
    await context.send_activity(
        Activity(
            type=ActivityTypes.invoke_response,
            value=InvokeResponse(status=200, body=response.model_dump(mode="json", by_alias=True, exclude_none=True)),
        )
    )


def register(app: AgentApplication, panel: Panel, outbound: Outbound) -> Handlers:
    """Register every route on `app`."""
    h = Handlers(panel, outbound)
    app.add_route(is_invoke, unrouted_invoke, is_invoke=True, rank=RouteRank.LAST)
    app.add_route(lambda context: is_invoke(context) and context.activity.name == FILE_CONSENT, h.on_file_consent,
                  is_invoke=True)
    app.adaptive_card.action_execute(c.VOTE)(h.on_vote)
    app.adaptive_card.action_execute(c.RECUSE)(h.on_recuse)
    app.adaptive_card.action_execute(c.RUN)(h.on_run)
    app.adaptive_card.action_execute(c.NEW_REFERRAL)(h.on_form)
    app.adaptive_card.action_execute(c.FORM)(h.on_form)
    app.conversation_update("membersAdded")(h.on_members_added)
    app.activity([ActivityTypes.installation_update, ActivityTypes.conversation_update], rank=RouteRank.LAST)(
        h.on_other
    )
    app.message()(h.on_message)
    return h
