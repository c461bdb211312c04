"""Conversations kept in the database (`conversation_state`), so a bot restart loses nothing: a command's form
asked one question at a time (the guided `/new`, the meeting form of `/meeting schedule REF`, the request form of
`/request REF`), and the replies the bot is waiting for (a vote's reason, the reason for a button's command).

Telegram has no forms, so a form's questions are asked one at a time (`flows.intake.Interview`). Each answer is
checked as it is given, so one bad answer is asked again and never costs the person the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.commands.forms import form_from
from bot.service import Panel
from bot.telegram import callbacks
from flows.errors import InvalidInput
from flows.intake import CONFIRM_LABEL, ConfirmName, FormSpec, Interview, Review, Step, referral_form
from storage.models import ConversationState

PLATFORM = "telegram"
# A command's form being answered, one question at a time; its state names which form (the intake form when
# it does not: the name is the intake form's, from before there were others).
NEW_REFERRAL = "new_referral"
VOTE_REASON = "vote_reason"
ACTION_REASON = "action_reason"
BUTTON = "button"  # an action command too long for callback_data, kept under its digest


@dataclass
class State:
    chat: str
    user: str
    flow: str
    step: str
    data: dict


def prompt_key(chat_id: int | str, message_id: int) -> str:
    """Where a reply the bot waits for is kept: one row per question message, so several can be open."""
    return f"{chat_id}/{message_id}"


class ConversationStore:
    def __init__(self, panel: Panel) -> None:
        self.panel = panel

    async def get(self, chat: str, user: str) -> State | None:
        async with self.panel.uow() as uow:
            row = await uow.conversations.find(PLATFORM, chat, user)
            return None if row is None else State(chat, user, row.flow, row.step, dict(row.data or {}))

    async def put(self, chat: str, user: str, flow: str, step: str, data: dict) -> None:
        async with self.panel.uow() as uow:
            row = await uow.conversations.find(PLATFORM, chat, user, lock=True)
            if row is None:
                row = await uow.conversations.add(ConversationState(
                    partnership_id=self.panel.partnership_id, platform=PLATFORM, chat_id=chat, user_id=user))
            row.flow, row.step, row.data, row.updated_at = flow, step, dict(data), self.panel.now()
            await uow.commit()

    async def delete(self, chat: str, user: str) -> bool:
        async with self.panel.uow() as uow:
            gone = await uow.conversations.forget(PLATFORM, chat, user)
            await uow.commit()
            return bool(gone)

    async def delete_prompts(self, chat: str, user: str) -> int:
        """Forget every reply this person owes in this chat (on `/cancel`)."""
        async with self.panel.uow() as uow:
            gone = await uow.conversations.forget_prompts(PLATFORM, chat, user)
            await uow.commit()
            return gone

    async def remember_command(self, command: str) -> str:
        key = callbacks.digest(command)
        if await self.get(BUTTON, key) is None:
            await self.put(BUTTON, key, BUTTON, "", {"command": command})
        return key

    async def command_for(self, key: str) -> str | None:
        state = await self.get(BUTTON, key)
        return None if state is None else state.data.get("command")


# A form, one question at a time ----------------------------------------------------------------------
# The questions, their choices and their rules are the form's (`flows.intake.FormSpec`); here they only become
# messages with buttons. A button's data names the question it answers, so a button left on an old question
# is refused.


@dataclass
class Question:
    lines: list[str]
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, callback_data)
    review: bool = False  # the last step: the answers, with the form's button (File referral) and Cancel


REVIEW = "review"


class Intake:
    """A command's form asked one question at a time, its state kept with the conversation."""

    def __init__(self, panel: Panel) -> None:
        self.panel = panel

    def interview(self, data: dict, form: FormSpec | None = None) -> Interview:
        """The interview kept in `data` (or a new one of `form`)."""
        if form is None:
            form = form_from(self.panel.preset, data.get("form")) or referral_form(self.panel.preset)
        return Interview.from_data(self.panel.preset, data, form)

    @staticmethod
    def form(interview: Interview) -> FormSpec:
        assert interview.form is not None  # `interview` always gives one
        return interview.form

    def today(self) -> date:
        return self.panel.cal.local(self.panel.now()).date()

    def step_name(self, interview: Interview) -> str:
        f = interview.current()
        return REVIEW if f is None else f.key

    def question(self, step: Step, form: FormSpec) -> Question:
        if isinstance(step, Review):
            return Question(
                [f"**Please check the {form.what}, then press {form.submit}.**", *step.lines],
                [(form.submit, callbacks.encode_intake("f")), ("Cancel", callbacks.encode_intake("x"))],
                review=True,
            )
        if isinstance(step, ConfirmName):
            return Question(step.lines, [(CONFIRM_LABEL, callbacks.encode_intake("k", step.field.key))])
        f = step.field
        lines = [step.problem, "Please answer again, or send /cancel."] if step.problem else []
        lines.append(f"**{f.question}**" + (" Choose below (or type its number)." if f.kind == "choice" else ""))
        if f.kind == "choices":  # several may be chosen: typed, by number or name
            lines.append("; ".join(f"{i}. {c.label}" for i, c in enumerate(f.choices, 1)))
        if f.hint and f.kind != "choice" and not f.skip:
            lines.append(f.hint)
        buttons = [(c.label, callbacks.encode_intake("c", f"{f.key}:{i}")) for i, c in enumerate(f.choices)] \
            if f.kind == "choice" else []
        if f.skip:
            buttons.append((f.skip, callbacks.encode_intake("s", f.key)))
        return Question(lines, buttons)

    def press(self, interview: Interview, pressed: str, value: str) -> Step:
        """An answer given with a button: `pressed` is its kind (c choice, s skip, k keep), `value` the
        question it answers (and the choice). Raises InvalidInput for a button left on an old question."""
        key, _, index = value.partition(":")
        current = interview.current()
        if current is None or current.key != key:
            raise InvalidInput("That question has already been answered.")
        fmt = self.fmt_date
        if pressed == "k":
            return interview.keep(today=self.today(), fmt_date=fmt)
        if pressed == "s":
            return interview.give(current.skip, today=self.today(), fmt_date=fmt)
        if pressed == "c" and index.isdigit() and int(index) < len(current.choices):
            return interview.give(current.choices[int(index)].value, today=self.today(), fmt_date=fmt)
        raise InvalidInput("That question has already been answered.")

    def fmt_date(self, day: date) -> str:
        return self.panel.cal.format_day(day)

    def shown_answer(self, interview: Interview, key: str) -> str:
        f = next(f for f in interview.fields if f.key == key)
        return f.shown(interview.answers.get(key), self.fmt_date)
