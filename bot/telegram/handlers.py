"""What people do on Telegram: commands, button presses and replies, each turned into the shared text
commands (`bot.commands.run`) or the same `Panel` methods every platform uses. The panel's rules are never
here: a refusal is the service's own sentence, shown to the person.

`register(application, panel, store)` binds every handler in one place.
"""

from __future__ import annotations

import logging
import shlex

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    ForceReply,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import commands
from bot.commands import wording
from bot.service import Panel
from bot.telegram import callbacks, render
from bot.telegram.conversation import (
    ACTION_REASON,
    NEW_REFERRAL,
    VOTE_REASON,
    ConversationStore,
    State,
    prompt_key,
)
from bot.telegram.intake_chat import IntakeChat
from bot.telegram.sending import (  # noqa: F401
    COMMAND_NAME,
    MAX_PAUSE,
    NOT_IN_USE,
    REASON_MAX,
    RECUSE_REASON,
    Markup,
    is_group,
    split_command,
)
from flows.errors import InvalidInput, PanelError
from flows.referrals import normalise_reference

log = logging.getLogger(__name__)

def bot_commands() -> list[BotCommand]:
    """The command menu Telegram shows (`setMyCommands`): the shared commands and the Telegram ones."""

    def describe(text: str) -> str:
        text = text.replace("`", "").strip()
        return (text[:1].upper() + text[1:])[:256] or "Panelbot command"

    shared = sorted(commands.COMMANDS.values(), key=lambda c: c.name != "new")  # filing first, as people look for it
    out = [BotCommand(c.name, describe(c.help)) for c in shared if COMMAND_NAME.fullmatch(c.name)]
    for usage, what in wording.TELEGRAM.extras:  # Telegram's own: setup, cancel
        if COMMAND_NAME.fullmatch(usage) and usage not in {c.command for c in out}:
            out.append(BotCommand(usage, describe(what.format(place="group", prefix="/"))))
    return out[:100]


class Handlers(IntakeChat):
    # Commands ----------------------------------------------------------------------------------------
    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat, msg = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or msg is None:
            return
        p = self.panel.preset
        actor = await self.panel.actor_for("telegram", str(user.id))
        lines = [f"**Panelbot** · {p.name}"]
        if actor is not None:
            lines.append(f"You are {actor.name}, {p.role_label(actor.role)}. Send /help to see the commands.")
        else:
            lines.append(
                f"You are not on this partnership's panel. Your Telegram user id is `{user.id}`: give it to the "
                "business manager, who can add you with "
                f"`panelbot member add NAME --role ROLE --id telegram:{user.id}`."
            )
        if is_group(chat.type):
            lines.append(f"This group's id is `{chat.id}`. The business manager makes it the panel group with /setup.")
        await self.say(context.bot, chat.id, lines, reply_to=msg)

    async def on_setup(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat, msg = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or msg is None:
            return
        purpose = split_command(msg.text or "")[1] or "panel"
        try:
            purpose, _, external = await self.panel.set_channel(
                actor=await self.actor(user), purpose=purpose, platform_id=f"telegram:{chat.id}"
            )
        except PanelError as exc:
            await self.say(context.bot, chat.id, [str(exc)], reply_to=msg)
            return
        what = {
            "panel": "the panel group: referral cards are posted here",
            "bm": "the business manager's chat",
        }.get(purpose, f"the chat for {purpose.partition(':')[2].replace('_', ' ')}")
        await self.say(
            context.bot, chat.id, [f"This chat (`telegram:{external}`) is now {what}."], reply_to=msg
        )

    async def on_shared(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/status`, `/vote REF OUTCOME`, `/close REF`...: the shared text commands, as the sender."""
        user, chat, msg = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or msg is None or not msg.text:
            return
        name, rest = split_command(msg.text)
        # Someone not on the panel is a guest: the shared commands decide what a guest may do.
        reply = await commands.run(self.panel, await self.actor(user), f"{name} {rest}".strip(), idiom=wording.TELEGRAM)
        if reply.form is not None:  # a form (the intake form, the meeting form): one question at a time
            await self._start_intake(context.bot, msg, user, reply.form)
            return
        if reply.ask is not None:  # the words the command still needs, asked for in a reply
            await self.say(context.bot, chat.id, list(reply.ask.intro), reply_to=msg)
            await self._ask_reason(
                context.bot, chat.id, user, ACTION_REASON, {"command": reply.ask.command},
                f"please reply to this message with {reply.ask.label[0].lower()}{reply.ask.label[1:]}. "
                "Send /cancel to stop.",
            )
            return
        for page in render.pages(reply.lines) if reply.lines else []:  # the whole help is more than one message
            await self.say(context.bot, chat.id, page, reply_to=msg)
        if reply.card is not None:
            await self.say(
                context.bot,
                chat.id,
                [],
                html=render.card_html(reply.card, self.panel.cal),
                markup=render.card_keyboard(reply.card),
            )
        if reply.files:  # after the text: the report's charts
            about = reply.lines[0] if reply.lines else None
            await self.post_files(context.bot, chat.id, reply.files, about=about, reply_to=msg)

    async def on_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat, msg = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or msg is None:
            return
        await self._cancel(context.bot, chat.id, user, reply_to=msg)

    async def _cancel(self, bot: Bot, chat_id: int, user: User, *, reply_to: Message | None = None) -> None:
        state = await self.store.get(str(chat_id), str(user.id))
        filing = await self.store.delete(str(chat_id), str(user.id))
        prompts = await self.store.delete_prompts(str(chat_id), str(user.id))
        if state is not None:
            await self.unbutton(bot, chat_id, state.data.get("_q"))
        text = "Cancelled; nothing was saved." if filing or prompts else "There is nothing to cancel."
        await self.say(bot, chat_id, [text], reply_to=reply_to)

    # Replies the bot asked for -------------------------------------------------------------------------
    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat, msg = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or msg is None or msg.text is None:
            return
        if msg.reply_to_message is not None:
            waiting = await self.store.get(prompt_key(chat.id, msg.reply_to_message.message_id), str(user.id))
            if waiting is not None:
                await self._reason(context.bot, msg, user, waiting)
                return
        state = await self.store.get(str(chat.id), str(user.id))
        if state is not None and state.flow == NEW_REFERRAL:
            await self._intake_text(context.bot, msg, user, state)
            return
        if chat.type == ChatType.PRIVATE:
            await self.say(context.bot, chat.id, ["Send /help to see the commands."], reply_to=msg)

    async def _ask_reason(self, bot: Bot, chat_id: int, user: User, flow: str, data: dict, line: str) -> None:
        lead = [render.mention(user.id, user.first_name), render.Segment(", ")]
        sent = await self.say(
            bot, chat_id, [line], lead=lead, markup=ForceReply(selective=True, input_field_placeholder="Your reason")
        )
        await self.store.put(prompt_key(chat_id, sent.message_id), str(user.id), flow, "reason", data)

    async def _reason(self, bot: Bot, msg: Message, user: User, state: State) -> None:
        chat_id, text, d = msg.chat.id, commands.clean_text(msg.text or "").strip(), state.data
        actor = await self.actor(user)
        if len(text) > REASON_MAX:  # Telegram's own limit is 4,096; a forged update could carry more
            await self.store.delete(state.chat, state.user)
            await self._ask_reason(
                bot, chat_id, user, state.flow, d,
                f"that reason is longer than {REASON_MAX:,} characters. Reply to this message with a shorter one, "
                "or send /cancel.",
            )
            return
        if state.flow == ACTION_REASON:
            await self.store.delete(state.chat, state.user)
            reply = await commands.run(self.panel, actor, f"{d['command']} {shlex.quote(text)}")
            await self.say(bot, chat_id, reply.lines, reply_to=msg)
            return
        try:
            if state.flow == VOTE_REASON:
                receipt = await self.panel.vote(
                    actor=actor, reference=d["reference"], outcome=d["outcome"], reason=text, delivery_key=d["key"]
                )
            else:
                receipt = await self.panel.recuse(actor=actor, reference=d["reference"], reason=text)
        except InvalidInput as exc:  # e.g. the reason looks like it holds a date of birth: ask again
            await self.store.delete(state.chat, state.user)
            await self._ask_reason(
                bot, chat_id, user, state.flow, d, f"{exc} Reply to this message with your reason, or send /cancel."
            )
            return
        except PanelError as exc:
            await self.store.delete(state.chat, state.user)
            await self.say(bot, chat_id, [str(exc)], reply_to=msg)
            return
        await self.store.delete(state.chat, state.user)
        await self.say(bot, chat_id, [receipt.message], reply_to=msg)

    # Buttons -------------------------------------------------------------------------------------------
    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        # Callback data is whatever the client sent: NUL or a lone surrogate must not reach the database.
        pressed = callbacks.decode(commands.clean_text(query.data) if isinstance(query.data, str) else None)
        if pressed.kind == "intake":
            await self._intake_pressed(context.bot, query, pressed)
        elif pressed.kind == "vote":
            await self._vote_pressed(context.bot, query, pressed)
        elif pressed.kind == "recuse":
            await self._recuse_pressed(context.bot, query, pressed)
        elif pressed.kind in ("action", "stored"):
            await self._action_pressed(context.bot, query, pressed)
        else:
            await self.answer(query, [NOT_IN_USE], ok=False)

    def is_ours(self, reference: str, outcome: str | None = None) -> bool:
        """Whether a button's reference (and outcome) could have come from one of our cards: callback data is
        whatever the client sends, so a forged one is answered like an old button, before anything else."""
        try:
            normalise_reference(reference)
        except PanelError:
            return False
        return outcome is None or any(o.id == outcome for o in self.panel.preset.outcomes)

    async def _vote_pressed(self, bot: Bot, query: CallbackQuery, pressed: callbacks.Pressed) -> None:
        user = query.from_user
        outcome = callbacks.outcome_from_token(pressed.value, [o.id for o in self.panel.preset.outcomes])
        if not self.is_ours(pressed.reference, outcome):
            await self.answer(query, [NOT_IN_USE], ok=False)
            return
        key = f"telegram:{query.id}"  # Telegram resends a press with the same id: it counts once
        try:
            receipt = await self.panel.vote(
                actor=await self.actor(user), reference=pressed.reference, outcome=outcome, reason="", delivery_key=key
            )
        except InvalidInput as exc:
            if not pressed.needs_reason:
                await self.answer(query, [str(exc)], ok=False)
                return
            # The service accepted everything about this vote but the missing reason: ask for it.
            await self.answer(query, ["Please give your reason: reply to the bot's message."])
            label = self.panel.preset.outcome(outcome).label
            chat_id = query.message.chat.id if query.message else user.id
            await self._ask_reason(
                bot,
                chat_id,
                user,
                VOTE_REASON,
                {"reference": pressed.reference, "outcome": outcome, "key": key},
                f"the procedure asks for a reason for **{label}** on {pressed.reference}. Reply to this message "
                "with your reason; your vote is recorded when it arrives.",
            )
            return
        except PanelError as exc:
            await self.answer(query, [str(exc)], ok=False)
            return
        await self.answer(query, [receipt.message])

    async def _recuse_pressed(self, bot: Bot, query: CallbackQuery, pressed: callbacks.Pressed) -> None:
        user = query.from_user
        if not self.is_ours(pressed.reference):
            await self.answer(query, [NOT_IN_USE], ok=False)
            return
        actor = await self.actor(user)
        if actor.member_id is None:  # the service refuses someone not on the panel, in its own words
            try:
                receipt = await self.panel.recuse(actor=actor, reference=pressed.reference)
            except PanelError as exc:
                await self.answer(query, [str(exc)], ok=False)
                return
            await self.answer(query, [receipt.message])
            return
        await self.answer(query, ["Please give your reason: reply to the bot's message."])
        chat_id = query.message.chat.id if query.message else user.id
        await self._ask_reason(
            bot,
            chat_id,
            user,
            RECUSE_REASON,
            {"reference": pressed.reference},
            f"to recuse yourself from {pressed.reference}, reply to this message with the reason (for example a "
            "conflict of interest). Send /cancel to stay on the vote.",
        )

    async def _action_pressed(self, bot: Bot, query: CallbackQuery, pressed: callbacks.Pressed) -> None:
        user = query.from_user
        command = pressed.value if pressed.kind == "action" else await self.store.command_for(pressed.value)
        if not command:
            await self.answer(query, [NOT_IN_USE], ok=False)
            return
        chat_id = query.message.chat.id if query.message else user.id
        if pressed.needs_reason:
            label = command
            markup = getattr(query.message, "reply_markup", None)
            for row in markup.inline_keyboard if markup else ():
                for button in row:
                    if button.callback_data == query.data:
                        label = button.text.rstrip(render.ELLIPSIS)
            await self.answer(query, ["Please give your reason: reply to the bot's message."])
            await self._ask_reason(
                bot,
                chat_id,
                user,
                ACTION_REASON,
                {"command": command},
                f"please give your reason for **{label}**: reply to this message. Send /cancel to stop.",
            )
            return
        reply = await commands.run(self.panel, await self.actor(user), command, origin=callbacks.origin_of(query))
        toast = render.plain(reply.lines)
        await self.answer(query, reply.lines, ok=reply.ok)
        if toast.endswith(render.ELLIPSIS):  # too long for a toast: the whole answer as a message too
            await self.say(bot, chat_id, reply.lines)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.panel.note_outage(context.error):
            # Nothing was committed, and the update is not confirmed to Telegram: it comes again and is
            # processed once the database is back, so the person is not told anything went wrong.
            log.warning("a Telegram update waits for the database (%s)", type(context.error).__name__)
            return
        log.error("a Telegram update failed: %s", type(context.error).__name__, exc_info=context.error)
        if not isinstance(update, Update):
            return
        sorry = "Sorry, something went wrong on Panelbot's side. Please try again in a moment."
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text=sorry, show_alert=True)
            elif update.effective_chat is not None:
                await context.bot.send_message(chat_id=update.effective_chat.id, text=sorry)
        except TelegramError:
            pass


def register(application: Application, panel: Panel, store: ConversationStore) -> Handlers:
    """Every Telegram handler, bound in one place."""
    h = Handlers(panel, store)
    message = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("start", h.on_start, filters=message))
    application.add_handler(CommandHandler("cancel", h.on_cancel, filters=message))
    application.add_handler(CommandHandler("setup", h.on_setup, filters=message))
    shared = [name for name in commands.COMMANDS if COMMAND_NAME.fullmatch(name)]
    application.add_handler(CommandHandler(shared, h.on_shared, filters=message))
    application.add_handler(CallbackQueryHandler(h.on_callback))
    application.add_handler(MessageHandler(message & filters.TEXT & ~filters.COMMAND, h.on_text))
    # An unknown /command in a private chat gets the shared "not a command" answer; in a group it may be
    # meant for another bot, so it is left alone.
    application.add_handler(MessageHandler(message & filters.COMMAND & filters.ChatType.PRIVATE, h.on_shared))
    application.add_error_handler(h.on_error)
    return h
