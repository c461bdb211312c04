"""A command's form on Telegram (the guided `/new`, the meeting form of `/meeting schedule REF`, the request form of
`/request REF`): its questions (`flows.intake.FormSpec`) asked one at a time, with buttons where there are choices,
its state kept in the database so a restart loses nothing. Its answers go to the shared `bot.commands.forms.submit`;
a refusal of one answer when it is sent (a meeting day outside its window, a due date past) asks that question
again."""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    User,
)
from telegram.constants import ChatType

from bot import commands
from bot.commands import forms, wording
from bot.telegram import callbacks, render
from bot.telegram.conversation import (
    NEW_REFERRAL,
    State,
)
from bot.telegram.sending import Markup, Sending, is_group
from flows.errors import PanelError
from flows.intake import FormSpec, Interview, Step

log = logging.getLogger("bot.telegram.handlers")


class IntakeChat(Sending):
    # A form, one question at a time --------------------------------------------------------------------
    async def _start_intake(self, bot: Bot, msg: Message, user: User, form: FormSpec) -> None:
        """The form a command opened, once the shared command has checked who may: its first question."""
        chat = msg.chat
        old = await self.store.get(str(chat.id), str(user.id))
        if old is not None and old.flow == NEW_REFERRAL:
            await self.unbutton(bot, chat.id, old.data.get("_q"))
        intro = [f"{' '.join(form.intro)} Nothing is saved until you press {form.submit}; send /cancel to stop."]
        if is_group(chat.type):
            intro.append("In a group, answer each question by replying to it.")
        await self.say(bot, chat.id, intro, reply_to=msg)
        interview = self.intake.interview({}, form)
        await self._ask(bot, chat.id, chat.type, user, interview, interview.step(self.intake.fmt_date))

    async def _ask(self, bot: Bot, chat_id: int, chat_type: str, user: User, interview: Interview, step: Step) -> None:
        question = self.intake.question(step, self.intake.form(interview))
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
        form = self.intake.form(interview)
        if interview.current() is None:
            if text.strip().lower() in ("file", "yes", "send", form.submit.lower()):
                await self._file(bot, chat.id, chat.type, user, state)
            else:
                await self.say(bot, chat.id, [f"Please press {form.submit}, or send /cancel."], reply_to=msg)
            return
        step = interview.give(text, today=self.intake.today(), fmt_date=self.intake.fmt_date)
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
            await self._file(bot, chat_id, chat_type, user, state)
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

    async def _file(self, bot: Bot, chat_id: int, chat_type: str, user: User, state: State) -> None:
        """Send the form: the shared `forms.submit`, as the typed command would. A refusal of one answer asks that
        question again, with the reason, keeping the rest; any other refusal is said, and the form kept."""
        interview = self.intake.interview(state.data)
        form = self.intake.form(interview)
        try:
            actor = await self.actor(user)
            reply = await forms.submit(self.panel, actor, form, interview.answers,
                                       names_confirmed=interview.names_confirmed, idiom=wording.TELEGRAM)
        except PanelError as exc:
            if (key := forms.refused_field(form, exc)) is not None:
                step = interview.reopen(key, exc.beside, self.intake.fmt_date)
                await self.unbutton(bot, chat_id, state.data.get("_q"))
                await self._ask(bot, chat_id, chat_type, user, interview, step)
                return
            await self.say(bot, chat_id, [str(exc), f"Press {form.submit} to try again, or send /cancel."])
            return
        await self.store.delete(str(chat_id), str(user.id))
        await self.unbutton(bot, chat_id, state.data.get("_q"), interview.review(self.intake.fmt_date))
        await self.say(bot, chat_id, reply.lines)
