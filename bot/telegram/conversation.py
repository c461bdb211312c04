"""Conversations kept in the database (`conversation_state`), so a bot restart loses nothing: the guided
`/new`, and the replies the bot is waiting for (a vote's reason, the reason for a button's command).

Telegram has no forms, so `/new` asks the intake's questions one at a time (`flows.intake.Interview`). Each
answer is checked as it is given, so one bad answer is asked again and never costs the person the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, delete, select

from bot.service import Panel
from bot.telegram import callbacks
from flows.errors import InvalidInput
from flows.intake import CONFIRM_LABEL, ConfirmName, Interview, Review, Step
from storage.models import ConversationState

PLATFORM = "telegram"
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

    def _where(self, chat: str, user: str) -> tuple[ColumnElement[bool], ...]:
        return (
            ConversationState.partnership_id == self.panel.partnership_id,
            ConversationState.platform == PLATFORM,
            ConversationState.chat_id == chat,
            ConversationState.user_id == user,
        )

    async def get(self, chat: str, user: str) -> State | None:
        async with self.panel.uow() as uow:
            stmt = select(ConversationState).where(*self._where(chat, user))
            row = (await uow.session.execute(stmt)).scalar_one_or_none()
            if row is None:
                return None
            return State(chat, user, row.flow, row.step, dict(row.data or {}))

    async def put(self, chat: str, user: str, flow: str, step: str, data: dict) -> None:
        async with self.panel.uow() as uow:
            row = (
                await uow.session.execute(select(ConversationState).where(*self._where(chat, user)).with_for_update())
            ).scalar_one_or_none()
            if row is None:
                row = ConversationState(
                    partnership_id=self.panel.partnership_id, platform=PLATFORM, chat_id=chat, user_id=user
                )
                uow.session.add(row)
            row.flow, row.step, row.data, row.updated_at = flow, step, dict(data), self.panel.now()
            await uow.commit()

    async def delete(self, chat: str, user: str) -> bool:
        async with self.panel.uow() as uow:
            result = await uow.session.execute(delete(ConversationState).where(*self._where(chat, user)))
            await uow.commit()
            return bool(result.rowcount)

    async def delete_prompts(self, chat: str, user: str) -> int:
        """Forget every reply this person owes in this chat (on `/cancel`)."""
        async with self.panel.uow() as uow:
            result = await uow.session.execute(
                delete(ConversationState).where(
                    ConversationState.partnership_id == self.panel.partnership_id,
                    ConversationState.platform == PLATFORM,
                    ConversationState.chat_id.like(f"{chat}/%"),
                    ConversationState.user_id == user,
                )
            )
            await uow.commit()
            return int(result.rowcount or 0)

    async def remember_command(self, command: str) -> str:
        key = callbacks.digest(command)
        if await self.get(BUTTON, key) is None:
            await self.put(BUTTON, key, BUTTON, "", {"command": command})
        return key

    async def command_for(self, key: str) -> str | None:
        state = await self.get(BUTTON, key)
        return None if state is None else state.data.get("command")


# The guided /new --------------------------------------------------------------------------------------
# The questions, their choices and their rules are `flows.intake`'s; here they only become messages with
# buttons. A button's data names the question it answers, so a button left on an old question is refused.


@dataclass
class Question:
    lines: list[str]
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, callback_data)
    review: bool = False  # the last step: the answers, with File referral and Cancel


REVIEW = "review"


class Intake:
    """The intake form asked one question at a time, its state kept with the conversation."""

    def __init__(self, panel: Panel) -> None:
        self.panel = panel

    def interview(self, data: dict) -> Interview:
        return Interview.from_data(self.panel.preset, data)

    def today(self) -> date:
        return self.panel.cal.local(self.panel.now()).date()

    def step_name(self, interview: Interview) -> str:
        f = interview.current()
        return REVIEW if f is None else f.key

    def question(self, step: Step) -> Question:
        if isinstance(step, Review):
            return Question(
                ["**Please check the referral, then press File referral.**", *step.lines],
                [("File referral", callbacks.encode_intake("f")), ("Cancel", callbacks.encode_intake("x"))],
                review=True,
            )
        if isinstance(step, ConfirmName):
            return Question(step.lines, [(CONFIRM_LABEL, callbacks.encode_intake("k", step.field.key))])
        f = step.field
        lines = [step.problem, "Please answer again, or send /cancel."] if step.problem else []
        lines.append(f"**{f.question}**" + (" Choose below (or type its number)." if f.kind == "choice" else ""))
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
        fmt = self.panel.cal.format
        if pressed == "k":
            return interview.keep(today=self.today(), fmt_date=fmt)
        if pressed == "s":
            return interview.give(current.skip, today=self.today(), fmt_date=fmt)
        if pressed == "c" and index.isdigit() and int(index) < len(current.choices):
            return interview.give(current.choices[int(index)].value, today=self.today(), fmt_date=fmt)
        raise InvalidInput("That question has already been answered.")

    def shown_answer(self, interview: Interview, key: str) -> str:
        f = next(f for f in interview.fields if f.key == key)
        return f.shown(interview.answers.get(key), self.panel.cal.format)
