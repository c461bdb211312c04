"""What people do on Telegram: commands, button presses and replies, each turned into the shared text
commands (`bot.commands.run`) or the same `Panel` methods every platform uses. The panel's rules are never
here: a refusal is the service's own sentence, shown to the person.

`register(application, panel, store)` binds every handler in one place.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
from collections.abc import Awaitable, Callable

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import commands
from bot.service import Actor, Panel
from bot.telegram import callbacks, render
from bot.telegram.adapter import NO_PREVIEW, retry_seconds
from bot.telegram.conversation import (
    ACTION_REASON,
    NEW_REFERRAL,
    VOTE_REASON,
    ConversationStore,
    Intake,
    State,
    prompt_key,
)
from flows.errors import InvalidInput, PanelError
from flows.intake import Interview, Step
from flows.referrals import normalise_reference

log = logging.getLogger(__name__)

RECUSE_REASON = "recuse_reason"
NOT_IN_USE = "This button is no longer in use."
REASON_MAX = 4000
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
MAX_PAUSE = 60.0  # seconds: the longest flood-control pause honoured inline before a direct reply
Markup = InlineKeyboardMarkup | ForceReply | None

TELEGRAM_HELP = [
    "On Telegram you also have:",
    "  `setup [panel|bm|agency:NAME]`: make this chat where those messages go (business manager); "
    "`setup` alone makes it the panel group",
    "  `cancel`: stop filing a referral or giving a reason",
    "Vote with the buttons under a referral card. Where the procedure asks for a reason, the bot asks you "
    "for it in a reply.",
]


def bot_commands() -> list[BotCommand]:
    """The command menu Telegram shows (`setMyCommands`): the shared commands and the Telegram ones."""

    def describe(text: str) -> str:
        text = text.replace("`", "").strip()
        return (text[:1].upper() + text[1:])[:256] or "Panelbot command"

    out = [BotCommand("new", "File a referral (business manager): a few questions")]
    out += [BotCommand(c.name, describe(c.help)) for c in commands.COMMANDS.values() if COMMAND_NAME.fullmatch(c.name)]
    out.append(BotCommand("setup", "Make this chat the panel group (business manager)"))
    out.append(BotCommand("cancel", "Stop filing a referral or giving a reason"))
    return out[:100]


def split_command(text: str) -> tuple[str, str]:
    """`/vote@panel_bot SAL-2026-001 commence` -> ("vote", "SAL-2026-001 commence")."""
    first, _, rest = text.strip().partition(" ")
    return first.lstrip("/").split("@", 1)[0].lower(), rest.strip()


def is_group(chat_type: str) -> bool:
    return chat_type in (ChatType.GROUP, ChatType.SUPERGROUP)


class Handlers:
    def __init__(self, panel: Panel, store: ConversationStore) -> None:
        self.panel = panel
        self.store = store
        self.intake = Intake(panel)
        self.pause: Callable[[float], Awaitable[object]] = asyncio.sleep  # tests pass time without waiting

    # Who is asking -----------------------------------------------------------------------------------
    async def actor(self, user: User) -> Actor:
        """The panel member behind a Telegram account, matched by user id (never the username, which users
        can change); anyone else is a guest, who can do only what needs no role."""
        found = await self.panel.actor_for("telegram", str(user.id))
        return found or Actor.guest("telegram", str(user.id), user.full_name)

    # Sending -----------------------------------------------------------------------------------------
    async def say(
        self,
        bot: Bot,
        chat_id: int,
        lines: list[str],
        *,
        lead: list[render.Segment] | None = None,
        markup: Markup = None,
        reply_to: Message | None = None,
        html: str | None = None,
    ) -> Message:
        """Send a direct answer. Flood control pauses it once, for as long as Telegram asks (up to a minute)."""
        text = html if html is not None else render.to_html(lines, lead=lead)
        kwargs = dict(
            chat_id=chat_id,
            text=text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
            reply_parameters=(
                ReplyParameters(message_id=reply_to.message_id, allow_sending_without_reply=True) if reply_to else None
            ),
        )
        return await self.patiently(bot.send_message, **kwargs)

    async def patiently(self, call: Callable[..., Awaitable[Message]], **kwargs: object) -> Message:
        """Call the Bot API; on flood control, pause once for as long as Telegram asks (up to a minute)."""
        try:
            return await call(**kwargs)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if wait > MAX_PAUSE:
                raise
            await self.pause(wait)
            return await call(**kwargs)

    async def post_files(
        self, bot: Bot, chat_id: int, files: tuple[tuple[str, bytes], ...], *, about: str | None, reply_to: Message
    ) -> None:
        """A reply's files (a report's charts), each as a photo with its title as the caption, after the text.
        A file that cannot be posted is named to the person in one sentence; the command itself stands."""
        not_posted: list[str] = []
        for position, (name, data) in enumerate(files):
            try:
                await self.patiently(
                    bot.send_photo,
                    chat_id=chat_id,
                    photo=data,
                    filename=name,
                    caption=render.photo_caption(name, about),
                    parse_mode=ParseMode.HTML,
                    reply_parameters=ReplyParameters(message_id=reply_to.message_id, allow_sending_without_reply=True),
                )
            except RetryAfter:  # a longer pause than a person should wait: the rest would be held up too
                log.warning("Telegram flood control held up %d file(s)", len(files) - position)
                not_posted += [n for n, _ in files[position:]]
                break
            except TelegramError as exc:  # refused (too large, not an image) or the network failed
                log.warning("could not post the file %s on Telegram: %s", name, exc)
                not_posted.append(name)
            except Exception:
                log.exception("posting the file %s on Telegram failed", name)
                not_posted.append(name)
        if not_posted:
            try:
                await self.say(bot, chat_id, [render.files_not_shown(not_posted)], reply_to=reply_to)
            except TelegramError as exc:
                log.warning("could not say that a file was not posted: %s", type(exc).__name__)

    async def answer(self, query: CallbackQuery, lines: list[str], *, ok: bool = True) -> None:
        """The short toast after a button press; a refusal is an alert the person has to dismiss."""
        try:
            await query.answer(text=render.plain(lines) or None, show_alert=not ok)
        except TelegramError as exc:  # an old query can no longer be answered; the action itself stands
            log.info("could not answer a Telegram callback: %s", type(exc).__name__)

    async def unbutton(self, bot: Bot, chat_id: int, message_id: int | None, lines: list[str] | None = None) -> None:
        """Take the buttons off a question once it is answered (showing the answer, when given)."""
        if not message_id:
            return
        try:
            if lines:
                await bot.edit_message_text(
                    chat_id=chat_id, message_id=message_id, text=render.to_html(lines), parse_mode=ParseMode.HTML
                )
            else:
                await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
        except TelegramError as exc:
            log.info("could not tidy a Telegram question: %s", type(exc).__name__)

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
        reply = await commands.run(self.panel, await self.actor(user), f"{name} {rest}".strip())
        if reply.form == commands.REFERRAL_FORM:
            await self._start_intake(context.bot, msg, user)
            return
        if reply.ask is not None:  # the words the command still needs, asked for in a reply
            await self.say(context.bot, chat.id, list(reply.ask.intro), reply_to=msg)
            await self._ask_reason(
                context.bot, chat.id, user, ACTION_REASON, {"command": reply.ask.command},
                f"please reply to this message with {reply.ask.label[0].lower()}{reply.ask.label[1:]}. "
                "Send /cancel to stop.",
            )
            return
        lines = list(reply.lines) + (TELEGRAM_HELP if name == "help" else [])
        if lines:
            await self.say(context.bot, chat.id, lines, reply_to=msg)
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

    # The guided /new -----------------------------------------------------------------------------------
    async def _start_intake(self, bot: Bot, msg: Message, user: User) -> None:
        """`/new`, once the shared command has checked who is filing: the form's first question."""
        chat = msg.chat
        old = await self.store.get(str(chat.id), str(user.id))
        if old is not None and old.flow == NEW_REFERRAL:
            await self.unbutton(bot, chat.id, old.data.get("_q"))
        intro = [
            "**New referral.** There is no field for a name, date of birth or address: the subject is shown "
            "only by category and letter. Nothing is saved until you press File referral; send /cancel to stop."
        ]
        if is_group(chat.type):
            intro.append("In a group, answer each question by replying to it.")
        await self.say(bot, chat.id, intro, reply_to=msg)
        interview = self.intake.interview({})
        await self._ask(bot, chat.id, chat.type, user, interview, interview.step(self.panel.cal.format))

    async def _ask(self, bot: Bot, chat_id: int, chat_type: str, user: User, interview: Interview, step: Step) -> None:
        question = self.intake.question(step)
        markup: Markup = None
        if question.buttons:
            buttons = [InlineKeyboardButton(label, callback_data=cb) for label, cb in question.buttons]
            rows = [buttons] if question.review else [[b] for b in buttons]
            markup = InlineKeyboardMarkup(rows)
        elif is_group(chat_type):
            markup = ForceReply(selective=True)
        lead = [render.mention(user.id, user.first_name), render.Segment(": ")] if is_group(chat_type) else None
        sent = await self.say(bot, chat_id, question.lines, lead=lead, markup=markup)
        question_id = sent.message_id if question.buttons else None  # its buttons come off once answered
        await self.store.put(str(chat_id), str(user.id), NEW_REFERRAL, self.intake.step_name(interview),
                             {**interview.to_data(), "_q": question_id})

    async def _intake_text(self, bot: Bot, msg: Message, user: User, state: State) -> None:
        chat = msg.chat
        text = commands.clean_text(msg.text or "")
        interview = self.intake.interview(state.data)
        if interview.current() is None:
            if text.strip().lower() in ("file", "yes", "file referral"):
                await self._file(bot, chat.id, user, state)
            else:
                await self.say(bot, chat.id, ["Please press File referral, or send /cancel."], reply_to=msg)
            return
        step = interview.give(text, today=self.intake.today(), fmt_date=self.panel.cal.format)
        await self.unbutton(bot, chat.id, state.data.get("_q"))
        await self._ask(bot, chat.id, chat.type, user, interview, step)

    async def _intake_pressed(self, bot: Bot, query: CallbackQuery, pressed: callbacks.Pressed) -> None:
        user = query.from_user
        chat_id = query.message.chat.id if query.message else user.id
        chat_type = query.message.chat.type if query.message else ChatType.PRIVATE
        state = await self.store.get(str(chat_id), str(user.id))
        if state is None or state.flow != NEW_REFERRAL:
            await self.answer(query, ["This question is not waiting for an answer from you."], ok=False)
            return
        if pressed.value == "x":
            await self.answer(query, [])
            await self._cancel(bot, chat_id, user)
            return
        interview = self.intake.interview(state.data)
        if pressed.value == "f":
            if interview.current() is not None:
                await self.answer(query, ["Please answer the questions first."], ok=False)
                return
            await self.answer(query, [])
            await self._file(bot, chat_id, user, state)
            return
        key = interview.current().key if interview.current() is not None else ""
        try:
            step = self.intake.press(interview, pressed.value, pressed.extra)
        except PanelError as exc:
            await self.answer(query, [str(exc)], ok=False)
            return
        await self.answer(query, [])
        label = next((f.label for f in interview.fields if f.key == key), "")
        done = [f"{label}: **{self.intake.shown_answer(interview, key)}**"] if key in interview.answers else None
        await self.unbutton(bot, chat_id, query.message.message_id if query.message else None, done)
        await self._ask(bot, chat_id, chat_type, user, interview, step)

    async def _file(self, bot: Bot, chat_id: int, user: User, state: State) -> None:
        try:
            actor = await self.actor(user)
            reference = await self.panel.file_referral(actor=actor, draft=self.intake.interview(state.data).draft())
        except PanelError as exc:
            await self.say(bot, chat_id, [str(exc), "Press File referral to try again, or send /cancel."])
            return
        await self.store.delete(str(chat_id), str(user.id))
        await self.unbutton(bot, chat_id, state.data.get("_q"), [f"Filed **{reference}**."])
        lines = [f"Filed **{reference}** and posted it to the panel."]
        channels = await self.panel.list_channels()
        if not any(purpose == "panel" and platform == "telegram" for purpose, platform, _ in channels):
            lines.append("No Telegram panel group is set up yet: send /setup in the panel's group.")
        await self.say(bot, chat_id, lines)

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


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _person(value: object) -> bool:
    return (isinstance(value, dict) and _int(value.get("id")) and isinstance(value.get("is_bot", False), bool)
            and isinstance(value.get("first_name", ""), str))


def _message(value: object, depth: int = 0) -> bool:
    if not isinstance(value, dict) or depth > 2:
        return False
    chat = value.get("chat")
    entities = value.get("entities", [])
    return (
        _int(value.get("message_id")) and _int(value.get("date"))
        and isinstance(chat, dict) and _int(chat.get("id")) and isinstance(chat.get("type"), str)
        and ("from" not in value or _person(value["from"]))
        and isinstance(value.get("text", ""), str)
        and isinstance(entities, list)
        and all(isinstance(e, dict) and isinstance(e.get("type"), str) and _int(e.get("offset"))
                and _int(e.get("length")) for e in entities)
        and ("reply_to_message" not in value or _message(value["reply_to_message"], depth + 1))
    )


def well_formed(data: dict) -> bool:
    """Whether a webhook update has the shape Telegram gives the two kinds the bot asks for (`message`,
    `callback_query`). python-telegram-bot reads almost anything, so a body with a chat id that is a list or a
    sender that is a string would otherwise reach the handlers and fail there. Other kinds pass (no handler
    takes them)."""
    if not _int(data.get("update_id")):
        return False
    if "message" in data and not _message(data["message"]):
        return False
    if "callback_query" in data:
        query = data["callback_query"]
        if not (isinstance(query, dict) and isinstance(query.get("id"), str) and _person(query.get("from"))
                and isinstance(query.get("chat_instance", ""), str) and isinstance(query.get("data", ""), str)
                and ("message" not in query or _message(query["message"]))):
            return False
    return True


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
